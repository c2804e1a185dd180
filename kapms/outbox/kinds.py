"""The kinds of message and how each is written (a registry filled by the domains).

A kind says who it is for and writes its email from the records when it is sent:
``render(session, message, settings) -> Email | None``. None means the message is not
needed any more (the session was cancelled, the consent signed meanwhile) and it is marked
so instead of sent. Each kind's template says only what the kind needs: a date and time,
never a diagnosis, a medication or a note (minimum necessary, 45 CFR 164.502(b)).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email."""

    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Email:
    """What a kind's renderer wrote: the subject, the plain-text body and attachments."""

    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Kind:
    """One kind of message."""

    name: str
    label: str  # in the patient's reminder settings and the admin's outbox
    render: Callable
    optional: bool = False  # the recipient may turn it off (reminders)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Add a kind (idempotent by name)."""
    KINDS[kind.name] = kind


def get(name: str) -> Kind:
    """The kind called ``name``; KeyError when no domain registered it."""
    return KINDS[name]


def label(name: str) -> str:
    """A kind's label, or its name when unknown."""
    return KINDS[name].label if name in KINDS else name
