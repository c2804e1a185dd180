"""Giving measures: recording, marking entered in error, a patient's administrations and
their schedule (no Flask; flush, never commit; every read and write audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from kapms import clinic_time
from kapms.audit.services import record
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import (
    COURSE_POINTS,
    END_POINT,
    POINTS,
    VOID_REASON_MAX,
    Administration,
    SafetyAlert,
)
from kapms.measures.schedule import instruments_for, schedule
from kapms.measures.services.care_data import dosings_done
from kapms.patients.access import CLINICAL
from kapms.patients.models import Patient
from kapms.patients.services import get_patient


def settings_from_config(config) -> scoring.Settings:
    """The clinic's scoring settings from an app config mapping (kapms/config.py)."""
    return scoring.Settings(
        pcl5_cutoff=int(config["PCL5_CUTOFF"]),
        phq9_meaningful_change=int(config["PHQ9_MEANINGFUL_CHANGE"]),
        gad7_meaningful_change=int(config["GAD7_MEANINGFUL_CHANGE"]),
        pcl5_meaningful_change=int(config["PCL5_MEANINGFUL_CHANGE"]),
        mbi_profile_exhaustion_high=Decimal(str(config["MBI_PROFILE_EXHAUSTION_HIGH"])),
        mbi_profile_cynicism_high=Decimal(str(config["MBI_PROFILE_CYNICISM_HIGH"])),
        mbi_profile_efficacy_low=Decimal(str(config["MBI_PROFILE_EFFICACY_LOW"])))


def require_clinician(actor) -> None:
    """PermissionDenied unless ``actor`` is a therapist or prescriber."""
    if actor is None or not actor.has_role("therapist", "prescriber"):
        raise PermissionDenied("Only clinicians on the care team can do this.")


def is_recorded(session, patient_id: int, instrument: str, point: str) -> bool:
    """True when the patient already has this instrument at this point (an administration
    entered in error does not count)."""
    return session.scalar(select(Administration.id).where(
        Administration.patient_id == patient_id, Administration.instrument == instrument,
        Administration.point == point, Administration.voided_at.is_(None))) is not None


def live(administrations) -> list[Administration]:
    """The administrations that count: those not marked as entered in error."""
    return [a for a in administrations if a.voided_at is None]


def completion(session, patient_id: int, instrument: str) -> dict[str, bool]:
    """The completer flags a baseline of ``instrument`` carries (see models): the end point
    is recorded, and every point of the course is (live rows only)."""
    points = set(session.scalars(select(Administration.point).where(
        Administration.patient_id == patient_id, Administration.instrument == instrument,
        Administration.point.in_(COURSE_POINTS), Administration.voided_at.is_(None))))
    return {"end_recorded": END_POINT in points,
            "all_points_recorded": points == set(COURSE_POINTS)}


def _refresh_completion(session, patient_id: int, instrument: str) -> None:
    """Set the completer flags on the patient's live baseline of ``instrument`` from the
    points recorded now."""
    session.execute(update(Administration).where(
        Administration.patient_id == patient_id, Administration.instrument == instrument,
        Administration.point == "baseline", Administration.voided_at.is_(None))
        .values(**completion(session, patient_id, instrument))
        .execution_options(synchronize_session="fetch"))


def record_administration(session, actor, patient: Patient, instrument: str, point: str,
                          given_on: date, answers, *, settings=scoring.DEFAULT_SETTINGS,
                          source: str = "clinician", today: date | None = None) -> Administration:
    """Score and save one administration; raise a safety alert when PHQ-9 item 9 > 0.

    ``actor`` is the clinician (None for a patient's self-report through a link, which
    the caller has already checked). Refuses an unknown instrument or point, invalid
    answers (RuleViolation), a date in the future, and a second administration of the
    same instrument at the same point (ConflictError).
    """
    if source == "clinician":
        require_clinician(actor)
    if instrument not in INSTRUMENTS:
        raise RuleViolation(f"Unknown instrument {instrument!r}.", field="instrument")
    if point not in POINTS:
        raise RuleViolation(f"Unknown measurement point {point!r}.", field="point")
    today = today or clinic_time.today()
    if given_on > today:
        raise RuleViolation("The date cannot be in the future.", field="given_on")
    try:
        result = scoring.score(instrument, answers, settings=settings)
    except scoring.InvalidAnswers as error:
        raise RuleViolation(str(error)) from error
    if is_recorded(session, patient.id, instrument, point):
        raise ConflictError(f"{instrument} at {POINTS[point].lower()} is already recorded.")

    admin = Administration(
        patient_id=patient.id, instrument=instrument, point=point, given_on=given_on,
        source=source, recorded_by_id=getattr(actor, "id", None),
        answers=",".join(map(str, result.answers)), **scoring.derived_values(result))
    if point == "baseline":
        for flag, value in completion(session, patient.id, instrument).items():
            setattr(admin, flag, value)
    session.add(admin)
    try:
        with session.begin_nested():  # a concurrent double submit hits the unique key
            session.flush()
    except IntegrityError as error:
        raise ConflictError(f"{instrument} at {POINTS[point].lower()} is already recorded.") \
            from error
    if point in COURSE_POINTS:
        _refresh_completion(session, patient.id, instrument)
    record(session, actor, "create", "measure_administration", admin.id, patient_id=patient.id,
           detail=f"{instrument} {point} ({source})")
    if admin.suicidal_ideation:
        alert = SafetyAlert(patient_id=patient.id, administration_id=admin.id,
                            item9_answer=admin.item9)
        session.add(alert)
        session.flush()
        record(session, actor, "create", "safety_alert", alert.id, patient_id=patient.id,
               detail=f"PHQ-9 item 9 = {admin.item9}")
    return admin


def void_administration(session, actor, administration_id: int, reason: str, *,
                        now: datetime | None = None) -> Administration:
    """A clinician on the care team marks an administration as entered in error (audited).

    The row is kept, with who, when and why; from then on it counts nowhere: the point
    can be recorded again, the schedule, charts and reports leave it out, and the
    completer flags on the baseline are recomputed when a point of the course is voided.
    A safety alert it raised is left as it is: an open alert stays open until a
    clinician acknowledges it (why: docs/measures.md).

    Someone else's patient or a missing administration is NotFound; the reason is
    required (RuleViolation); an administration already voided, also by a concurrent
    request, is a ConflictError.
    """
    require_clinician(actor)
    admin = session.get(Administration, administration_id)
    if admin is None:
        raise NotFound("No such measure.")
    get_patient(session, actor, admin.patient_id, need=CLINICAL, audit=False)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation("Say why this measure was entered in error.", field="reason")
    if len(reason) > VOID_REASON_MAX:
        raise RuleViolation(f"Keep the reason under {VOID_REASON_MAX} characters.",
                            field="reason")
    already = ConflictError("This measure is already marked as entered in error.")
    if admin.voided_at is not None:
        raise already
    now = now or datetime.now(UTC)
    # conditional UPDATE: of two clinicians voiding at once, only one succeeds
    claimed = session.execute(
        update(Administration)
        .where(Administration.id == admin.id, Administration.voided_at.is_(None))
        .values(voided_at=now, voided_by_id=actor.id, void_reason=reason)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise already
    session.refresh(admin)
    if admin.point in COURSE_POINTS:
        _refresh_completion(session, admin.patient_id, admin.instrument)
    record(session, actor, "update", "measure_administration", admin.id,
           patient_id=admin.patient_id,
           detail=f"entered in error: {admin.instrument} {admin.point}")
    return admin


def patient_administrations(session, actor, patient: Patient) -> list[Administration]:
    """All administrations of a patient, those entered in error included (see
    :func:`live`); the caller loaded ``patient`` through get_patient with CLINICAL.
    Oldest first, each with the safety alert it raised; the read is audited."""
    rows = session.scalars(select(Administration).where(Administration.patient_id == patient.id)
                           .options(joinedload(Administration.safety_alert))
                           .order_by(Administration.given_on, Administration.id)).all()
    record(session, actor, "view", "measure_administration", None, patient_id=patient.id,
           detail=f"{len(rows)} administrations")
    return list(rows)


@dataclass(frozen=True)
class DueRow:
    """The schedule of one instrument for one patient."""

    instrument: str
    points: list[tuple[str, str]]  # (point, status)

    @property
    def due(self) -> list[str]:
        """Points due now."""
        return [p for p, s in self.points if s == "due"]


def measure_schedule(session, patient: Patient, administrations, *,
                     done: int | None = None) -> list[DueRow]:
    """Per scheduled instrument, each point's status (recorded/due/missed/upcoming);
    administrations entered in error are ignored. ``done``: the dosings the patient has
    had, when the caller has counted them already."""
    done = dosings_done(session, patient.id) if done is None else done
    given: dict[str, set[str]] = {}
    for a in live(administrations):
        given.setdefault(a.instrument, set()).add(a.point)
    return [DueRow(i, schedule(done, given.get(i, set())))
            for i in instruments_for(patient.diagnosis_code, set(given))]
