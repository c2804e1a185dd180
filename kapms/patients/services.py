"""Finding patients within the actor's scope, registering and editing them.

Care-team places are written by kapms.network.services.care_teams (one eligibility rule for
every door); registration uses it for the therapist who registers their own client or the
one an admin assigns.
"""

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied
from kapms.icd10 import ICD10_LABELS
from kapms.insurance.models import InsurancePlan
from kapms.network.services import care_teams
from kapms.patients.access import CLINICAL, categories, visible_patients
from kapms.patients.models import CARE_MODALITIES, URGENCIES, Patient


def get_patient(session, actor, patient_id: int, *, need: str = CLINICAL,
                audit: bool = True) -> Patient:
    """Load a patient the actor may see, auditing the read.

    Someone else's patient answers NotFound (404), exactly like a missing one, so ids
    reveal nothing. ``need`` is the data category the caller is about to show; without
    it the read is refused with PermissionDenied (403) and audited as denied.
    """
    patient = session.scalar(visible_patients(actor).where(Patient.id == patient_id))
    if patient is None:
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               outcome="denied", detail="not on care team or no such patient")
        raise NotFound("No such patient.")
    if need not in categories(actor, patient):
        record(session, actor, "view", "patient", patient_id, patient_id=patient_id,
               outcome="denied", detail=f"{need} data not permitted")
        raise PermissionDenied("Your role does not give access to this part of the record.")
    if audit:
        record(session, actor, "view", "patient", patient.id, patient_id=patient.id,
               detail=need)
    return patient


def search_patients(session, actor, *, name: str | None = None, stage: str | None = None,
                    limit: int = 200) -> list[Patient]:
    """The actor's patients, optionally by part of a name and by stage, by last name."""
    query = visible_patients(actor)
    if name:
        like = f"%{name.strip().lower()}%"
        query = query.where(func.lower(Patient.first_name + " " + Patient.last_name).like(like))
    if stage:
        query = query.where(Patient.stage == stage)
    return session.scalars(
        query.order_by(Patient.last_name, Patient.first_name).limit(limit)).all()


# --- registration and editing -------------------------------------------------------------

PATIENT_STALE = ("This patient's record was changed by someone else since you opened it. "
                 "Nothing was saved: reload the page and make your change again.")


@dataclass
class PatientInput:
    """Demographics, emergency contact, diagnosis and coverage, as entered on the form."""

    first_name: str
    last_name: str
    date_of_birth: date
    address_line1: str
    city: str
    state: str
    postal_code: str
    address_line2: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_language: str = "English"
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    emergency_contact_relation: str | None = None
    diagnosis_code: str | None = None
    plan_id: int | None = None  # None: self-pay
    member_id: str | None = None
    care_modality: str = "either"  # the care request: how they want to be seen
    urgency: str = "routine"  # and how soon (kapms.patients.models.URGENCIES)


def _check_input(session, data: PatientInput) -> None:
    if data.diagnosis_code and data.diagnosis_code not in ICD10_LABELS:
        raise DomainError("Choose a diagnosis from the list.", field="diagnosis_code")
    if data.care_modality not in CARE_MODALITIES or data.urgency not in URGENCIES:
        raise DomainError("Choose how the patient wants to be seen and how urgently.",
                          field="urgency")
    if data.plan_id is not None:
        plan = session.get(InsurancePlan, data.plan_id)
        if plan is None or not plan.active:
            raise DomainError("Choose an insurance plan from the list.", field="plan_id")
        if not (data.member_id or "").strip():
            raise DomainError("An insured patient needs a member id.", field="member_id")
    if data.date_of_birth >= clinic_time.today():
        raise DomainError("The date of birth must be in the past.", field="date_of_birth")


def register_patient(session, actor, data: PatientInput, therapist=None) -> Patient:
    """Register a patient. A therapist registers their own client (and joins the care team);
    an admin may assign a therapist (or leave a referral without one)."""
    if actor.has_role("admin"):
        pass
    elif actor.has_role("therapist"):
        therapist = actor
    else:
        raise PermissionDenied("Only therapists and admins register patients.")
    _check_input(session, data)
    _refuse_duplicate(session, data)
    patient = Patient(**{f.name: getattr(data, f.name) for f in fields(data)},
                      created_by_id=actor.id, stage="referral")
    if patient.plan_id is None:
        patient.member_id = None
    session.add(patient)
    session.flush()
    record(session, actor, "create", "patient", patient.id, patient_id=patient.id)
    # Both are doors into the care team: the eligibility rule applies (kapms.network).
    if therapist is not None and therapist.id == actor.id:
        care_teams.join_own_client(session, actor, patient)
    elif therapist is not None:
        care_teams.assign_member(session, actor, patient, therapist, "therapist")
    return patient


def _refuse_duplicate(session, data: PatientInput) -> None:
    """One chart per person: the same name and date of birth is refused (this also stops a
    double-submitted registration form from making two charts)."""
    same = session.scalar(select(func.count()).select_from(Patient).where(
        func.lower(Patient.first_name) == data.first_name.strip().lower(),
        func.lower(Patient.last_name) == data.last_name.strip().lower(),
        Patient.date_of_birth == data.date_of_birth))
    if same:
        raise DomainError("A patient with this name and date of birth is already registered. "
                          "Open their record, or ask a network admin to add you to their care "
                          "team.")


def update_patient(session, actor, patient: Patient, data: PatientInput,
                   expected_version: int) -> Patient:
    """Save an edit made on version ``expected_version``; a stale one is refused."""
    if CLINICAL not in categories(actor, patient):
        raise PermissionDenied("Only the care team or an admin can edit the record.")
    if expected_version != patient.version:
        raise ConflictError(PATIENT_STALE)
    _check_input(session, data)
    for f in fields(data):
        setattr(patient, f.name, getattr(data, f.name))
    if patient.plan_id is None:
        patient.member_id = None
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(PATIENT_STALE) from exc
    record(session, actor, "update", "patient", patient.id, patient_id=patient.id)
    return patient
