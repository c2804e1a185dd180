"""Billing pages (billing staff and admins): a patient's benefits, estimates, Good Faith
Estimates, payment plans and superbills. Handlers are thin: load, check, validate, one
service call, commit, redirect. The blueprint's modules are split by meaning."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")
guard_blueprint(bp, "billing", "admin")
nav.add("Billing", "billing.index", 40)

from kapms.billing.views import (  # noqa: E402,F401 - registers routes and the panel
    documents,
    panel,
    patient,
    plans,
)

BLUEPRINTS = [bp]


@bp.context_processor
def _code_labels():
    """Plain-language code labels for billing pages and PDFs."""
    from kapms.billing.codes import ICD10_LABELS, SERVICE_CODES

    return {"code_labels": {code: entry[0] for code, entry in SERVICE_CODES.items()},
            "icd10_labels": ICD10_LABELS}
