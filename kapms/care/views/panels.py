"""The care path's sections on shared pages: the patient page's care panel, and on the
clinicians' home what waits for the prescriber's review."""

from flask import url_for

from kapms.care import services as care
from kapms.care.views.common import thresholds
from kapms.care.views.review import review_sections
from kapms.extensions import db
from kapms.measures import for_care
from kapms.measures import services as measures
from kapms.patients.access import CLINICAL
from kapms.web import panels

HOME_ROWS = 5  # per section on the home; the review page pages through the rest


def patient_sessions(patient) -> list:
    """Every session of the patient with its dosing record and note, read once for the
    page's panels (the care path, the measures schedule's dosing count)."""
    return panels.shared("care-sessions", patient.id,
                         lambda: care.patient_sessions(db.session, patient.id))


def measure_administrations(user, patient) -> list:
    """Every measure administration of the patient with the safety alert it raised, read
    once (audited) for the page's panels (the measures trends and schedule, the open
    alerts)."""
    return panels.shared("measure-administrations", patient.id,
                         lambda: measures.patient_administrations(db.session, user, patient))


def open_safety_alerts(user, patient) -> list:
    """The patient's open suicidal-ideation alerts, oldest first, from its administrations
    (the care path's dosing block, the measures alert panel)."""
    return for_care.open_alerts_in(measure_administrations(user, patient))


def patient_panel(user, patient=None, categories=frozenset(), **_):
    """The care path at a glance: timeline, what is due, flags, sessions, clearance.

    Only for readers with clinical access (never billing)."""
    if patient is None or CLINICAL not in categories:
        return []
    sessions = patient_sessions(patient)
    data = care.patient_path(db.session, patient, thresholds(), sessions)
    data.update(
        patient=patient, sessions=sessions,
        prescriptions=care.prescriptions_for(db.session, patient.id),
        is_prescriber=care.on_team(user, patient, "prescriber"),
        is_therapist=care.on_team(user, patient, "therapist"),
        may_schedule=user.has_role("admin") or care.on_team(user, patient),
        process_notes_url=url_for("care.process_notes", patient_id=patient.id),
        blocks=[b for b in [care.alert_block_text(open_safety_alerts(user, patient))] if b])
    return [panels.Panel("care/_patient_panel.html", data, order=10)]


def prescriber_home_panel(user, **_):
    """For prescribers: the first items of each review list (safety alerts are shown by
    the measures domain's own panel, so they are left out here)."""
    if not user.has_role("prescriber"):
        return []
    sections = review_sections(user, ("reviews", "follow_ups", "expiring", "requests"),
                               per_page=HOME_ROWS)
    return [panels.Panel("care/_home_review.html", {"sections": sections}, order=1)]


panels.register(panels.PATIENT_PAGE, patient_panel)
panels.register(panels.DASHBOARD, prescriber_home_panel)
