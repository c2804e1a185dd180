"""Billing sections of shared pages: the patient page (PATIENT_PAGE) and the dashboard
(DASHBOARD: overdue payment plans and the GFE watch)."""

from kapms.audit.services import record
from kapms.billing.services.estimates import estimate_facts, latest_estimate, missing_facts
from kapms.billing.services.plans import ledger, open_plans, overdue_plans
from kapms.billing.services.watch import gfe_watch
from kapms.billing.views.common import policy, practice, today
from kapms.extensions import db
from kapms.patients.access import BILLING
from kapms.web import panels


def billing_panel(user, patient=None, categories=frozenset(), **context):
    """Latest estimate, benefits on file and open plans, for whoever may see the patient's
    billing category (billing staff, admins, and the care team, who discuss cost with the
    patient); links to the billing pages only for those who may open them. The estimate
    view recorded here is saved with the page's other reads when the request ends
    (kapms.web.errors: the request teardown commits audit records).
    """
    if patient is None or BILLING not in categories:
        return []
    day = today()
    latest = latest_estimate(db.session, patient.id)
    if latest is not None:
        record(db.session, user, "view", "estimate", latest.id, patient_id=patient.id,
               detail=f"patient page, version {latest.version}")
    plans = [(p, ledger(p, day)) for p in open_plans(db.session, patient.id)]
    benefits, has_schedule = estimate_facts(db.session, patient, day)
    data = {"patient": patient, "estimate": latest, "benefits": benefits,
            # Why no estimate can be made is shown only while there is none.
            "missing": None if latest else missing_facts(
                db.session, patient, day, benefits=benefits, has_schedule=has_schedule),
            "plans": plans, "links": user.has_role("billing", "admin")}
    return [panels.Panel("billing/_panel.html", data, order=60)]


def overdue_panel(user, **context):
    """Dashboard list of payment plans with overdue installments, for billing and admins."""
    if not user.has_role("billing", "admin"):
        return []
    late = overdue_plans(db.session, user, today())
    return [panels.Panel("billing/_dashboard.html", {"late": late}, order=40)]


def gfe_watch_panel(user, **context):
    """Dashboard list of self-pay patients billed at or near their GFE's dispute threshold,
    for billing and admins (the billing home has the full list)."""
    if not user.has_role("billing", "admin"):
        return []
    watch = gfe_watch(db.session, user, today(), practice().zone, policy(), limit=5)
    return [panels.Panel("billing/_watch_panel.html",
                         {"watch": watch.checks, "total": watch.total}, order=41)]


panels.register(panels.PATIENT_PAGE, billing_panel)
panels.register(panels.DASHBOARD, overdue_panel)
panels.register(panels.DASHBOARD, gfe_watch_panel)
