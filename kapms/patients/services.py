"""Finding patients within the actor's scope, and managing care teams."""

from sqlalchemy import func, select

from kapms.audit.services import record
from kapms.errors import DomainError, NotFound, PermissionDenied
from kapms.patients.access import CLINICAL, categories, visible_patients
from kapms.patients.models import CARE_TEAM_ROLES, CareTeamMember, Patient


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


def add_to_care_team(session, actor, patient: Patient, user, role: str) -> CareTeamMember:
    """Put ``user`` on the patient's care team as ``role``.

    Admins may assign anyone; a care-team member may invite a colleague. The user must
    hold the role and be active.
    """
    if role not in CARE_TEAM_ROLES:
        raise DomainError(f"Unknown care-team role: {role}.")
    if not (actor is None or actor.has_role("admin")
            or any(m.user_id == actor.id for m in patient.care_team)):
        raise PermissionDenied("Only the care team or an admin can add to the care team.")
    if not user.active or not user.has_role(role):
        raise DomainError(f"{user.full_name} is not an active {role}.")
    existing = session.scalar(select(CareTeamMember).where(
        CareTeamMember.patient_id == patient.id, CareTeamMember.user_id == user.id,
        CareTeamMember.role == role))
    if existing and existing.active:
        raise DomainError(f"{user.full_name} is already on the care team as {role}.")
    if existing:
        existing.active, existing.removed_at = True, None
        member = existing
    else:
        member = CareTeamMember(patient_id=patient.id, user_id=user.id, role=role,
                                added_by_id=getattr(actor, "id", None))
        session.add(member)
    session.flush()
    session.expire(patient, ["care_team"])
    record(session, actor, "update", "care_team", member.id, patient_id=patient.id,
           detail=f"added {role} user {user.id}")
    return member
