"""Scheduling (one session or a repeating series), rescheduling, completing, cancelling
and recording missed appointments; the clinician's own calendar and the notes-due list.

No double booking: every booking first locks the clinician's calendar (lock_calendar), so
racing bookings are checked one after the other against what is committed. A booking must
meet no other session of the clinician or of the patient, whatever its state (completed,
held, a no-show: the time was taken), except those that gave their time back (cancelled,
late cancellation). It starts in the future, unless the session is being entered after it
took place (``record_past``); a move never goes into the past.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.auth.models import User
from kapms.care import booking
from kapms.care.constants import (
    FREED_STATUSES,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    MISSED_STATUSES,
    MODALITIES,
    NOT_HELD_STATUSES,
    SESSION_KINDS,
)
from kapms.care.models import CareSession, ClinicianCalendar, ProgressNote, SessionSeries
from kapms.care.rules import psychotherapy_refusal
from kapms.care.services.common import LISTED, on_team, require_team
from kapms.care.services.stage import refresh_stage
from kapms.database import lock_row, utcnow
from kapms.errors import ConflictError, DomainError, PermissionDenied, RuleViolation

# Which care-team role runs each kind of session.
KIND_ROLE = {"intake": "prescriber", "follow_up": "prescriber", "preparation": "therapist",
             "dosing": "therapist", "integration": "therapist"}
MIN_MINUTES, MAX_MINUTES = MIN_SESSION_MINUTES, MAX_SESSION_MINUTES


STALE_SESSION_MESSAGE = ("This session was changed by someone else (or in another tab) since "
                         "you opened it. Nothing was saved: reload the session and try again.")


def require_scheduler(actor, patient, what: str) -> None:
    """Only the patient's care team or an admin books, moves and cancels sessions (403
    otherwise); views call it to refuse the page before showing a form."""
    if not (actor.has_role("admin") or on_team(actor, patient)):
        raise PermissionDenied(f"Only the care team or an admin can {what}.")


def lock_calendar(session, clinician_id: int) -> None:
    """Hold the clinician's calendar until this transaction ends: bookings of the same
    clinician then run one after the other, so the overlap check that follows sees every
    committed booking (a double submit or two workers racing cannot double-book).

    The UPDATE takes a row lock on PostgreSQL and the database write lock on SQLite; the
    row is created on first use (a racing creation is absorbed by ON CONFLICT DO NOTHING).
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(ClinicianCalendar).values(clinician_id=clinician_id, bookings=0)
                    .on_conflict_do_nothing(index_elements=["clinician_id"]))
    session.execute(update(ClinicianCalendar)
                    .where(ClinicianCalendar.clinician_id == clinician_id)
                    .values(bookings=ClinicianCalendar.bookings + 1))


def _check_booking(session, patient, *, kind: str, clinician, start: datetime,
                   duration_minutes: int, modality: str, moving_id: int | None = None,
                   record_past: bool = False, now: datetime | None = None) -> None:
    """The checks shared by scheduling and rescheduling: known kind and modality, a
    care-team clinician of the right role, an aware start in the future (unless
    ``record_past``), the duration limits, and no clash with another session of the
    clinician or of the patient (the session being moved, ``moving_id``, does not clash
    with itself)."""
    if kind not in SESSION_KINDS or modality not in MODALITIES:
        raise DomainError("Choose the kind of session and the modality.", field="kind")
    role = KIND_ROLE[kind]
    if clinician is None or not on_team(clinician, patient, role):
        raise RuleViolation(f"A {SESSION_KINDS[kind].lower()} session is run by the patient's "
                            f"{role}; choose one from the care team.", field="clinician_id")
    if start.tzinfo is None:
        raise DomainError("The start time needs a time zone.")
    if not record_past and start < (now or utcnow()):
        raise RuleViolation(
            "That time has passed. Choose a time to come, or, to enter a session that "
            "already took place, tick “It already took place”.", field="day")
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        raise RuleViolation(f"The duration must be {MIN_MINUTES}-{MAX_MINUTES} minutes.",
                            field="duration_minutes")
    lock_calendar(session, clinician.id)
    lock_row(session, User, clinician.id)  # two bookings cannot both find the slot free
    clash = _first_clash(session, start, duration_minutes, moving_id,
                         or_(CareSession.clinician_id == clinician.id,
                             CareSession.patient_id == patient.id))
    if clash is not None:
        whose = (f"{clinician.full_name} already has" if clash.clinician_id == clinician.id
                 else f"{patient.full_name} already has")
        raise RuleViolation(
            f"{whose} a session then: {clash.kind_label.lower()}, "
            f"{_local(clash.scheduled_start)}, {clash.duration_minutes} min "
            f"({clash.status_label.lower()}).", field="start_time")


def _first_clash(session, start: datetime, minutes: int, moving_id: int | None, whose):
    """The first session meeting [start, start + minutes) among ``whose`` (an SQL
    condition), leaving out those that gave their time back; None when the time is free."""
    query = select(CareSession).where(
        whose, CareSession.status.not_in(FREED_STATUSES),
        CareSession.scheduled_start < start + timedelta(minutes=minutes),
        CareSession.scheduled_start > start - timedelta(minutes=MAX_MINUTES))
    if moving_id is not None:
        query = query.where(CareSession.id != moving_id)
    for other in session.scalars(query.order_by(CareSession.scheduled_start)):
        if booking.overlaps(start, minutes, booking.Busy(other.scheduled_start,
                                                         other.duration_minutes)):
            return other
    return None


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(clinic_time.zone()):%a %b %d, %I:%M %p}"


def schedule_session(session, actor, patient, *, kind: str, clinician, start: datetime,
                     duration_minutes: int, modality: str = "office",
                     location: str | None = None, record_past: bool = False,
                     now: datetime | None = None, series: SessionSeries | None = None
                     ) -> CareSession:
    """Put a session on the calendar of a care-team clinician of the right role.

    Refused when it meets another session of the clinician or the patient, or starts in
    the past without ``record_past`` (a session entered after it took place).
    """
    require_scheduler(actor, patient, "schedule sessions")
    _check_booking(session, patient, kind=kind, clinician=clinician, start=start,
                   duration_minutes=duration_minutes, modality=modality,
                   record_past=record_past, now=now)
    care_session = CareSession(
        patient_id=patient.id, kind=kind, clinician_id=clinician.id, scheduled_start=start,
        duration_minutes=duration_minutes, modality=modality, location=location,
        created_by_id=actor.id, series=series)
    session.add(care_session)
    session.flush()
    record(session, actor, "create", "care_session", care_session.id, patient_id=patient.id,
           detail=kind + (f"; series {series.id}" if series is not None else ""))
    return care_session


def schedule_series(session, actor, patient, *, kind: str, clinician, start: datetime,
                    duration_minutes: int, every_weeks: int, count: int | None = None,
                    until=None, modality: str = "office", location: str | None = None,
                    now: datetime | None = None) -> list[CareSession]:
    """Book a repeating series (e.g. weekly integration) from ``start``, every
    ``every_weeks`` weeks, ``count`` times or until the clinic day ``until``. Each
    occurrence is a session of its own (moved or cancelled alone). All or nothing: when
    any occurrence clashes, none is booked and the message names every clashing date."""
    require_scheduler(actor, patient, "schedule sessions")
    try:
        starts = booking.series_starts(start, every_weeks, clinic_time.zone(), count=count,
                                       until=until)
    except ValueError as exc:
        raise RuleViolation(str(exc), field="repeat_count" if count else "repeat_until") \
            from exc
    series = SessionSeries(patient_id=patient.id, kind=kind, every_weeks=every_weeks,
                           created_by_id=actor.id)
    session.add(series)
    booked, clashes = [], []
    for at in starts:
        try:
            booked.append(schedule_session(
                session, actor, patient, kind=kind, clinician=clinician, start=at,
                duration_minutes=duration_minutes, modality=modality, location=location,
                now=now, series=series))
        except RuleViolation as refusal:
            if refusal.field != "start_time":
                raise
            clashes.append(refusal.message)
    if clashes:
        raise RuleViolation(f"Nothing was booked: {len(clashes)} of the {len(starts)} "
                            "sessions clash. " + " ".join(clashes), field="start_time")
    return booked


def _when(start: datetime, minutes: int) -> str:
    return f"{start.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {minutes} min"


def reschedule_session(session, actor, care_session: CareSession, *, start: datetime,
                       duration_minutes: int, modality: str, clinician,
                       expected_version: int | None,
                       now: datetime | None = None) -> CareSession:
    """Move a scheduled session to a new time (and/or clinician, duration, modality).

    The care team or an admin may do it, with the same checks as scheduling; completed,
    held and cancelled sessions stay where they are. ``expected_version`` is the version the
    editor loaded: a stale one (someone changed the session meanwhile) raises ConflictError.
    The dosing rules are checked when the dosing is recorded, at its new time.
    """
    require_scheduler(actor, care_session.patient, "reschedule sessions")
    if care_session.status != "scheduled":
        raise RuleViolation(f"Only a scheduled session can be rescheduled; this one is "
                            f"{care_session.status_label.lower()}.")
    if expected_version != care_session.version:
        raise ConflictError(STALE_SESSION_MESSAGE)
    _check_booking(session, care_session.patient, kind=care_session.kind, clinician=clinician,
                   start=start, duration_minutes=duration_minutes, modality=modality,
                   moving_id=care_session.id, now=now)
    old = _when(care_session.scheduled_start, care_session.duration_minutes)
    old_clinician = care_session.clinician_id
    care_session.scheduled_start, care_session.duration_minutes = start, duration_minutes
    care_session.modality, care_session.clinician_id = modality, clinician.id
    care_session.clinician = clinician
    try:
        session.flush()
    except StaleDataError as exc:  # a concurrent change won the race at the database
        raise ConflictError(STALE_SESSION_MESSAGE) from exc
    detail = f"rescheduled from {old} to {_when(start, duration_minutes)}"
    if clinician.id != old_clinician:
        detail += f"; clinician {old_clinician} -> {clinician.id}"
    record(session, actor, "update", "care_session", care_session.id,
           patient_id=care_session.patient_id, detail=detail)
    return care_session


def require_session_clinician(actor, care_session: CareSession, what: str) -> None:
    """The session's own clinician, or a care-team member of the same role, may act."""
    if actor.id == care_session.clinician_id:
        return
    require_team(actor, care_session.patient, KIND_ROLE[care_session.kind], what=what)


def complete_session(session, actor, care_session: CareSession,
                     actual_minutes: int | None = None,
                     psychotherapy_minutes: int | None = None) -> CareSession:
    """Mark a (non-dosing) session as held, from its scheduled start for ``actual_minutes``
    (default: as scheduled); dosings are completed phase by phase (services.dosing).
    A medical visit may record the psychotherapy the prescriber gave within it
    (``psychotherapy_minutes``, rules.psychotherapy_refusal)."""
    require_session_clinician(actor, care_session, "complete this session")
    if care_session.kind == "dosing":
        raise RuleViolation("A dosing session is completed by its dosing record, phase by "
                            "phase.")
    if care_session.status != "scheduled":
        raise RuleViolation(f"This session is already {care_session.status_label.lower()}.")
    if care_session.scheduled_start > utcnow():
        raise RuleViolation("A session cannot be completed before it has started.")
    minutes = actual_minutes or care_session.duration_minutes
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise RuleViolation(f"The duration must be {MIN_SESSION_MINUTES}-{MAX_SESSION_MINUTES} minutes.",
                            field="actual_minutes")
    refusal = psychotherapy_refusal(care_session.kind, psychotherapy_minutes, minutes)
    if refusal:
        raise RuleViolation(refusal, field="psychotherapy_minutes")
    care_session.status, care_session.actual_minutes = "completed", minutes
    care_session.psychotherapy_minutes = psychotherapy_minutes
    care_session.started_at = care_session.scheduled_start
    care_session.ended_at = care_session.scheduled_start + timedelta(minutes=minutes)
    care_session.completed_at = utcnow()
    session.flush()
    record(session, actor, "update", "care_session", care_session.id,
           patient_id=care_session.patient_id, detail="completed" + (
               f", {psychotherapy_minutes} min psychotherapy" if psychotherapy_minutes else ""))
    refresh_stage(session, care_session.patient)
    return care_session


def cancel_session(session, actor, care_session: CareSession, reason: str) -> CareSession:
    """Cancel a scheduled session (care team or admin), with a reason."""
    require_scheduler(actor, care_session.patient, "cancel sessions")
    if care_session.status != "scheduled":
        raise RuleViolation("Only a scheduled session can be cancelled.")
    if not (reason or "").strip():
        raise RuleViolation("Give a reason for cancelling.", field="reason")
    care_session.status, care_session.cancel_reason = "cancelled", reason.strip()
    session.flush()
    record(session, actor, "update", "care_session", care_session.id,
           patient_id=care_session.patient_id, detail="cancelled")
    return care_session


@dataclass(frozen=True)
class MissedPolicy:
    """The clinic's settings for missed appointments: how much notice a cancellation needs
    (LATE_CANCEL_HOURS) and whether no-shows and late cancellations are billed
    (BILL_NO_SHOWS, BILL_LATE_CANCELS)."""

    late_cancel_hours: int = 24
    bill_no_shows: bool = False
    bill_late_cancels: bool = False

    @classmethod
    def from_config(cls, config) -> "MissedPolicy":
        """The policy from the app's settings."""
        return cls(config["LATE_CANCEL_HOURS"], config["BILL_NO_SHOWS"],
                   config["BILL_LATE_CANCELS"])


def record_missed(session, actor, care_session: CareSession, status: str, note: str,
                  policy: MissedPolicy, now: datetime | None = None) -> CareSession:
    """Record a missed appointment: a no-show (once the session's time has come) or a late
    cancellation by the patient (less than ``policy.late_cancel_hours`` before it starts).
    Whether it is billed follows the clinic's policy at this moment and is kept on the
    session; billing learns of it through the care contract (BillableSession.missed)."""
    require_scheduler(actor, care_session.patient, "record missed appointments")
    now = now or utcnow()
    if status not in MISSED_STATUSES:
        raise DomainError("Choose no-show or late cancellation.", field="status")
    if care_session.status != "scheduled":
        raise RuleViolation(f"Only a scheduled session can be marked "
                            f"{MISSED_STATUSES[status].lower()}; this one is "
                            f"{care_session.status_label.lower()}.")
    if status == "no_show" and care_session.scheduled_start > now:
        raise RuleViolation("A no-show is recorded once the session's time has come.")
    notice = care_session.scheduled_start - now
    if status == "late_cancel" and notice >= timedelta(hours=policy.late_cancel_hours):
        raise RuleViolation(f"This is not a late cancellation: the session is more than "
                            f"{policy.late_cancel_hours} hours away. Cancel it instead.")
    billable = policy.bill_no_shows if status == "no_show" else policy.bill_late_cancels
    care_session.status, care_session.missed_billable = status, billable
    care_session.cancel_reason = (note or "").strip() or None
    session.flush()
    record(session, actor, "update", "care_session", care_session.id,
           patient_id=care_session.patient_id,
           detail=f"{status}; {'billable' if billable else 'not billed'}")
    return care_session


def _audit_reads(session, actor, rows, detail: str) -> None:
    for patient_id in sorted({r.patient_id for r in rows}):
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               detail=detail)


def clinician_schedule(session, actor, start: datetime, end: datetime, *,
                       audit: bool = True) -> list[CareSession]:
    """The actor's own sessions starting in [start, end), cancelled ones included."""
    rows = session.scalars(select(CareSession).options(lazyload(CareSession.dosing), lazyload(CareSession.note), *LISTED)
                           .where(CareSession.clinician_id == actor.id,
                                  CareSession.scheduled_start >= start,
                                  CareSession.scheduled_start < end)
                           .order_by(CareSession.scheduled_start)).all()
    if audit:
        _audit_reads(session, actor, rows, "calendar")
    return rows


def _notes_due_query(actor, now: datetime):
    return select(CareSession).outerjoin(ProgressNote, ProgressNote.session_id == CareSession.id)\
        .where(CareSession.clinician_id == actor.id, CareSession.status.not_in(NOT_HELD_STATUSES),
               CareSession.scheduled_start < now,
               or_(ProgressNote.id.is_(None), ProgressNote.status != "signed"))


def notes_due(session, actor, now: datetime | None = None, *, limit: int | None = None,
              offset: int = 0) -> list[CareSession]:
    """The actor's past sessions (not cancelled) without a signed progress note, oldest
    first (``limit`` of them from ``offset``)."""
    rows = session.scalars(_notes_due_query(actor, now or utcnow()).options(lazyload(CareSession.dosing), *LISTED)
                           .order_by(CareSession.scheduled_start, CareSession.id)
                           .offset(offset).limit(limit)).all()
    _audit_reads(session, actor, rows, "notes due")
    return rows


def count_notes_due(session, actor, now: datetime | None = None) -> int:
    """How many sessions :func:`notes_due` lists (no patient is shown: nothing to audit)."""
    query = _notes_due_query(actor, now or utcnow()).with_only_columns(func.count())
    return session.scalar(query.order_by(None))
