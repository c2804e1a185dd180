"""Admin pages for the payer and plan list and for fee schedules (per plan and private pay).

Fee schedules are billing records (kapms.billing.models) but are managed here, beside the
plans they price, by network admins only.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.codes import SERVICE_CODES
from kapms.billing.forms import as_dollars
from kapms.billing.services import fees
from kapms.extensions import db
from kapms.insurance import services
from kapms.insurance.forms import FeeScheduleForm, PayerForm, PlanForm, code_field_name
from kapms.web import nav
from kapms.web.access import guard_blueprint
from kapms.web.forms import attempt

bp = Blueprint("insurance", __name__, url_prefix="/admin/payers")
guard_blueprint(bp, "admin")
nav.add("Payers & fees", "insurance.payers", 80)


@bp.get("/")
def payers():
    """Payers, their plans, and each plan's current fee schedule."""
    from kapms.billing.views.common import today

    return render_template("insurance/payers.html", payers=services.list_payers(db.session),
                           current=fees.current_schedules(db.session, today()),
                           payer_form=PayerForm())


@bp.post("/new")
def add_payer():
    """Add a payer."""
    form = PayerForm()
    if form.validate_on_submit():
        ok, payer = attempt(form, lambda: services.add_payer(
            db.session, current_user, form.name.data))
        if ok:
            flash(f"Payer {payer.name} added.", "success")
            return redirect(url_for(".payer", payer_id=payer.id))
    else:
        flash("Enter a payer name of at most 120 characters.", "danger")
    return redirect(url_for(".payers"))


@bp.route("/<int:payer_id>", methods=["GET", "POST"])
def payer(payer_id: int):
    """A payer's plans; add a plan."""
    payer = services.get_payer(db.session, payer_id)
    form = PlanForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: services.add_plan(
            db.session, current_user, payer, form.name.data, form.plan_type.data or None))
        if ok:
            flash("Plan added.", "success")
            return redirect(url_for(".payer", payer_id=payer.id))
    return render_template("insurance/payer.html", payer=payer, form=form)


@bp.post("/<int:payer_id>/active")
def toggle_payer(payer_id: int):
    """Switch a payer on or off."""
    payer = services.get_payer(db.session, payer_id)
    ok, _ = attempt(None, lambda: services.set_active(db.session, current_user, payer,
                                                      not payer.active))
    if ok:
        flash(f"{payer.name} is now {'active' if payer.active else 'inactive'}.", "success")
    return redirect(url_for(".payer", payer_id=payer.id))


@bp.post("/plans/<int:plan_id>/active")
def toggle_plan(plan_id: int):
    """Switch a plan on or off."""
    plan = services.get_plan(db.session, plan_id)
    ok, _ = attempt(None, lambda: services.set_active(db.session, current_user, plan,
                                                      not plan.active))
    if ok:
        flash(f"{plan.label} is now {'active' if plan.active else 'inactive'}.", "success")
    return redirect(url_for(".payer", payer_id=plan.payer_id))


def _plan_or_private(plan_id: int):
    """plan_id 0 stands for private pay (None); otherwise the plan or 404."""
    return None if plan_id == 0 else services.get_plan(db.session, plan_id)


@bp.get("/plans/<int:plan_id>/fees")
def schedules(plan_id: int):
    """Every fee schedule of a plan (0: private pay), newest first."""
    plan = _plan_or_private(plan_id)
    rows = fees.schedules_for(db.session, plan.id if plan else None)
    return render_template("insurance/schedules.html", plan=plan, plan_id=plan_id,
                           schedules=rows)


@bp.route("/plans/<int:plan_id>/fees/new", methods=["GET", "POST"])
def new_schedule(plan_id: int):
    """Add a fee schedule; the form starts from the newest schedule's amounts."""
    plan = _plan_or_private(plan_id)
    existing = fees.schedules_for(db.session, plan.id if plan else None)
    defaults = {}
    if existing and request.method == "GET":
        defaults = {code_field_name(code): as_dollars(cents)
                    for code, cents in existing[0].amounts().items()}
    form = FeeScheduleForm(data=defaults)
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: fees.add_fee_schedule(
            db.session, current_user, plan, form.effective_from.data, form.effective_to.data,
            form.amounts_cents()))
        if ok:
            flash("Fee schedule saved.", "success")
            return redirect(url_for(".schedules", plan_id=plan_id))
    return render_template("insurance/schedule_form.html", plan=plan, plan_id=plan_id,
                           form=form)


@bp.get("/fees/<int:schedule_id>")
def schedule(schedule_id: int):
    """One fee schedule's amounts."""
    row = fees.get_schedule(db.session, schedule_id)
    labels = {code: entry[0] for code, entry in SERVICE_CODES.items()}
    return render_template("insurance/schedule.html", schedule=row, labels=labels)
