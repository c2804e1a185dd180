"""Suicidal-ideation safety alerts: open until a clinician acknowledges them with a note
(no Flask; flush, never commit; audited)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from kapms.audit.services import record
from kapms.errors import ConflictError, NotFound, RuleViolation
from kapms.measures.models import SafetyAlert
from kapms.measures.services.administrations import require_clinician
from kapms.patients.access import CLINICAL, on_care_team
from kapms.patients.models import Patient
from kapms.patients.services import get_patient

NOTE_MAX = 2000


def alert_for(session, administration_id: int) -> SafetyAlert | None:
    """The safety alert an administration raised, if any (caller checked access)."""
    return session.scalar(select(SafetyAlert).where(
        SafetyAlert.administration_id == administration_id))


def open_alerts_for_patient(session, patient_id: int) -> list[SafetyAlert]:
    """Open suicidal-ideation alerts of one patient, newest first (caller checked access)."""
    return list(session.scalars(select(SafetyAlert).where(
        SafetyAlert.patient_id == patient_id, SafetyAlert.acknowledged_at.is_(None))
        .order_by(SafetyAlert.raised_at.desc())).all())


def patient_alerts(session, patient_id: int) -> list[SafetyAlert]:
    """Every alert of one patient, newest first, acknowledged ones included (caller
    checked access)."""
    return list(session.scalars(select(SafetyAlert).where(SafetyAlert.patient_id == patient_id)
                                .order_by(SafetyAlert.raised_at.desc())).all())


def open_alerts_for_care_team(session, actor, limit: int = 50) -> list[SafetyAlert]:
    """Open alerts of the patients on ``actor``'s care team (dashboard), newest first."""
    if not actor.has_role("therapist", "prescriber"):
        return []
    rows = session.scalars(
        select(SafetyAlert).join(Patient, Patient.id == SafetyAlert.patient_id)
        .where(SafetyAlert.acknowledged_at.is_(None), on_care_team(actor.id))
        .order_by(SafetyAlert.raised_at.desc()).limit(limit)).all()
    for alert in rows:
        record(session, actor, "view", "safety_alert", alert.id, patient_id=alert.patient_id)
    return list(rows)


def acknowledge_alert(session, actor, alert_id: int, note: str, *,
                      version: int | None = None) -> SafetyAlert:
    """A clinician on the care team acknowledges an open alert with a note (audited).

    Someone else's patient or a missing alert is NotFound; an alert already acknowledged
    (or changed since ``version``) is a ConflictError; the note is required.
    """
    require_clinician(actor)
    alert = session.get(SafetyAlert, alert_id)
    if alert is None:
        raise NotFound("No such alert.")
    get_patient(session, actor, alert.patient_id, need=CLINICAL, audit=False)
    note = (note or "").strip()
    if not note:
        raise RuleViolation("Write a note saying what was done.", field="note")
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", field="note")
    if not alert.is_open or (version is not None and version != alert.version):
        raise ConflictError("This alert was already acknowledged.")
    alert.acknowledged_at = datetime.now(UTC)
    alert.acknowledged_by_id = actor.id
    alert.acknowledgement_note = note
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError("This alert was already acknowledged.") from error
    record(session, actor, "acknowledge", "safety_alert", alert.id, patient_id=alert.patient_id)
    return alert
