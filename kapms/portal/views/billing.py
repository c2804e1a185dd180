"""The patient's billing documents: estimates, Good Faith Estimates, payment plans with
their installments and payments, the superbill and the statement (each as PDF, through
the billing services, which scope every document to the patient)."""

from datetime import date

from flask import current_app, flash, make_response, redirect, render_template, request, url_for

from kapms import clinic_time
from kapms.billing import pdf
from kapms.billing.blueprint import CODE_LABELS
from kapms.billing.services import Policy, Practice
from kapms.billing.services import estimates as est_svc
from kapms.billing.services import gfe as gfe_svc
from kapms.billing.services import plans as plan_svc
from kapms.billing.services.statements import build_statement
from kapms.billing.services.superbills import build_superbill
from kapms.errors import DomainError, RuleViolation
from kapms.extensions import db
from kapms.icd10 import ICD10_LABELS
from kapms.portal.blueprint import bp
from kapms.portal.views.common import me


def _practice() -> Practice:
    return Practice.from_config(current_app.config)


def _render(template: str, **context) -> bytes:
    """A billing PDF with the labels the billing pages get from their blueprint."""
    return pdf.render(template, _practice(), code_labels=CODE_LABELS,
                      icd10_labels=ICD10_LABELS, **context)


@bp.get("/billing")
def billing():
    """Every billing document of the patient."""
    user, patient = me()
    today = clinic_time.today()
    plans = [(plan, plan_svc.ledger(plan, today))
             for plan in plan_svc.patient_plans(db.session, patient.id)]
    db.session.commit()
    return render_template("portal/billing.html", patient=patient,
                           estimates=est_svc.patient_estimates(db.session, patient.id),
                           gfes=gfe_svc.patient_gfes(db.session, patient.id), plans=plans,
                           years=list(range(today.year, today.year - 3, -1)))


def _pdf(render, filename: str):
    """Commit the audit row of the print, then render (no write lock held while WeasyPrint
    works: SQLite has one writer at a time)."""
    db.session.commit()
    response = make_response(render())
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(error):
    db.session.rollback()
    flash(getattr(error, "message", str(error)), "danger")
    return redirect(url_for(".billing"))


@bp.get("/billing/estimates/<int:estimate_id>.pdf")
def estimate_pdf(estimate_id: int):
    """An estimate as PDF (the patient's own only)."""
    user, _ = me()
    estimate = est_svc.get_estimate(db.session, user, estimate_id, action="print")
    return _pdf(lambda: _render("estimate.html", estimate=estimate),
                f"estimate-v{estimate.version}.pdf")


@bp.get("/billing/gfe/<int:gfe_id>.pdf")
def gfe_pdf(gfe_id: int):
    """A Good Faith Estimate as PDF."""
    user, _ = me()
    try:
        gfe = gfe_svc.get_gfe(db.session, user, gfe_id, action="print")
    except (RuleViolation, ValueError) as error:
        return _refused(error)
    threshold = Policy.from_config(current_app.config).gfe_dispute_cents
    return _pdf(lambda: _render("gfe.html", gfe=gfe, threshold=threshold),
                f"good-faith-estimate-{gfe.id}.pdf")


@bp.get("/billing/plans/<int:plan_id>.pdf")
def plan_pdf(plan_id: int):
    """A payment plan agreement with its installments and payments as PDF."""
    user, _ = me()
    plan = plan_svc.get_plan(db.session, user, plan_id, action="print")
    return _pdf(lambda: _render("plan.html", plan=plan,
                           ledger=plan_svc.ledger(plan, clinic_time.today())),
                f"payment-plan-{plan.id}.pdf")


@bp.get("/billing/superbill.pdf")
def superbill_pdf():
    """The superbill of one calendar year (``?year=``), for the patient's own claim."""
    user, patient = me()
    today = clinic_time.today()
    year = request.args.get("year", type=int) or today.year
    if not today.year - 10 <= year <= today.year:
        return _refused(DomainError("Choose a year."))
    try:
        bill = build_superbill(db.session, user, patient, date(year, 1, 1),
                               min(date(year, 12, 31), today), _practice(),
                               Policy.from_config(current_app.config))
    except (RuleViolation, ValueError) as error:
        return _refused(error)
    return _pdf(lambda: _render("superbill.html", bill=bill), f"superbill-{year}.pdf")


@bp.get("/billing/statement.pdf")
def statement_pdf():
    """The statement: claims answered, payments made, balance due (insured patients)."""
    user, patient = me()
    if patient.plan is None:
        return _refused(DomainError("Statements are for insured patients; your payment plan "
                                    "and superbill are below."))
    try:
        statement = build_statement(db.session, user, patient, clinic_time.today(),
                                    _practice())
    except (RuleViolation, ValueError) as error:
        return _refused(error)
    return _pdf(lambda: _render("statement.html", statement=statement),
                f"statement-{statement.issued_on}.pdf")
