"""Who may see which patient, and in which categories (minimum necessary, 164.502(b)).

- Clinicians (therapist, prescriber) see the patients on whose care team they are.
- Admins see every patient, but never psychotherapy notes.
- Billing staff see every patient's billing categories (demographics, insurance, dates,
  codes, amounts), never clinical narratives.
- A patient (the portal) sees their own record and nobody else's; which parts of it the
  portal shows is the portal's choice (never psychotherapy notes).
This module is pure query-building and rules; no Flask.
"""

from sqlalchemy import exists, select

from kapms.patients.models import CareTeamMember, Patient

CLINICAL = "clinical"  # notes, vitals, measures, clearance, prescriptions
BILLING = "billing"  # demographics, insurance, dates, codes, amounts


def on_care_team(user_id: int):
    """SQL condition: the patient has ``user_id`` as an active care-team member."""
    return exists().where(
        CareTeamMember.patient_id == Patient.id,
        CareTeamMember.user_id == user_id,
        CareTeamMember.active.is_(True),
    )


def visible_patients(actor):
    """A select of the patients ``actor`` may open at all (deny by default)."""
    query = select(Patient)
    if actor.has_role("admin", "billing"):
        return query
    if actor.has_role("therapist", "prescriber"):
        return query.where(on_care_team(actor.id))
    if actor.has_role("patient") and getattr(actor, "patient_id", None) is not None:
        return query.where(Patient.id == actor.patient_id)
    return query.where(False)


def categories(actor, patient: Patient) -> frozenset[str]:
    """The data categories of ``patient`` that ``actor`` may see."""
    allowed = set()
    if actor.has_role("patient"):
        own = getattr(actor, "patient_id", None) == patient.id
        return frozenset({CLINICAL, BILLING} if own else ())
    if actor.has_role("admin") or any(m.user_id == actor.id for m in patient.care_team):
        allowed.add(CLINICAL)
    if actor.has_role("admin", "billing") or CLINICAL in allowed:
        allowed.add(BILLING)
    return frozenset(allowed)
