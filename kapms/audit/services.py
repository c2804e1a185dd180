"""Recording and searching audit events. The one place audit rows are written."""

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kapms.audit.models import ACTIONS, OUTCOMES, AuditEvent
from kapms.database import utcnow

# Set by the web layer for each request, so services can record the origin
# without importing Flask.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def record(
    session,
    actor,
    action: str,
    entity_type: str,
    entity_id=None,
    *,
    patient_id: int | None = None,
    outcome: str = "success",
    detail: str | None = None,
    actor_email: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` is a User or None (anonymous).

    ``detail`` is a short, non-sensitive note: never a password, token or note text.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    fields = dict(
        user_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None) or actor_email,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        patient_id=patient_id,
        ip_address=current_ip.get(),
        outcome=outcome,
        detail=(detail or None) and detail[:500],
        at=utcnow(),
    )
    event = AuditEvent(**fields)
    session.add(event)
    session.flush()
    session.info.setdefault(_UNSAVED, []).append(fields)
    return event


# An audit record must outlive the transaction it was written in: a read that ends in a
# refused save, a 404 for someone else's patient, or an error page rolls the request
# back, but the log must still say the read (or the attempt) happened. Records written
# since the last commit are remembered; a rollback queues them again, and the next commit
# on that session writes them (error pages and the request teardown commit for this).
_UNSAVED = "kapms_audit_unsaved"
_REPLAY = "kapms_audit_replay"


@sa_event.listens_for(Session, "after_commit")
def _forget_saved(session):
    session.info.pop(_UNSAVED, None)


@sa_event.listens_for(Session, "after_rollback")
def _queue_lost(session):
    lost = session.info.pop(_UNSAVED, [])
    if lost:
        session.info.setdefault(_REPLAY, []).extend(lost)


@sa_event.listens_for(Session, "before_commit")
def _replay_lost(session):
    for fields in session.info.pop(_REPLAY, []):
        session.add(AuditEvent(**fields))
        session.info.setdefault(_UNSAVED, []).append(fields)


def has_unsaved_records(session) -> bool:
    """True when audit records were rolled back and still wait for a commit."""
    return bool(session.info.get(_REPLAY))


@dataclass(frozen=True)
class AuditFilter:
    """What the admin's audit page filters by; any field may be empty."""

    user_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def search(session, flt: AuditFilter, *, page: int = 1, per_page: int = 50):
    """Events matching ``flt``, newest first, with the total count for paging."""
    query = select(AuditEvent)
    if flt.user_id:
        query = query.where(AuditEvent.user_id == flt.user_id)
    if flt.patient_id:
        query = query.where(AuditEvent.patient_id == flt.patient_id)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(flt.date_from, time(), UTC))
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.at < end)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return rows, total
