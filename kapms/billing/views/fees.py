"""Fee schedules (network admins): the private-pay fees and each plan's allowed amounts,
by date. They live with billing, which prices everything with them."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.blueprint import fees_bp
from kapms.billing.forms import FeeScheduleForm, as_dollars, code_field_name
from kapms.billing.services import fees
from kapms.billing.views.common import today
from kapms.extensions import db
from kapms.insurance import services as insurance
from kapms.web.forms import attempt


@fees_bp.get("/")
def index():
    """Private pay and every plan, with the schedule in effect today."""
    return render_template("billing/fees/index.html",
                           payers=insurance.list_payers(db.session),
                           current=fees.current_schedules(db.session, today()))


def _plan_or_private(plan_id: int):
    """plan_id 0 stands for private pay (None); otherwise the plan or 404."""
    return None if plan_id == 0 else insurance.get_plan(db.session, plan_id)


@fees_bp.get("/plans/<int:plan_id>")
def schedules(plan_id: int):
    """Every fee schedule of a plan (0: private pay), newest first."""
    plan = _plan_or_private(plan_id)
    rows = fees.schedules_for(db.session, plan.id if plan else None)
    return render_template("billing/fees/schedules.html", plan=plan, plan_id=plan_id,
                           schedules=rows)


@fees_bp.route("/plans/<int:plan_id>/new", methods=["GET", "POST"])
def new_schedule(plan_id: int):
    """Add a fee schedule; the form starts from the newest schedule's amounts."""
    plan = _plan_or_private(plan_id)
    existing = fees.schedules_for(db.session, plan.id if plan else None)
    defaults = {}
    if existing and request.method == "GET":
        defaults = {code_field_name(code): as_dollars(cents)
                    for code, cents in existing[0].amounts().items()}
        defaults["dosing_billed_as"] = existing[0].dosing_billed_as
    form = FeeScheduleForm(data=defaults)
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: fees.add_fee_schedule(
            db.session, current_user, plan, form.effective_from.data, form.effective_to.data,
            form.amounts_cents(), network=form.network.data if plan else "in",
            dosing_billed_as=form.dosing_billed_as.data))
        if ok:
            flash("Fee schedule saved.", "success")
            return redirect(url_for(".schedules", plan_id=plan_id))
    return render_template("billing/fees/schedule_form.html", plan=plan, plan_id=plan_id,
                           form=form)


@fees_bp.get("/<int:schedule_id>")
def schedule(schedule_id: int):
    """One fee schedule's amounts."""
    row = fees.get_schedule(db.session, schedule_id)
    return render_template("billing/fees/schedule.html", schedule=row)
