"""What the care path asks of the measures domain, as small read-only queries.

Only models and pure schedule rules are imported here, so the care services can use these
without importing kapms.measures.services (which itself reads the care path). The caller
has loaded the patient through get_patient (which audits the read).
"""

from sqlalchemy import select

from kapms.measures.models import Administration, SafetyAlert
from kapms.measures.schedule import instruments_for
from kapms.patients.access import on_care_team
from kapms.patients.models import Patient


def open_safety_alerts(session, patient_id: int) -> list[SafetyAlert]:
    """The patient's open (unacknowledged) suicidal-ideation alerts, oldest first."""
    return list(session.scalars(select(SafetyAlert).where(
        SafetyAlert.patient_id == patient_id, SafetyAlert.acknowledged_at.is_(None))
        .order_by(SafetyAlert.raised_at)).all())


def open_alerts_in(administrations) -> list[SafetyAlert]:
    """The open alerts among ``administrations`` (each loaded with its alert: all of a
    patient's, ``patient_administrations``), oldest first."""
    return sorted((a.safety_alert for a in administrations
                   if a.safety_alert is not None and a.safety_alert.is_open),
                  key=lambda alert: alert.raised_at)


def missing_baseline(session, patient) -> list[str]:
    """The instruments the patient is scheduled for that have no baseline on record
    (answers entered in error do not count)."""
    given = set(session.scalars(select(Administration.instrument).where(
        Administration.patient_id == patient.id, Administration.point == "baseline",
        Administration.voided_at.is_(None))).all())
    return [i for i in instruments_for(patient.diagnosis_code) if i not in given]


def open_alerts_for_clinician(session, user_id: int, *, limit: int,
                              offset: int = 0) -> list[SafetyAlert]:
    """Open alerts of the patients on ``user_id``'s care team, oldest first (a page)."""
    return list(session.scalars(
        select(SafetyAlert).join(Patient, Patient.id == SafetyAlert.patient_id)
        .where(SafetyAlert.acknowledged_at.is_(None), on_care_team(user_id))
        .order_by(SafetyAlert.raised_at, SafetyAlert.id).limit(limit).offset(offset)).all())
