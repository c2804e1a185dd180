"""Medical intake and clearance, the treatment plan, prescriber profiles, prescriptions.

Prescriber-only: the actor must be the patient's prescriber on the care team.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS, PRODUCTS, ROUTES
from kapms.care.models import Clearance, PrescriberProfile, Prescription, PrescriptionRefill
from kapms.care.rules import (
    Thresholds,
    add_months,
    clearance_refusal,
    dea_number_valid,
    refill_refusal,
    refills_refusal,
)
from kapms.care.services.common import require_team
from kapms.care.services.stage import refresh_stage
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, PermissionDenied, RuleViolation
from kapms.network.services.eligibility import require_prescribing_licence


@dataclass
class ClearanceInput:
    """What the prescriber enters at medical intake."""

    decision: str
    reason: str
    screen: dict = field(default_factory=dict)  # key -> {"yes": bool, "notes": str}
    co_medications: dict = field(default_factory=dict)  # key -> bool
    co_medication_notes: str | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    override_reason: str | None = None
    dosing_count: int | None = None
    product: str | None = None
    route: str | None = None
    dose_mg: Decimal | None = None
    expires_on: date | None = None


def record_clearance(session, actor, patient, data: ClearanceInput, thresholds: Thresholds,
                     today: date | None = None) -> Clearance:
    """Record a clearance decision. Clearing needs a complete plan, and an override reason
    when an absolute contraindication was answered yes (RuleViolation otherwise)."""
    require_team(actor, patient, "prescriber", what="record a medical clearance")
    today = today or clinic_time.today()
    unknown = set(data.screen) - set(CONTRAINDICATION_LABELS)
    if unknown or set(data.co_medications) - set(CO_MEDICATION_LABELS):
        raise DomainError("Unknown screen item.")
    answers = {k: bool(v.get("yes")) for k, v in data.screen.items()}
    refusal = clearance_refusal(data.decision, data.reason, answers, data.override_reason)
    if refusal:
        raise RuleViolation(refusal, field="override_reason" if "override" in refusal
                            else ("reason" if "reason" in refusal else "decision"))
    clearance = Clearance(
        patient_id=patient.id, prescriber_id=actor.id, decided_at=utcnow(),
        screen={k: {"yes": bool(v.get("yes")), "notes": (v.get("notes") or "").strip()}
                for k, v in data.screen.items()},
        co_medications={k: bool(v) for k, v in data.co_medications.items()},
        co_medication_notes=data.co_medication_notes, bp_systolic=data.bp_systolic,
        bp_diastolic=data.bp_diastolic, heart_rate=data.heart_rate, spo2=data.spo2,
        decision=data.decision, reason=data.reason.strip(),
        override_reason=(data.override_reason or "").strip() or None)
    if data.decision == "cleared":
        if not data.dosing_count or data.dosing_count < 1:
            raise RuleViolation("A clearance needs the plan's number of dosing sessions.",
                                field="dosing_count")
        if data.product not in PRODUCTS or data.route not in ROUTES:
            raise RuleViolation("Choose the product and route of the plan.", field="product")
        if not data.dose_mg or data.dose_mg <= 0:
            raise RuleViolation("Give the planned dose in mg.", field="dose_mg")
        expires = data.expires_on or add_months(today, thresholds.clearance_valid_months)
        if expires <= today:
            raise RuleViolation("The expiry must be after today.", field="expires_on")
        clearance.dosing_count, clearance.product, clearance.route = (
            data.dosing_count, data.product, data.route)
        clearance.dose_mg, clearance.expires_on = data.dose_mg, expires
    session.add(clearance)
    session.flush()
    record(session, actor, "create", "clearance", clearance.id, patient_id=patient.id,
           detail=f"decision {data.decision}" + (" with override" if clearance.override_reason
                                                 else ""))
    refresh_stage(session, patient, today)
    return clearance


def _own_clearance(actor, patient, clearance: Clearance, what: str) -> None:
    require_team(actor, patient, "prescriber", what=what)
    if clearance.patient_id != patient.id:
        raise DomainError("That clearance belongs to another patient.")


def revoke_clearance(session, actor, patient, clearance: Clearance, reason: str) -> Clearance:
    """Revoke a clearance: no further dosing until a new one (reason required)."""
    _own_clearance(actor, patient, clearance, "revoke a clearance")
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


def amend_plan(session, actor, patient, clearance: Clearance, dosing_count: int,
               expected_version: int | None = None) -> Clearance:
    """Change the plan's number of dosing sessions (e.g. to allow more dosings)."""
    _own_clearance(actor, patient, clearance, "amend the treatment plan")
    if clearance.decision != "cleared" or clearance.revoked_at is not None:
        raise RuleViolation("Only a current clearance's plan can be amended.")
    if expected_version is not None and expected_version != clearance.version:
        raise ConflictError("Someone changed this plan meanwhile; reload and try again.")
    if dosing_count < 1 or dosing_count > 36:
        raise RuleViolation("The plan needs between 1 and 36 dosing sessions.",
                            field="dosing_count")
    old = clearance.dosing_count
    clearance.dosing_count = dosing_count
    session.flush()
    record(session, actor, "update", "clearance", clearance.id, patient_id=patient.id,
           detail=f"plan dosings {old} -> {dosing_count}")
    refresh_stage(session, patient)
    return clearance


def clearances_for(session, patient_id: int) -> list[Clearance]:
    """All of a patient's clearances, newest first (the caller has loaded the patient)."""
    return session.scalars(select(Clearance).where(Clearance.patient_id == patient_id)
                           .order_by(Clearance.decided_at.desc())).all()


# --- prescriber profile and prescriptions -------------------------------------------------

def prescriber_profile(session, user_id: int) -> PrescriberProfile | None:
    """The prescriber's DEA number and practice address, if recorded."""
    return session.scalar(select(PrescriberProfile).where(PrescriberProfile.user_id == user_id))


def save_prescriber_profile(session, actor, dea_number: str,
                            practice_address: str) -> PrescriberProfile:
    """A prescriber records their own DEA number (check digit verified) and address.
    (Their NPI lives on their directory profile, kapms.network.)"""
    if not actor.has_role("prescriber"):
        raise PermissionDenied("Only prescribers have a prescriber profile.")
    dea = (dea_number or "").strip().upper()
    if not dea_number_valid(dea):
        raise RuleViolation("That is not a valid DEA number (2 letters, 7 digits, check digit).",
                            field="dea_number")
    profile = prescriber_profile(session, actor.id) or PrescriberProfile(user_id=actor.id)
    profile.dea_number, profile.practice_address = dea, practice_address.strip()
    session.add(profile)
    session.flush()
    record(session, actor, "update", "prescriber_profile", profile.id)
    return profile


@dataclass
class PrescriptionInput:
    """The drug fields of a prescription (the rest is snapshotted from the records)."""

    issued_on: date
    drug_name: str
    strength: str
    dosage_form: str
    quantity: int
    directions: str
    refills_authorized: int = 0


def record_prescription(session, actor, patient, data: PrescriptionInput) -> Prescription:
    """Record a prescription with the 21 CFR 1306.05 fields; refills at most 5."""
    require_team(actor, patient, "prescriber", what="write prescriptions")
    require_prescribing_licence(session, actor, patient, data.issued_on)  # 21 CFR 1306.03
    profile = prescriber_profile(session, actor.id)
    if profile is None:
        raise RuleViolation("Add your DEA number and practice address to your prescriber "
                            "profile before writing a prescription.")
    refusal = refills_refusal(data.refills_authorized)
    if refusal:
        raise RuleViolation(refusal, field="refills_authorized")
    if data.quantity < 1:
        raise RuleViolation("The quantity must be at least 1.", field="quantity")
    address = ", ".join(filter(None, [patient.address_line1, patient.address_line2,
                                      patient.city, f"{patient.state} {patient.postal_code}"]))
    rx = Prescription(
        patient_id=patient.id, prescriber_id=actor.id, issued_on=data.issued_on,
        patient_name=patient.full_name, patient_address=address, drug_name=data.drug_name,
        strength=data.strength, dosage_form=data.dosage_form, quantity=data.quantity,
        directions=data.directions, refills_authorized=data.refills_authorized,
        prescriber_name=actor.display_name, prescriber_address=profile.practice_address,
        prescriber_dea=profile.dea_number)
    session.add(rx)
    session.flush()
    record(session, actor, "create", "prescription", rx.id, patient_id=patient.id)
    return rx


def record_refill(session, actor, patient, rx: Prescription, dispensed_on: date):
    """Record a refill; refused beyond the authorized count or 6 months after issue."""
    require_team(actor, patient, "prescriber", what="record refills")
    if rx.patient_id != patient.id:
        raise DomainError("That prescription belongs to another patient.")
    refusal = refill_refusal(rx.issued_on, rx.refills_authorized, len(rx.refills), dispensed_on)
    if refusal:
        raise RuleViolation(refusal, field="dispensed_on")
    refill = PrescriptionRefill(prescription_id=rx.id, dispensed_on=dispensed_on,
                                recorded_by_id=actor.id)
    session.add(refill)
    session.flush()
    session.expire(rx, ["refills"])
    record(session, actor, "update", "prescription", rx.id, patient_id=patient.id,
           detail="refill recorded")
    return refill


def prescriptions_for(session, patient_id: int) -> list[Prescription]:
    """A patient's prescriptions, newest first."""
    return session.scalars(select(Prescription).where(Prescription.patient_id == patient_id)
                           .order_by(Prescription.issued_on.desc(), Prescription.id.desc())).all()
