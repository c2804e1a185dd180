"""The treatment plan's versions: the prescriber revises the plan (a new version with its
reason, old versions kept), therapists request changes from the dosing page, and the
prescriber approves a request as a new version or declines it with a note.

Racing revisions: the form carries the plan version the prescriber was looking at; a
revision based on an older one is refused, and two racing for the same next number are
stopped by the database (unique clearance and number) and answered as a conflict.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import MAX_DOSINGS, PRODUCTS, ROUTES
from kapms.care.models import CareSession, Clearance, PlanChangeRequest, PlanVersion
from kapms.care.rules import plan_refusal
from kapms.care.services.clearance import PLAN_FIELDS, own_clearance
from kapms.care.services.common import field_for, require_team
from kapms.care.services.stage import current_clearance, refresh_stage
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, NotFound, RuleViolation

STALE_PLAN_MESSAGE = ("The plan was changed by someone else since you opened it. Nothing was "
                      "saved: reload to see the current plan, then try again.")
STALE_REQUEST_MESSAGE = "This request was already decided (or changed); reload to see it."


@dataclass
class PlanInput:
    """A plan version as the prescriber enters it."""

    dosing_count: int | None
    product: str | None
    route: str | None
    dose_mg: Decimal | None
    expires_on: date | None
    maintenance_dosings: int = 0


def revise_plan(session, actor, patient, clearance: Clearance, data: PlanInput, reason: str,
                expected_number: int | None, request: PlanChangeRequest | None = None,
                today: date | None = None) -> PlanVersion:
    """Add a new version of the plan (product, route, dose, dosing count, maintenance
    dosings, expiry) with its reason. ``expected_number`` is the version the prescriber
    had loaded: a stale one is refused (ConflictError)."""
    own_clearance(actor, patient, clearance, "change the treatment plan")
    today = today or clinic_time.today()
    if clearance.decision != "cleared" or clearance.revoked_at is not None:
        raise RuleViolation("Only a cleared, unrevoked clearance has a plan to change.")
    current = clearance.plan
    if expected_number is None or current is None or expected_number != current.number:
        raise ConflictError(STALE_PLAN_MESSAGE)
    if not (reason or "").strip():
        raise RuleViolation("Give the reason for the change.", field="reason")
    refusal = plan_refusal(data.dosing_count, data.product, data.route, data.dose_mg,
                           data.expires_on, today, data.maintenance_dosings)
    if refusal:
        raise RuleViolation(refusal, field=field_for(refusal, PLAN_FIELDS, "product"))
    if (data.dosing_count, data.maintenance_dosings, data.product, data.route, data.dose_mg,
            data.expires_on) == (current.dosing_count, current.maintenance_dosings,
                                 current.product, current.route, current.dose_mg,
                                 current.expires_on):
        raise RuleViolation("Nothing changed: this is the current plan.")
    version = PlanVersion(
        clearance_id=clearance.id, number=current.number + 1, dosing_count=data.dosing_count,
        maintenance_dosings=data.maintenance_dosings or 0, product=data.product,
        route=data.route, dose_mg=data.dose_mg, expires_on=data.expires_on,
        reason=reason.strip(), created_by_id=actor.id, created_at=utcnow())
    session.add(version)
    try:
        session.flush()
    except IntegrityError as exc:  # another revision took this number first
        raise ConflictError(STALE_PLAN_MESSAGE) from exc
    session.expire(clearance, ["plans"])
    record(session, actor, "update", "clearance", clearance.id, patient_id=patient.id,
           detail=f"plan version {version.number}"
                  + (f" (request {request.id})" if request else ""))
    refresh_stage(session, patient, today)
    return version


# --- plan change requests ------------------------------------------------------------------

@dataclass
class PlanRequestInput:
    """What a therapist asks to change (None: unchanged) and why."""

    reason: str
    dose_mg: Decimal | None = None
    product: str | None = None
    route: str | None = None
    dosing_count: int | None = None


def open_plan_request(session, patient_id: int) -> PlanChangeRequest | None:
    """The patient's open plan change request, if any (one at a time)."""
    return session.scalar(select(PlanChangeRequest).where(
        PlanChangeRequest.patient_id == patient_id, PlanChangeRequest.status == "open"))


def request_plan_change(session, actor, patient, data: PlanRequestInput,
                        care_session: CareSession | None = None) -> PlanChangeRequest:
    """A care-team clinician asks the prescriber to change the plan (e.g. a higher dose).
    One open request per patient; the database backs that against double submits."""
    require_team(actor, patient, what="request a plan change")
    clearance = current_clearance(session, patient.id)
    if clearance is None:
        raise RuleViolation("There is no current clearance whose plan could change.")
    if not (data.reason or "").strip():
        raise RuleViolation("Say why the plan should change.", field="reason")
    if data.product is not None and data.product not in PRODUCTS \
            or data.route is not None and data.route not in ROUTES:
        raise DomainError("Unknown product or route.")
    if data.dose_mg is not None and data.dose_mg <= 0 \
            or data.dosing_count is not None and not 1 <= data.dosing_count <= MAX_DOSINGS:
        raise RuleViolation(f"Give a dose above 0 mg and between 1 and {MAX_DOSINGS} dosings.",
                            field="dose_mg")
    if all(v is None for v in (data.dose_mg, data.product, data.route, data.dosing_count)):
        raise RuleViolation("Say what should change: dose, product, route or dosing count.",
                            field="dose_mg")
    if care_session is not None and care_session.patient_id != patient.id:
        raise DomainError("That session belongs to another patient.")
    if open_plan_request(session, patient.id) is not None:
        raise ConflictError("A plan change request is already waiting for the prescriber.")
    request = PlanChangeRequest(
        patient_id=patient.id, clearance_id=clearance.id,
        session_id=care_session.id if care_session else None, requested_by_id=actor.id,
        requested_at=utcnow(), dose_mg=data.dose_mg, product=data.product, route=data.route,
        dosing_count=data.dosing_count, reason=data.reason.strip())
    session.add(request)
    try:
        session.flush()
    except IntegrityError as exc:  # a racing duplicate: the open-request index refused it
        raise ConflictError("A plan change request is already waiting for the prescriber.") \
            from exc
    record(session, actor, "create", "plan_request", request.id, patient_id=patient.id)
    return request


def get_plan_request(session, request_id: int) -> PlanChangeRequest:
    """A plan change request by id (the caller then loads its patient through get_patient)."""
    request = session.get(PlanChangeRequest, request_id)
    if request is None:
        raise NotFound("No such request.")
    return request


def _decide(session, actor, request: PlanChangeRequest, expected_version: int | None,
            status: str, note: str) -> None:
    if request.status != "open" or expected_version != request.version:
        raise ConflictError(STALE_REQUEST_MESSAGE)
    request.status, request.decided_by_id, request.decided_at = status, actor.id, utcnow()
    request.decision_note = note
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(STALE_REQUEST_MESSAGE) from exc


def approve_plan_request(session, actor, patient, request: PlanChangeRequest, data: PlanInput,
                         reason: str, expected_plan: int | None,
                         expected_version: int | None) -> PlanVersion:
    """The prescriber approves a request as a new plan version (which they may adjust)."""
    if request.patient_id != patient.id:
        raise DomainError("That request belongs to another patient.")
    clearance = session.get(Clearance, request.clearance_id)
    own_clearance(actor, patient, clearance, "decide plan change requests")
    _decide(session, actor, request, expected_version, "approved", (reason or "").strip())
    version = revise_plan(session, actor, patient, clearance, data, reason, expected_plan,
                          request=request)
    request.plan_version_id = version.id
    session.flush()
    record(session, actor, "update", "plan_request", request.id, patient_id=patient.id,
           detail=f"approved as plan version {version.number}")
    return version


def decline_plan_request(session, actor, patient, request: PlanChangeRequest, note: str,
                         expected_version: int | None) -> PlanChangeRequest:
    """The prescriber declines a request with a note the therapist will read."""
    if request.patient_id != patient.id:
        raise DomainError("That request belongs to another patient.")
    require_team(actor, patient, "prescriber", what="decide plan change requests")
    if not (note or "").strip():
        raise RuleViolation("Say why the request is declined.", field="note")
    _decide(session, actor, request, expected_version, "declined", note.strip())
    record(session, actor, "update", "plan_request", request.id, patient_id=patient.id,
           detail="declined")
    return request


def plan_at(clearance: Clearance, before: datetime) -> PlanVersion | None:
    """The plan version in force just before ``before``: the last one created earlier
    (the first one when all are later, e.g. a clearance recorded after the fact)."""
    plans = clearance.plans
    if not plans:
        return None
    return next((p for p in reversed(plans) if p.created_at < before), plans[0])
