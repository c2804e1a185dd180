"""Domain exceptions raised by services and turned into messages or status codes by views."""


class DomainError(Exception):
    """A rule of the clinic refused the operation; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or is not visible to the actor (answered as 404)."""


class PermissionDenied(DomainError):
    """The actor may not do this (answered as 403)."""


class RuleViolation(DomainError):
    """A clinical, safety or billing rule refuses the operation."""


class ConflictError(DomainError):
    """Someone else changed the record meanwhile (optimistic version check)."""
