"""Care-path pages. The routes live in views_*.py modules on the one ``care`` blueprint;
importing them here registers them. Also contributes the patient page's care panel."""

from flask import url_for

from kapms.care import services as care
from kapms.care import views_calendar, views_clinical, views_sessions  # noqa: F401 - routes
from kapms.care.blueprint import bp
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.web import nav, panels

BLUEPRINTS = [bp]
nav.add("Calendar", "care.calendar", 5)
nav.add("Notes due", "care.notes_due", 6)
nav.add("Prescriber profile", "care.prescriber_profile", 80)


def _patient_panel(user, patient=None, categories=frozenset(), **_):
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


panels.register(panels.PATIENT_PAGE, _patient_panel)
