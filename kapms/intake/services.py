"""Intake verbs: the patient saves and sends their answers; the care team reads them; the
prescriber's screen is prefilled from them (no Flask; flush, never commit; audited)."""

from dataclasses import fields
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS
from kapms.care.models import Clearance
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError, PermissionDenied
from kapms.intake.models import IntakeResponse
from kapms.intake.questions import IntakeAnswers, problems
from kapms.patients.access import on_care_team
from kapms.patients.models import CareTeamMember, Patient

CRISIS_KEY = "suicidality"  # "thoughts of ending your life, or ... in crisis?"
STALE = ("Your answers were changed in another window since you opened this page. Nothing "
         "was saved: reload the page and make your change again.")


def latest(session, patient_id: int) -> IntakeResponse | None:
    """The patient's newest answers, draft or sent (caller checked access)."""
    return session.scalar(select(IntakeResponse).where(IntakeResponse.patient_id == patient_id)
                          .order_by(IntakeResponse.id.desc()).limit(1))


def latest_submitted(session, patient_id: int) -> IntakeResponse | None:
    """The patient's newest sent answers (caller checked access)."""
    return session.scalar(select(IntakeResponse).where(
        IntakeResponse.patient_id == patient_id, IntakeResponse.submitted_at.is_not(None))
        .order_by(IntakeResponse.id.desc()).limit(1))


def answers_of(row: IntakeResponse | None, patient=None) -> IntakeAnswers:
    """The answers of ``row`` (a new questionnaire starts from the emergency contact on
    the patient's record)."""
    if row is None:
        return IntakeAnswers(
            emergency_contact_name=getattr(patient, "emergency_contact_name", None),
            emergency_contact_phone=getattr(patient, "emergency_contact_phone", None),
            emergency_contact_relation=getattr(patient, "emergency_contact_relation", None))
    return IntakeAnswers(**{f.name: getattr(row, f.name) for f in fields(IntakeAnswers)})


def _clean(answers: IntakeAnswers) -> IntakeAnswers:
    cleaned = IntakeAnswers(**{f.name: getattr(answers, f.name) for f in fields(answers)})
    cleaned.contraindications = {k: v for k, v in answers.contraindications.items()
                                 if k in CONTRAINDICATION_LABELS and v is not None}
    cleaned.co_medications = {k: v for k, v in answers.co_medications.items()
                              if k in CO_MEDICATION_LABELS and v is not None}
    for f in fields(cleaned):
        value = getattr(cleaned, f.name)
        if isinstance(value, str):
            setattr(cleaned, f.name, value.strip() or None)
    return cleaned


def save_answers(session, actor, patient, answers: IntakeAnswers, *, submit: bool,
                 expected_version: int, now: datetime | None = None) -> IntakeResponse:
    """The patient saves (``submit``: and sends) their answers. Sent answers are kept as
    they were: editing them starts a new draft. ``expected_version``: the version of the
    draft the page showed (0 when it showed none); an older one is refused."""
    if not (actor.has_role("patient") and actor.patient_id == patient.id):
        raise PermissionDenied("Only the patient fills in their intake.")
    answers = _clean(answers)
    found = problems(answers, to_submit=submit)
    if found:
        raise DomainError(found[0][1], field=found[0][0])
    now = now or utcnow()
    row = latest(session, patient.id)
    shown = row.version if row is not None and not row.submitted else 0
    if expected_version != shown:
        raise ConflictError(STALE)
    if row is None or row.submitted:
        row = IntakeResponse(patient_id=patient.id, created_at=now)
        session.add(row)
    for f in fields(IntakeAnswers):
        setattr(row, f.name, getattr(answers, f.name))
    row.updated_at = now
    if submit:
        row.submitted_at = now
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(STALE) from error
    record(session, actor, "update", "intake_response", row.id, patient_id=patient.id,
           detail="sent" if submit else "draft saved")
    return row


def crisis_answer(row: IntakeResponse | None) -> bool:
    """True when sent answers say yes to thoughts of ending one's life (the care team is
    emailed at once, kapms.reminders.staff, and the patient is shown where to get help)."""
    return row is not None and row.submitted_at is not None \
        and bool((row.contraindications or {}).get(CRISIS_KEY))


def crisis_intakes(session, actor, limit: int = 20) -> list[IntakeResponse]:
    """Sent answers with a yes to thoughts of self-harm that no clearance decided since has
    reviewed (the dashboard), newest first, at most ``limit``: the patients on a clinician's
    care team; for an admin, the patients with no clinician on their care team yet (whose
    emails went to the admins). Each read is audited."""
    if actor.has_role("therapist", "prescriber"):
        whose = on_care_team(actor.id)
    elif actor.has_role("admin"):
        whose = ~exists().where(CareTeamMember.patient_id == Patient.id,
                                CareTeamMember.active.is_(True))
    else:
        return []
    newer = aliased(IntakeResponse)
    rows = session.scalars(
        select(IntakeResponse).join(Patient, Patient.id == IntakeResponse.patient_id)
        .where(IntakeResponse.submitted_at.is_not(None),
               IntakeResponse.contraindications[CRISIS_KEY].as_boolean().is_(True), whose,
               ~exists().where(newer.patient_id == IntakeResponse.patient_id,
                               newer.submitted_at > IntakeResponse.submitted_at),
               ~exists().where(Clearance.patient_id == IntakeResponse.patient_id,
                               Clearance.decided_at > IntakeResponse.submitted_at))
        .order_by(IntakeResponse.submitted_at.desc()).limit(limit)).all()
    for row in rows:
        record(session, actor, "view", "intake_response", row.id, patient_id=row.patient_id,
               detail="dashboard: answered yes to thoughts of self-harm")
    return list(rows)


def read_for_care_team(session, actor, patient) -> IntakeResponse | None:
    """The newest sent answers, for the care team (``patient`` loaded through
    get_patient with CLINICAL, the answers with it or not); the read is audited."""
    row = patient.sent_intake
    record(session, actor, "view", "intake_response", getattr(row, "id", None),
           patient_id=patient.id, detail="sent answers" if row else "none sent yet")
    return row


def screen_prefill(row: IntakeResponse | None) -> dict:
    """The prescriber's contraindication screen prefilled from the patient's answers:
    {"ci_<key>": "yes"/"no", "ci_<key>_notes": ..., "cm_<key>": "yes"/"no"}. The
    prescriber reviews and decides every item; this only saves retyping."""
    if row is None:
        return {}
    when = clinic_time.local_date(row.submitted_at).strftime("%b %d")
    data = {}
    for key, answer in (row.contraindications or {}).items():
        data[f"ci_{key}"] = "yes" if answer else "no"
        data[f"ci_{key}_notes"] = f"Patient's intake ({when}): {'yes' if answer else 'no'}"
    for key, answer in (row.co_medications or {}).items():
        data[f"cm_{key}"] = "yes" if answer else "no"
    return data
