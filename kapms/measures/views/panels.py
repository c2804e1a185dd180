"""The measures panels on shared pages: the patient page (open alert, schedule, trends,
links) and the dashboard (open safety alerts of the care team's patients)."""

from datetime import UTC, datetime

from kapms.care import services as care
from kapms.care.views import panels as care_panels
from kapms.extensions import db
from kapms.measures import services
from kapms.measures.blueprint import CLINICIANS
from kapms.measures.forms import AcknowledgeForm, LinkForm
from kapms.measures.models import POINTS
from kapms.measures.services import links
from kapms.measures.trends import patient_trends
from kapms.patients.access import CLINICAL
from kapms.web import panels


def patient_panels(user, patient=None, categories=frozenset(), **ctx):
    """Open alert (first), due measures, trends and links on the patient page."""
    if patient is None or CLINICAL not in categories:
        return []
    # Shared with the care panel: the administrations with their alerts (the open ones,
    # newest first here) and the sessions the schedule counts administered dosings in.
    rows = care_panels.measure_administrations(user, patient)
    alerts = sorted(care_panels.open_safety_alerts(user, patient),
                    key=lambda a: a.raised_at, reverse=True)
    done = care.administered_in(care_panels.patient_sessions(patient))
    is_clinician = user.has_role(*CLINICIANS)
    data = {
        "patient": patient, "trends": patient_trends(rows),
        "schedule": services.measure_schedule(db.session, patient, rows, done=done),
        "links": links.patient_links(db.session, patient.id) if is_clinician else [],
        "link_form": LinkForm(), "is_clinician": is_clinician,
        "now": datetime.now(UTC), "points": POINTS,
    }
    # The audit row of this read is saved with the page's others when the request ends.
    result = [panels.Panel("measures/_patient_panel.html", data, order=30)]
    if alerts:
        result.append(panels.Panel("measures/_alert_panel.html",
                                   {"alerts": alerts, "form": AcknowledgeForm(),
                                    "is_clinician": is_clinician}, order=0))
    return result


def dashboard_panels(user, **ctx):
    """Open safety alerts of the user's care-team patients."""
    alerts = services.open_alerts_for_care_team(db.session, user)
    if not alerts:
        return []
    db.session.commit()  # keep the audit rows of this read
    return [panels.Panel("measures/_dashboard_alerts.html", {"alerts": alerts}, order=0)]
