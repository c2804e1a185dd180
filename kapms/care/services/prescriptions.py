"""Prescriber profiles (DEA number, practice address) and Schedule III prescriptions with
their refills (21 CFR 1306.05, 1306.22). Prescriber-only."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kapms.audit.services import record
from kapms.care.models import PrescriberProfile, Prescription, PrescriptionRefill
from kapms.care.rules import dea_number_valid, refill_refusal, refills_refusal
from kapms.care.services.common import require_team
from kapms.errors import DomainError, PermissionDenied, RuleViolation
from kapms.network.services.eligibility import require_prescribing_licence


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
                           .options(joinedload(Prescription.refills))  # one statement
                           .order_by(Prescription.issued_on.desc(), Prescription.id.desc())
                           ).unique().all()
