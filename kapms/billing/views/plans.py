"""Payment plans and the payments recorded against them."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.blueprint import bp
from kapms.billing.forms import PaymentForm, PaymentPlanForm, VoidPaymentForm, as_dollars, cents
from kapms.billing.models import Estimate, Payment
from kapms.billing.services import estimates as est_svc
from kapms.billing.services import plans as plan_svc
from kapms.billing.views.common import load_patient, pdf_response, today
from kapms.extensions import db
from kapms.web import confirm, filters, refused
from kapms.web.edge import id_arg
from kapms.web.filters import money
from kapms.web.forms import attempt


def _estimate_for(patient) -> Estimate | None:
    """The estimate named by ``?estimate_id=`` (an audited view), or None; another
    patient's estimate answers 404."""
    estimate_id = id_arg("estimate_id")
    if not estimate_id:
        return None
    estimate = est_svc.get_estimate(db.session, current_user, estimate_id)
    if estimate.patient_id != patient.id:
        abort(404)
    return estimate


@bp.route("/patients/<int:patient_id>/plans/new", methods=["GET", "POST"])
def new_plan(patient_id: int):
    """Agree a payment plan, from an estimate (its high patient share) or a balance."""
    patient = load_patient(patient_id)
    estimate = _estimate_for(patient)
    balance = estimate.total("high", "patient_cents") if estimate else None
    upfront = current_app.config["PAYMENT_PLAN_UPFRONT_CENTS"]
    if balance is not None:
        upfront = min(upfront, balance)
    form = PaymentPlanForm(data={
        "balance": as_dollars(balance), "upfront": as_dollars(upfront),
        "first_due": today()})
    if form.validate_on_submit():
        ok, plan = attempt(form, lambda: plan_svc.create_plan(
            db.session, current_user, patient, balance_cents=cents(form.balance.data),
            upfront_cents=cents(form.upfront.data), installments=form.installments.data,
            first_due=form.first_due.data, estimate=estimate))
        if ok:
            flash("Payment plan created.", "success")
            return redirect(url_for(".plan", plan_id=plan.id))
    return render_template("billing/plan_form.html", patient=patient, form=form,
                           estimate=estimate)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """The plan's schedule, payments and standing (paid, due, overdue, balance)."""
    plan = plan_svc.get_plan(db.session, current_user, plan_id)
    db.session.commit()
    form = PaymentForm(data={"paid_on": today()})
    refused.restore(form, request.path)  # a refused payment comes back here, with its message
    return _plan_page(plan, form)


def _plan_page(plan, form):
    void_forms = {p.id: VoidPaymentForm(prefix=f"void{p.id}") for p in plan.payments}
    return render_template("billing/plan.html", plan=plan, form=form, void_forms=void_forms,
                           ledger=plan_svc.ledger(plan, today()))


@bp.post("/plans/<int:plan_id>/payments")
def record_payment(plan_id: int):
    """Record a payment; an overpayment or a closed plan is refused with a message."""
    plan = plan_svc.get_plan(db.session, current_user, plan_id)
    form = PaymentForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: plan_svc.record_payment(
            db.session, current_user, plan, amount_cents=cents(form.amount.data),
            paid_on=form.paid_on.data, method=form.method.data,
            reference=form.reference.data, today=today()))
        if ok:
            flash("Payment recorded.", "success")
            return redirect(url_for(".plan", plan_id=plan_id))
    db.session.commit()  # the audited read of the plan
    # POST-redirect-GET: the plan page shows what was refused (a reload sends nothing).
    refused.keep(form, url_for(".plan", plan_id=plan_id))
    return redirect(url_for(".plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/payments/<int:payment_id>/void")
def void_payment(plan_id: int, payment_id: int):
    """Void a payment recorded in error, with the reason."""
    plan = plan_svc.get_plan(db.session, current_user, plan_id)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.plan_id != plan.id:
        abort(404)
    form = VoidPaymentForm(prefix=f"void{payment_id}")
    if not form.validate_on_submit():
        flash("Give a reason (up to 200 characters) to void a payment.", "danger")
        return redirect(url_for(".plan", plan_id=plan_id))
    if not confirm.confirmed():
        return confirm.ask(
            "Void this payment?", f"The payment of {money(payment.amount_cents)} on "
            f"{filters.local(payment.paid_on)} ({payment.method_label}) no longer counts "
            "towards the plan; it stays on record, struck through.",
            details=[f"Reason: {form.reason.data}"], confirm_label="Yes, void the payment",
            back_url=url_for(".plan", plan_id=plan_id))
    ok, _ = attempt(form, lambda: plan_svc.void_payment(
        db.session, current_user, payment, form.reason.data))
    if ok:
        flash("Payment voided.", "success")
    return redirect(url_for(".plan", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>.pdf")
def plan_pdf(plan_id: int):
    """The payment plan agreement as a PDF for signing."""
    plan = plan_svc.get_plan(db.session, current_user, plan_id, action="print")
    db.session.commit()
    return pdf_response("plan.html", f"payment-plan-{plan.id}.pdf", plan=plan,
                        ledger=plan_svc.ledger(plan, today()))
