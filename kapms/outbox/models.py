"""The outbox: one row per email, from queued to sent (or given up).

A row holds what to send and to whom, never the text: the message is written from its
kind's template when it is sent, from the records as they are then (a session moved since
is announced at its new time; a link is minted at that moment, so no usable link is ever
stored). ``dedupe_key`` makes a reminder planned twice (two schedulers, a rerun) one row.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db

STATUSES = {"pending": "Waiting", "sending": "Sending", "sent": "Sent",
            "failed": "Gave up", "cancelled": "Not needed any more"}


class OutboxMessage(db.Model):
    """One email to one recipient."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The sweep: what is due to be (re)sent, oldest first.
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_messages_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    # The record the message is about (a session, an installment, ...), by kind.
    subject_id: Mapped[int | None]
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # never a secret
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str | None] = mapped_column(String(200))  # as sent
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUSES.get(self.status, self.status)
