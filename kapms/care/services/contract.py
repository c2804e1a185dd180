"""Functions other domains (billing, measures, outcomes) call. Stable signatures.

They take no actor and write no audit record: the calling domain's service has already
loaded the patient through get_patient (which audits the read) and owns the audit of what
it does with the answer. They never return note content.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Load, joinedload

from kapms.care.constants import MISSED_STATUSES
from kapms.care.models import CareSession, DosingRecord
from kapms.care.services.stage import current_clearance


def administered_dosing_count(session, patient_id: int) -> int:
    """Dosings actually administered to the patient, across all clearances (held and
    cancelled dosings are not counted)."""
    return session.scalar(select(func.count()).select_from(DosingRecord).join(CareSession)
                          .where(CareSession.patient_id == patient_id,
                                 DosingRecord.outcome == "administered"))


def administered_in(sessions) -> int:
    """``administered_dosing_count`` of a patient whose sessions are loaded with their
    dosing records (every session of the patient: ``patient_sessions``)."""
    return sum(1 for s in sessions if s.dosing and s.dosing.outcome == "administered")


def treatment_plan_dosings(session, patient_id: int) -> int | None:
    """The dosing count of the current clearance's plan; None without a current clearance
    (not cleared, deferred, expired or revoked)."""
    clearance = current_clearance(session, patient_id)
    return clearance.plan.dosing_count if clearance else None


@dataclass(frozen=True)
class BillableSession:
    """One visit that happened, as billing needs it (no clinical content).

    ``held`` is True for a dosing session that was held (no medication given, e.g. high
    blood pressure): the therapist still saw the patient, so it is a visit; billing decides
    what, if anything, to charge (never medication or monitoring for it). The fields after
    ``held`` were added for the live dosing record (None when not known, e.g. sessions
    completed before it): the actual start and end, and for a dosing its setting (office,
    telehealth, home), monitoring minutes from the dose to discharge, and
    ``monitoring_staff``: the staff who monitored the patient *besides* the session's
    clinician (the record keeps everyone monitoring; billing counts the others).
    ``monitoring_clinicians``: for a dosing, the physicians or qualified clinicians among
    everyone monitoring, the session's clinician included (None on records made before it
    was asked: then count the clinician alone); the others monitoring are clinical staff.
    ``psychotherapy_minutes``: for a medical visit (intake, follow-up), the psychotherapy
    the prescriber gave within it (None when none was recorded; never for other kinds).

    ``missed`` is "no_show" or "late_cancel" for a missed appointment the clinic bills (its
    BILL_NO_SHOWS / BILL_LATE_CANCELS setting when it was recorded): nobody was seen, so it
    is no visit to code for a payer; ``minutes`` is the time that was booked.
    """

    session_id: int
    service_date: date
    kind: str  # intake, preparation, dosing, integration, follow_up
    minutes: int  # actual duration (scheduled duration when none was recorded)
    modality: str  # office / telehealth
    clinician_id: int
    clinician_name: str
    held: bool = False
    started_at: datetime | None = None
    ended_at: datetime | None = None
    setting: str | None = None
    monitoring_minutes: int | None = None
    monitoring_staff: int | None = None
    psychotherapy_minutes: int | None = None
    monitoring_clinicians: int | None = None
    missed: str | None = None


def billable_sessions(session, patient_id: int, start: date, end: date,
                      tz: tzinfo = UTC) -> list[BillableSession]:
    """Completed sessions (and held dosings) with a service date in [start, end], inclusive,
    and the missed appointments recorded as billable (``missed`` set).

    ``service_date`` is the session's start date in ``tz`` (pass the clinic's ZoneInfo from
    CLINIC_TIMEZONE; default UTC). Scheduled, in-progress and cancelled sessions, and
    missed ones recorded as not billed, are never billable. Ordered by start time.
    """
    lo = datetime.combine(start, time(), tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    rows = session.execute(
        select(CareSession, DosingRecord)
        .outerjoin(DosingRecord, DosingRecord.session_id == CareSession.id)
        .where(CareSession.patient_id == patient_id,
               or_(CareSession.status.in_(("completed", "held")),
                   CareSession.status.in_(tuple(MISSED_STATUSES))
                   & CareSession.missed_billable.is_(True)),
               CareSession.scheduled_start >= lo, CareSession.scheduled_start < hi)
        .order_by(CareSession.scheduled_start, CareSession.id)
        # Only the columns above and the clinician's name are read: nothing else loads
        # with them (the dosing record's vitals and events, the note, the care team).
        .options(Load(CareSession).lazyload("*"), Load(DosingRecord).lazyload("*"),
                 joinedload(CareSession.clinician))).all()
    return [BillableSession(
        session_id=s.id, service_date=s.scheduled_start.astimezone(tz).date(), kind=s.kind,
        minutes=s.duration_minutes if s.actual_minutes is None else s.actual_minutes,
        modality=s.modality,
        clinician_id=s.clinician_id, clinician_name=s.clinician.display_name,
        held=s.status == "held", started_at=s.started_at, ended_at=s.ended_at,
        setting=d.setting if d else None, monitoring_minutes=d.monitoring_minutes if d else None,
        monitoring_staff=max(d.monitoring_staff - 1, 0) if d and d.monitoring_staff else None,
        psychotherapy_minutes=s.psychotherapy_minutes,
        monitoring_clinicians=d.monitoring_clinicians if d else None,
        missed=s.status if s.status in MISSED_STATUSES else None)
        for s, d in rows]
