"""The care path's sections on shared pages (the patient page's care panel)."""

from flask import url_for

from kapms.care import services as care
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.web import panels


def patient_panel(user, patient=None, categories=frozenset(), **_):
    """The care path at a glance: timeline, what is due, flags, sessions, clearance.

    Only for readers with clinical access (never billing)."""
    if patient is None or CLINICAL not in categories:
        return []
    data = care.patient_path(db.session, patient)
    data.update(
        patient=patient, sessions=care.patient_sessions(db.session, patient.id),
        prescriptions=care.prescriptions_for(db.session, patient.id),
        is_prescriber=care.on_team(user, patient, "prescriber"),
        is_therapist=care.on_team(user, patient, "therapist"),
        may_schedule=user.has_role("admin") or care.on_team(user, patient),
        process_notes_url=url_for("care.process_notes", patient_id=patient.id))
    return [panels.Panel("care/_patient_panel.html", data, order=10)]


panels.register(panels.PATIENT_PAGE, patient_panel)
