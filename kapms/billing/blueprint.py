"""The billing blueprints and their access guards: ``bp`` (billing staff and admins: benefits,
estimates, GFEs, plans, superbills, claims) and ``fees_bp`` (network admins: the fee
schedules that price everything). Imports nothing from the views."""

from flask import Blueprint

from kapms.billing.codes import SERVICE_CODES
from kapms.icd10 import ICD10_LABELS
from kapms.network.npi import valid_npi
from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")
guard_blueprint(bp, "billing", "admin")
nav.add("Billing", "billing.index", 40)

fees_bp = Blueprint("fees", __name__, url_prefix="/admin/fees")
guard_blueprint(fees_bp, "admin")
nav.add("Fee schedules", "fees.index", 82)



@bp.record_once
def _check_practice_npi(state) -> None:
    """Refuse to start with a practice NPI that fails its check digit (45 CFR 162.406): it
    would print on every GFE, superbill and claim."""
    npi = state.app.config["CLINIC_NPI"]
    if not valid_npi(npi):
        raise RuntimeError(f"CLINIC_NPI {npi!r} is not a valid NPI (10 digits with a correct "
                           "check digit); set KAPMS_CLINIC_NPI to the practice's NPI.")


CODE_LABELS = {code: entry[0] for code, entry in SERVICE_CODES.items()}


@bp.context_processor
@fees_bp.context_processor
def _code_labels():
    """Plain-language code labels for billing pages and PDFs."""
    return {"code_labels": CODE_LABELS, "icd10_labels": ICD10_LABELS}
