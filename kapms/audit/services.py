"""Recording and searching audit events. The one place audit rows are written.

Recording is cheap for pages that show many patients: ``record`` keeps the row in a buffer
on the session, and the buffer is inserted in one batch (a single executemany: one
multi-row INSERT on PostgreSQL) when the transaction commits - or earlier, just before the
session queries the audit table, so a query always sees the rows recorded before it. The
rows' ids are never needed, so no RETURNING forces one INSERT per row. After a commit that wrote audit rows the new rows
are sealed into the hash chain (kapms/audit/sealing.py).
"""

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.util import find_tables

from kapms.audit import sealing
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
    The row is inserted with the others of this transaction (see the module docstring);
    the returned event shows what was recorded and is not attached to the session.
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
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        # The record belongs to a transaction even when nothing was read first (objects
        # stay loaded after a commit), so a rollback queues it (below).
        session.begin()
    session.info.setdefault(_BUFFER, []).append(fields)
    session.info.setdefault(_UNSAVED, []).append(fields)
    return AuditEvent(**fields)


# An audit record must outlive the transaction it was written in: a read that ends in a
# refused save, a 404 for someone else's patient, or an error page rolls the request
# back, but the log must still say the read (or the attempt) happened. Records written
# since the last commit are remembered; a rollback queues them again, and the next commit
# on that session writes them (error pages and the request teardown commit for this).
_BUFFER = "kapms_audit_buffer"
_UNSAVED = "kapms_audit_unsaved"
_REPLAY = "kapms_audit_replay"
_SEAL = "kapms_audit_seal_due"


def _insert_buffered(session) -> None:
    buffered = session.info.pop(_BUFFER, None)
    if buffered:
        # render_nulls: one multi-row INSERT, not one per run of rows whose empty
        # columns differ (a read of a patient and of a list without an id).
        session.execute(insert(AuditEvent).execution_options(render_nulls=True), buffered)


@sa_event.listens_for(Session, "do_orm_execute")
def _buffer_before_audit_queries(state):
    if (state.is_select and state.session.info.get(_BUFFER)
            and AuditEvent.__table__ in find_tables(state.statement, include_crud=True)):
        _insert_buffered(state.session)


@sa_event.listens_for(Session, "before_commit")
def _replay_lost(session):
    for fields in session.info.pop(_REPLAY, []):
        session.info.setdefault(_BUFFER, []).append(fields)
        session.info.setdefault(_UNSAVED, []).append(fields)
    _insert_buffered(session)


@sa_event.listens_for(Session, "after_commit")
def _seal_saved(session):
    if session.info.pop(_UNSAVED, None):
        session.info[_SEAL] = True


@sa_event.listens_for(Session, "after_transaction_end")
def _seal_when_released(session, transaction):
    # Sealed once the request's connection is back in the pool, so sealing never holds
    # two connections per request (or waits for one while holding another).
    if transaction.parent is None and session.info.pop(_SEAL, False):
        sealing.seal_after_commit(session.get_bind())


@sa_event.listens_for(Session, "after_rollback")
def _queue_lost(session):
    session.info.pop(_BUFFER, None)
    lost = session.info.pop(_UNSAVED, [])
    if lost:
        session.info.setdefault(_REPLAY, []).extend(lost)


@sa_event.listens_for(Session, "after_soft_rollback")
def _queue_lost_without_transaction(session, previous_transaction):
    # A rollback of a transaction no statement used (a record written right after a
    # commit) rolls nothing back on the database and fires no after_rollback: the
    # records are queued the same way.
    if not session.in_transaction():
        _queue_lost(session)


def has_unsaved_records(session) -> bool:
    """True when audit records wait for a commit (buffered, or rolled back)."""
    return bool(session.info.get(_REPLAY) or session.info.get(_BUFFER))


@dataclass(frozen=True)
class AuditFilter:
    """What the admin's audit page filters by; any field may be empty. ``user_ids`` and
    ``patient_ids`` are None for "anyone" and a (possibly empty) tuple for "one of these"."""

    user_ids: tuple[int, ...] | None = None
    patient_ids: tuple[int, ...] | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        """A short summary for the audit record of viewing or exporting the log."""
        parts = [f"{name}={value}" for name, value in (
            ("users", self.user_ids), ("patients", self.patient_ids), ("action", self.action),
            ("from", self.date_from), ("to", self.date_to)) if value is not None]
        return ("filter " + "; ".join(parts))[:500] if parts else "no filter"


@dataclass(frozen=True)
class Position:
    """A place in the newest-first list: the (at, id) of a row (keyset pagination)."""

    at: datetime
    id: int

    def token(self) -> str:
        """The position as a URL parameter."""
        return f"{self.at.astimezone(UTC):%Y%m%dT%H%M%S.%f}-{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> "Position | None":
        """A position from ``token``, or None when it is missing or malformed."""
        try:
            stamp, raw_id = (token or "").rsplit("-", 1)
            at = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
            return cls(at, int(raw_id)) if 0 < int(raw_id) < 2 ** 63 else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Page:
    """One page of events, newest first, with the positions to page on from."""

    rows: list
    older: Position | None  # start of the next (older) page, if any
    newer: Position | None  # start of the previous (newer) page, if any


def _filtered(flt: AuditFilter):
    query = select(AuditEvent)
    for column, ids in ((AuditEvent.user_id, flt.user_ids),
                        (AuditEvent.patient_id, flt.patient_ids)):
        if ids is not None:
            query = query.where(column == ids[0] if len(ids) == 1 else column.in_(ids))
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(flt.date_from, time(), UTC))
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.at < end)
    return query


def search(session, flt: AuditFilter, *, older_than: Position | None = None,
           newer_than: Position | None = None, per_page: int = 50) -> Page:
    """A page of events matching ``flt``, newest first, after ``older_than`` (going back)
    or before ``newer_than`` (coming forward). No count of the whole log: keyset
    pagination reads only the rows it shows, through the (filter, at, id) indexes."""
    key = tuple_(AuditEvent.at, AuditEvent.id)
    query = _filtered(flt)
    if newer_than is not None:
        rows = session.scalars(query.where(key > tuple_(newer_than.at, newer_than.id))
                               .order_by(AuditEvent.at, AuditEvent.id)
                               .limit(per_page + 1)).all()
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_older = True
    else:
        if older_than is not None:
            query = query.where(key < tuple_(older_than.at, older_than.id))
        rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                               .limit(per_page + 1)).all()
        more_older = len(rows) > per_page
        rows = rows[:per_page]
        more_newer = older_than is not None
    if not rows:
        return Page([], None, None)
    return Page(rows, Position(rows[-1].at, rows[-1].id) if more_older else None,
                Position(rows[0].at, rows[0].id) if more_newer else None)


def each_event(session, flt: AuditFilter, *, batch: int = 2000):
    """Every event matching ``flt``, newest first, read in keyset batches (for exports)."""
    position = None
    while True:
        page = search(session, flt, older_than=position, per_page=batch)
        yield from page.rows
        if page.older is None:
            return
        position = page.older
        session.expunge_all()  # keep memory flat over millions of rows


def find_users(session, text: str, *, limit: int = 20):
    """Users whose name or email contains ``text`` (case-insensitive), at most ``limit``."""
    from kapms.auth.models import User, matching_users

    return session.scalars(select(User).where(matching_users(text))
                           .order_by(User.full_name).limit(limit)).all()


def find_patients(session, text: str, *, limit: int = 20):
    """Patients whose first or last name starts with a word of ``text``, at most ``limit``
    (id, name) pairs. For the admin's filter: only names, no other patient data."""
    from kapms.patients.models import Patient, name_condition

    words = [w.lower() for w in text.split()][:3]
    if not words:
        return []
    query = select(Patient.id, Patient.first_name, Patient.last_name).where(
        name_condition(words))
    return [(pid, f"{first} {last}") for pid, first, last in
            session.execute(query.order_by(Patient.last_name, Patient.first_name)
                            .limit(limit)).all()]


def patient_names(session, patient_ids) -> dict[int, str]:
    """Names of the patients on one page of the log, in one query."""
    from kapms.patients.models import Patient

    ids = {i for i in patient_ids if i}
    if not ids:
        return {}
    return {pid: f"{first} {last}" for pid, first, last in session.execute(
        select(Patient.id, Patient.first_name, Patient.last_name).where(Patient.id.in_(ids)))}
