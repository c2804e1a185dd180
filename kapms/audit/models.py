"""The audit event table. Rows are appended, never changed or deleted: database triggers
refuse UPDATE and DELETE (kapms/audit/triggers.py), and each row is sealed into a hash chain
shortly after it is committed (kapms/audit/sealing.py)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from kapms.database import UTCDateTime, utcnow
from kapms.extensions import db

ACTIONS = (
    "view",
    "create",
    "update",
    "delete",
    "sign",
    "print",
    "export",
    "login",
    "login-failed",
    "logout",
    "access-denied",
    "acknowledge",
    "search",
)
OUTCOMES = ("success", "denied", "failed")


class AuditEvent(db.Model):
    """Who did what to which record, when and from where (45 CFR 164.312(b))."""

    __tablename__ = "audit_events"
    # The log page lists newest first by (at, id) and pages by keyset; each filter has an
    # index that ends in (at, id), so a page is an index range scan whatever the log's size.
    __table_args__ = (
        Index("ix_audit_events_at_id", "at", "id"),
        Index("ix_audit_events_patient_at", "patient_id", "at", "id"),
        Index("ix_audit_events_user_at", "user_id", "at", "id"),
        Index("ix_audit_events_action_at", "action", "at", "id"),
        # The sealer's queue: rows not yet in the chain, oldest first.
        Index("ix_audit_events_unsealed", "id", sqlite_where=text("seq IS NULL"),
              postgresql_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Email as it was at the time: the log must read the same after a rename.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    # Plain integer, not a foreign key: the log outlives and never blocks patient records.
    patient_id: Mapped[int | None] = mapped_column()
    ip_address: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(10), default="success")
    detail: Mapped[str | None] = mapped_column(String(500))
    # The seal: position in the chain and HMAC over the previous seal and this row
    # (kapms/audit/chain.py). Empty until the sealer reaches the row, then never changed.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    """Keep the log append-only at the ORM level (the database user should also lack
    UPDATE/DELETE on the table in production; see README)."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent.__table__, "after_create")
def _install_triggers(table, connection, **kw):
    """Tables made by create_all (the test suite) get the same triggers as a migrated
    database."""
    from kapms.audit import triggers

    triggers.install(connection)
