"""Medical intake and clearance: the decision, its screen and baseline, revocation, and the
read-only clearance (page and PDF). Writing is prescriber-only; the care team reads."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.models import Clearance, PlanVersion
from kapms.care.rules import Thresholds, clearance_refusal, plan_refusal
from kapms.care.services.common import field_for, require_team
from kapms.care.services.stage import refresh_stage
from kapms.clinic_time import add_months
from kapms.database import utcnow
from kapms.errors import DomainError, NotFound, RuleViolation
from kapms.measures.for_care import missing_baseline
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient

INITIAL_PLAN_REASON = "Initial plan with the clearance."

# Preconditions of clearing a patient that other domains add (e.g. a consent required
# before clearance, still unsigned): ``check(session, patient_id) -> str | None``, the
# refusal in plain words or None.
ClearanceCheck = Callable[..., str | None]
CLEARANCE_CHECKS: list[ClearanceCheck] = []


def add_clearance_check(check: ClearanceCheck) -> None:
    """Add a precondition to clearing any patient (idempotent); for other domains' rules."""
    if check not in CLEARANCE_CHECKS:
        CLEARANCE_CHECKS.append(check)


@dataclass
class ClearanceInput:
    """What the prescriber enters at medical intake. Screen and co-medication answers are
    True (yes), False (no) or None (not answered)."""

    decision: str
    reason: str
    screen: dict = field(default_factory=dict)  # key -> {"yes": bool | None, "notes": str}
    co_medications: dict = field(default_factory=dict)  # key -> bool | None
    co_medication_notes: str | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    weight_kg: Decimal | None = None
    override_reason: str | None = None
    dosing_count: int | None = None
    product: str | None = None
    route: str | None = None
    dose_mg: Decimal | None = None
    expires_on: date | None = None


CLEARANCE_FIELDS = (("override", "override_reason"), ("reason", "reason"),
                    ("screen", "screen"), ("vitals", "bp_systolic"))
PLAN_FIELDS = (("sessions", "dosing_count"), ("Maintenance", "maintenance_dosings"),
               ("expiry", "expires_on"), ("dose", "dose_mg"))


def check_clearance(data: ClearanceInput, thresholds: Thresholds, today: date,
                    session=None, patient_id: int | None = None) -> date:
    """Refuse (RuleViolation, naming the field) a decision that cannot be recorded as
    typed; returns the plan's expiry. Also asked before the confirmation step, so the
    prescriber confirms only a decision that will be saved. With a session and the patient,
    clearing also passes every check of ``CLEARANCE_CHECKS`` (other domains' rules, e.g.
    consents signed before clearance)."""
    if set(data.screen) - set(CONTRAINDICATION_LABELS) \
            or set(data.co_medications) - set(CO_MEDICATION_LABELS):
        raise DomainError("Unknown screen item.")
    answers = {k: v.get("yes") for k, v in data.screen.items()}
    refusal = clearance_refusal(data.decision, data.reason, answers, data.override_reason,
                                (data.bp_systolic, data.bp_diastolic), data.heart_rate)
    if refusal:
        raise RuleViolation(refusal, field=field_for(refusal, CLEARANCE_FIELDS, "decision"))
    expires = data.expires_on or add_months(today, thresholds.clearance_valid_months)
    if data.decision == "cleared":
        for check in CLEARANCE_CHECKS if session is not None else ():
            if refusal := check(session, patient_id):
                raise RuleViolation(refusal, field="decision")
        refusal = plan_refusal(data.dosing_count, data.product, data.route, data.dose_mg,
                               expires, today)
        if refusal:
            raise RuleViolation(refusal, field=field_for(refusal, PLAN_FIELDS, "product"))
    return expires


def record_clearance(session, actor, patient, data: ClearanceInput, thresholds: Thresholds,
                     today: date | None = None, now: datetime | None = None) -> Clearance:
    """Record a clearance decision. Clearing needs every screen item answered yes or no,
    baseline blood pressure and heart rate, a complete plan (its first version), and an
    override reason when any contraindication is answered yes (RuleViolation otherwise).
    Baseline measures not on record are noted on the clearance (a warning, not a refusal).
    """
    require_team(actor, patient, "prescriber", what="record a medical clearance")
    today = today or clinic_time.today()
    now = now or utcnow()
    expires = check_clearance(data, thresholds, today, session, patient.id)
    missing = missing_baseline(session, patient)
    clearance = Clearance(
        patient_id=patient.id, prescriber_id=actor.id, decided_at=now,
        screen={k: {"yes": v.get("yes"), "notes": (v.get("notes") or "").strip()}
                for k, v in data.screen.items() if v.get("yes") is not None},
        co_medications={k: v for k, v in data.co_medications.items() if v is not None},
        co_medication_notes=data.co_medication_notes, bp_systolic=data.bp_systolic,
        bp_diastolic=data.bp_diastolic, heart_rate=data.heart_rate, spo2=data.spo2,
        weight_kg=data.weight_kg, baseline_measures_missing=", ".join(missing) or None,
        decision=data.decision, reason=data.reason.strip(),
        override_reason=(data.override_reason or "").strip() or None)
    session.add(clearance)
    if data.decision == "cleared":
        clearance.plans = [PlanVersion(
            number=1, dosing_count=data.dosing_count, product=data.product, route=data.route,
            dose_mg=data.dose_mg, expires_on=expires, reason=INITIAL_PLAN_REASON,
            created_by_id=actor.id, created_at=now)]
    session.flush()
    record(session, actor, "create", "clearance", clearance.id, patient_id=patient.id,
           detail=f"decision {data.decision}" + (" with override" if clearance.override_reason
                                                 else ""))
    refresh_stage(session, patient, today)
    return clearance


def baseline_warning(session, patient) -> str | None:
    """The clearance form's warning when baseline measures are missing, or None."""
    missing = missing_baseline(session, patient)
    if not missing:
        return None
    return (f"No baseline {', '.join(missing)} on record: give the baseline measures "
            "before dosing (the clearance notes what was missing).")


def own_clearance(actor, patient, clearance: Clearance, what: str) -> None:
    """Refuse unless the actor is the patient's prescriber and the clearance is theirs."""
    require_team(actor, patient, "prescriber", what=what)
    if clearance.patient_id != patient.id:
        raise DomainError("That clearance belongs to another patient.")


def revoke_clearance(session, actor, patient, clearance: Clearance, reason: str) -> Clearance:
    """Revoke a clearance: no further dosing until a new one (reason required)."""
    own_clearance(actor, patient, clearance, "revoke a clearance")
    if clearance.revoked_at is not None:
        raise RuleViolation("This clearance is already revoked.")
    if not (reason or "").strip():
        raise RuleViolation("Give the reason for revoking.", field="reason")
    clearance.revoked_at, clearance.revoked_by_id = utcnow(), actor.id
    clearance.revoke_reason = reason.strip()
    session.flush()
    record(session, actor, "update", "clearance", clearance.id, patient_id=patient.id,
           detail="revoked")
    refresh_stage(session, patient)
    return clearance


def clearances_for(session, patient_id: int) -> list[Clearance]:
    """All of a patient's clearances, newest first (the caller has loaded the patient)."""
    return session.scalars(select(Clearance).where(Clearance.patient_id == patient_id)
                           .order_by(Clearance.decided_at.desc())).all()


def read_clearance(session, actor, clearance_id: int, *, printing: bool = False):
    """A clearance and its patient for a clinical reader of the patient (404 otherwise);
    the read (or the print) is audited."""
    clearance = session.get(Clearance, clearance_id)
    if clearance is None:
        raise NotFound("No such clearance.")
    patient = get_patient(session, actor, clearance.patient_id, need=CLINICAL)
    record(session, actor, "print" if printing else "view", "clearance", clearance.id,
           patient_id=patient.id)
    return clearance, patient
