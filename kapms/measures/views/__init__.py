"""The measures pages. The routes live in the controller modules below, on the blueprints
of kapms/measures/blueprint.py; importing them here registers them. Also adds the
Outcomes navigation entry and the patient-page and dashboard panels."""

from kapms.measures.blueprint import admin_bp, bp, reports_bp, self_report_bp
from kapms.measures.views import admin, clinical, links, panels, reports  # noqa: F401 - routes
from kapms.web import nav
from kapms.web import panels as shared_panels

BLUEPRINTS = [bp, self_report_bp, reports_bp, admin_bp]
nav.add("Outcomes", "outcomes.report", 60)
shared_panels.register(shared_panels.PATIENT_PAGE, panels.patient_panels)
shared_panels.register(shared_panels.DASHBOARD, panels.dashboard_panels)
