"""The intake on the patient page (the care team reads the newest answers the patient
sent); the patient fills it in the portal (kapms.portal)."""

from kapms.extensions import db
from kapms.intake import services
from kapms.intake.questions import CO_MEDICATION_QUESTIONS, CONTRAINDICATION_QUESTIONS
from kapms.patients.access import CLINICAL
from kapms.web import panels

BLUEPRINTS = []


def intake_context(user, patient) -> dict:
    """What the intake section shows: the sent answers with their questions (audited)."""
    return {"patient": patient, "intake": services.read_for_care_team(db.session, user, patient),
            "ci_questions": CONTRAINDICATION_QUESTIONS, "cm_questions": CO_MEDICATION_QUESTIONS}


def patient_panels(user, patient=None, categories=frozenset(), **context):
    """The patient's intake answers, for the care team (not billing)."""
    if patient is None or CLINICAL not in categories or user.has_role("patient"):
        return []
    return [panels.Panel("intake/_answers.html", intake_context(user, patient), order=22)]


def clearance_panels(user, patient=None, **context):
    """Beside the clearance screen: the answers, and the screen prefilled from them."""
    if patient is None:
        return []
    data = intake_context(user, patient)
    data["prefill"] = services.screen_prefill(data["intake"])
    return [panels.Panel("intake/_answers.html", data, order=10)]


def dashboard_panels(user, **context):
    """Intakes answered yes to thoughts of self-harm, not reviewed at a clearance since."""
    rows = services.crisis_intakes(db.session, user)
    if not rows:
        return []
    db.session.commit()  # keep the audit rows of this read
    return [panels.Panel("intake/_dashboard_crisis.html", {"intakes": rows}, order=1)]


panels.register(panels.DASHBOARD, dashboard_panels)
panels.register(panels.PATIENT_PAGE, patient_panels)
panels.register(panels.CLEARANCE_PAGE, clearance_panels)
