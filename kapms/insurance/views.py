"""Admin pages for the payer and plan list. The fee schedules that price each plan are
billing's (kapms.billing.views.fees); the plan table links to them."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.extensions import db
from kapms.insurance import services
from kapms.insurance.blueprint import bp
from kapms.insurance.forms import PayerForm, PlanForm
from kapms.web.forms import attempt

BLUEPRINTS = [bp]


@bp.get("/")
def payers():
    """Payers and their plans."""
    return render_template("insurance/payers.html", payers=services.list_payers(db.session),
                           payer_form=PayerForm())


@bp.post("/new")
def add_payer():
    """Add a payer."""
    form = PayerForm()
    if not form.validate_on_submit():
        flash("Enter a payer name of at most 120 characters.", "danger")
        return redirect(url_for(".payers"))
    ok, payer = attempt(form, lambda: services.add_payer(db.session, current_user,
                                                         form.name.data))
    if ok:
        flash(f"Payer {payer.name} added.", "success")
        return redirect(url_for(".payer", payer_id=payer.id))
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
    if ok:  # said after the change: a twin of this request changes nothing more
        flash(f"{payer.name} is now {'active' if payer.active else 'inactive'}.", "success")
    return redirect(url_for(".payer", payer_id=payer.id))


@bp.post("/plans/<int:plan_id>/active")
def toggle_plan(plan_id: int):
    """Switch a plan on or off."""
    plan = services.get_plan(db.session, plan_id)
    ok, _ = attempt(None, lambda: services.set_active(db.session, current_user, plan,
                                                      not plan.active))
    if ok:  # said after the change: a twin of this request changes nothing more
        flash(f"{plan.label} is now {'active' if plan.active else 'inactive'}.", "success")
    return redirect(url_for(".payer", payer_id=plan.payer_id))
