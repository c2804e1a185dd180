"""The prescriber in the loop: what needs their review, and their home's lists.

Dosing events the prescriber must see (a held dosing, a blood-pressure rise, a serious
adverse event) become ``PrescriberReview`` rows when they happen, open until the patient's
prescriber acknowledges each with a note. The home also lists open safety alerts (the
measures domain's; acknowledged on the patient page), follow-ups due, clearances expiring
and plan change requests. Every list is a page of an SQL query over the prescriber's own
patients, and every patient shown is audited.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, defaultload, joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.models import (
    CareSession,
    Clearance,
    DosingRecord,
    PlanChangeRequest,
    PlanVersion,
    PrescriberReview,
)
from kapms.care.rules import Thresholds
from kapms.database import utcnow
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from kapms.measures.for_care import open_alerts_for_clinician
from kapms.patients.models import CareTeamMember, Patient

NOTE_MAX = 2000
STALE_REVIEW_MESSAGE = "This item was already acknowledged (or changed); reload the list."


def raise_review(session, dosing: DosingRecord, kind: str, subject: str,
                 summary: str) -> PrescriberReview:
    """Put a dosing event on the prescriber's review list (once per subject: a later
    change of an open item updates its summary)."""
    review = session.scalar(select(PrescriberReview).where(
        PrescriberReview.dosing_id == dosing.id, PrescriberReview.subject == subject))
    if review is None:
        review = PrescriberReview(patient_id=dosing.session.patient_id, dosing_id=dosing.id,
                                  kind=kind, subject=subject, summary=summary,
                                  raised_at=utcnow())
        session.add(review)
    elif review.reviewed_at is None:
        review.summary = summary
    return review


def _patient_named(entity):
    """The option for a list of ``entity`` rows showing their patient's name: the patient
    is joined in the row, not its care team (a statement per list otherwise)."""
    return defaultload(entity.patient).lazyload(Patient.care_team)


def _as_prescriber(user_id: int):
    """SQL condition: the patient has ``user_id`` as an active prescriber on the team."""
    return exists().where(CareTeamMember.patient_id == Patient.id,
                          CareTeamMember.user_id == user_id,
                          CareTeamMember.role == "prescriber",
                          CareTeamMember.active.is_(True))


def _own_patients(user_id: int):
    """SQL: ids of the patients who have ``user_id`` as an active prescriber (a lookup on
    the care-team index, so a list starts from the prescriber's patients)."""
    return select(CareTeamMember.patient_id).where(
        CareTeamMember.user_id == user_id, CareTeamMember.role == "prescriber",
        CareTeamMember.active.is_(True))


def acknowledge_review(session, actor, review_id: int, note: str,
                       expected_version: int | None) -> PrescriberReview:
    """The patient's prescriber acknowledges a review item with a note (audited)."""
    review = session.get(PrescriberReview, review_id)
    if review is None:
        raise NotFound("No such review item.")
    if not session.scalar(select(_as_prescriber(actor.id)).select_from(Patient)
                          .where(Patient.id == review.patient_id)):
        raise NotFound("No such review item.")
    note = (note or "").strip()
    if not note:
        raise RuleViolation("Write a note: what you reviewed and decided.", field="note")
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", field="note")
    if review.reviewed_at is not None or expected_version != review.version:
        raise ConflictError(STALE_REVIEW_MESSAGE)
    review.reviewed_at, review.reviewed_by_id, review.note = utcnow(), actor.id, note
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(STALE_REVIEW_MESSAGE) from exc
    record(session, actor, "acknowledge", "care_review", review.id,
           patient_id=review.patient_id, detail=review.kind)
    return review


# --- the prescriber's home -----------------------------------------------------------------

@dataclass(frozen=True)
class FollowUpDue:
    """A patient whose medical follow-up is due, and why."""

    patient: Patient
    reason: str
    first_dosing: datetime
    administered: int
    booked: datetime | None  # a follow-up already scheduled


@dataclass(frozen=True)
class ExpiringClearance:
    """A current clearance whose plan expires soon."""

    patient: Patient
    clearance: Clearance
    plan: PlanVersion
    days_left: int


def _require_prescriber(actor) -> None:
    if not actor.has_role("prescriber"):
        raise PermissionDenied("The review list is the prescriber's.")


def _audit_patients(session, actor, patient_ids, detail: str) -> None:
    for patient_id in sorted(set(patient_ids)):
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               detail=detail)


def open_reviews(session, actor, *, limit: int, offset: int = 0) -> list[PrescriberReview]:
    """Held dosings, BP rises and serious adverse events not yet acknowledged, oldest
    first, for the actor's patients (as their prescriber)."""
    _require_prescriber(actor)
    rows = session.scalars(
        # from the prescriber's own patients (the care-team index), not every open item
        select(PrescriberReview)
        .where(PrescriberReview.reviewed_at.is_(None),
               PrescriberReview.patient_id.in_(_own_patients(actor.id)))
        .options(_patient_named(PrescriberReview),
                 # the dosing's day is shown: its session, not its vitals and events
                 joinedload(PrescriberReview.dosing).lazyload("*"),
                 joinedload(PrescriberReview.dosing).joinedload(DosingRecord.session)
                 .lazyload("*"))
        .order_by(PrescriberReview.raised_at, PrescriberReview.id)
        .limit(limit).offset(offset)).all()
    _audit_patients(session, actor, [r.patient_id for r in rows], "review list")
    return list(rows)


def open_safety_alerts(session, actor, *, limit: int, offset: int = 0):
    """Open suicidal-ideation alerts of the actor's care-team patients (measures domain;
    acknowledged with a note on the patient page)."""
    _require_prescriber(actor)
    rows = open_alerts_for_clinician(session, actor.id, limit=limit, offset=offset)
    _audit_patients(session, actor, [a.patient_id for a in rows], "review list")
    return rows


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), clinic_time.zone()).astimezone(UTC)


def follow_ups_due(session, actor, thresholds: Thresholds, *, today: date | None = None,
                   limit: int, offset: int = 0) -> list[FollowUpDue]:
    """The actor's patients whose medical follow-up is due: dosing has begun, no follow-up
    was completed since the first dosing, and either FOLLOW_UP_AFTER_DOSING dosings are
    done or FOLLOW_UP_DAYS clinic days have passed since the first; and patients at the
    follow-up after their course (stage "follow_up")."""
    _require_prescriber(actor)
    today = today or clinic_time.today()
    # The aggregates read the actor's own patients' sessions, not the network's.
    mine = _own_patients(actor.id)
    dosed = (select(CareSession.patient_id.label("patient_id"),
                    func.min(CareSession.scheduled_start).label("first"),
                    func.count().label("administered"))
             .join(DosingRecord, DosingRecord.session_id == CareSession.id)
             .where(DosingRecord.outcome == "administered", CareSession.patient_id.in_(mine))
             .group_by(CareSession.patient_id).subquery())
    follow_ups = (select(CareSession.patient_id.label("patient_id"),
                         func.max(CareSession.scheduled_start).label("last"))
                  .where(CareSession.kind == "follow_up", CareSession.status == "completed",
                         CareSession.patient_id.in_(mine))
                  .group_by(CareSession.patient_id).subquery())
    booked = (select(func.min(CareSession.scheduled_start))
              .where(CareSession.patient_id == Patient.id, CareSession.kind == "follow_up",
                     CareSession.status == "scheduled").scalar_subquery())
    # first dosing on or before this clinic day: FOLLOW_UP_DAYS days ago or more
    cutoff = _day_start(today - timedelta(days=thresholds.follow_up_days - 1))
    none_since_first = or_(follow_ups.c.last.is_(None), follow_ups.c.last < dosed.c.first)
    rows = session.execute(
        select(Patient, dosed.c.first, dosed.c.administered, booked)
        .join(dosed, dosed.c.patient_id == Patient.id)
        .outerjoin(follow_ups, follow_ups.c.patient_id == Patient.id)
        .options(lazyload(Patient.care_team))
        .where(_as_prescriber(actor.id), or_(
            Patient.stage == "follow_up",
            and_(none_since_first, or_(
                dosed.c.administered >= thresholds.follow_up_after_dosing,
                dosed.c.first < cutoff))))
        .order_by(dosed.c.first, Patient.id).limit(limit).offset(offset)).all()
    result = []
    for patient, first, administered, next_booked in rows:
        if patient.stage == "follow_up":
            reason = "Course complete: follow-up after the last dosing."
        elif administered >= thresholds.follow_up_after_dosing:
            reason = f"{administered} dosings done (due after dosing " \
                     f"{thresholds.follow_up_after_dosing})."
        else:
            reason = (f"{(today - clinic_time.local_date(first)).days} days since the first "
                      f"dosing (due after {thresholds.follow_up_days}).")
        result.append(FollowUpDue(patient, reason, first, administered, next_booked))
    _audit_patients(session, actor, [r.patient.id for r in result], "follow-ups due")
    return result


def clearances_expiring(session, actor, thresholds: Thresholds, *, today: date | None = None,
                        limit: int, offset: int = 0) -> list[ExpiringClearance]:
    """The actor's patients whose latest clearance is current and whose plan expires within
    CLEARANCE_RENEWAL_WARNING_DAYS, soonest first (completed courses left out)."""
    _require_prescriber(actor)
    today = today or clinic_time.today()
    other = aliased(Clearance)
    latest = (select(func.max(other.decided_at))
              .where(other.patient_id == Clearance.patient_id).scalar_subquery())
    other_plan = aliased(PlanVersion)
    newest_plan = (select(func.max(other_plan.number))
                   .where(other_plan.clearance_id == Clearance.id).scalar_subquery())
    rows = session.execute(
        select(Patient, Clearance, PlanVersion).join(Patient, Patient.id == Clearance.patient_id)
        .join(PlanVersion, PlanVersion.clearance_id == Clearance.id)
        .options(lazyload(Patient.care_team), lazyload(Clearance.plans))
        .where(Clearance.patient_id.in_(_own_patients(actor.id)), Clearance.decided_at == latest,
               Clearance.decision == "cleared", Clearance.revoked_at.is_(None),
               PlanVersion.number == newest_plan, PlanVersion.expires_on >= today,
               PlanVersion.expires_on <= today + timedelta(days=thresholds.clearance_warning_days),
               Patient.stage != "completed")
        .order_by(PlanVersion.expires_on, Clearance.id).limit(limit).offset(offset)).all()
    result = [ExpiringClearance(patient, c, p, (p.expires_on - today).days)
              for patient, c, p in rows]
    _audit_patients(session, actor, [r.patient.id for r in result],
                    "clearances expiring")
    return result


def open_plan_requests(session, actor, *, limit: int,
                       offset: int = 0) -> list[PlanChangeRequest]:
    """Plan change requests waiting for the actor (as the patient's prescriber), oldest
    first."""
    _require_prescriber(actor)
    rows = session.scalars(
        select(PlanChangeRequest)
        .where(PlanChangeRequest.status == "open",
               PlanChangeRequest.patient_id.in_(_own_patients(actor.id)))
        .options(_patient_named(PlanChangeRequest))
        .order_by(PlanChangeRequest.requested_at, PlanChangeRequest.id)
        .limit(limit).offset(offset)).all()
    _audit_patients(session, actor, [r.patient_id for r in rows], "plan requests")
    return list(rows)
