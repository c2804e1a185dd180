"""Helpers shared by views for turning domain errors into form errors."""

from flask import flash

from kapms.errors import DomainError


def show_domain_error(form, error: DomainError) -> None:
    """Attach ``error`` to the field it names, or flash it when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")

