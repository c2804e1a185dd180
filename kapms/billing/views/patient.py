"""The billing home (patients, the GFE watch), a patient's billing page, and benefits entry."""

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.billing.blueprint import bp
from kapms.billing.forms import BenefitsForm, ClaimsForm, SuperbillForm, cents, fraction
from kapms.billing.services import benefits as benefits_svc
from kapms.billing.services.claims import patient_claims
from kapms.billing.services.estimates import missing_facts, patient_estimates
from kapms.billing.services.gfe import patient_gfes
from kapms.billing.services.plans import ledger, patient_plans
from kapms.billing.services.watch import gfe_watch, latest_gfe_check
from kapms.billing.views.common import PER_PAGE, load_patient, page_number, policy, practice, today
from kapms.extensions import db
from kapms.web.forms import attempt


@bp.get("/")
def index():
    """The GFE watch (self-pay patients billed at or near $400 over their GFE). Patients are
    found in the one patient list (the search box, or Patients), which links here."""
    page = page_number()
    watch = gfe_watch(db.session, current_user, today(), practice().zone, policy(),
                      limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    db.session.commit()  # the audited reads of the listed GFEs
    return render_template("billing/index.html", watch=watch.checks,
                           watch_total=watch.total, page=page, per_page=PER_PAGE,
                           policy=policy())


@bp.get("/patients/<int:patient_id>")
def patient(patient_id: int):
    """Benefits, estimates, GFEs (billed vs estimated per provider), payment plans, claims,
    superbills and the statement of one patient."""
    patient = load_patient(patient_id)
    history = benefits_svc.benefits_history(db.session, current_user, patient)
    day = today()
    current = benefits_svc.current_in(history, patient, day)
    plans = patient_plans(db.session, patient.id)
    gfes = patient_gfes(db.session, patient.id)
    # Billed against estimated is shown for the latest GFE only (a later one replaces it).
    latest = latest_gfe_check(db.session, patient.id, gfes, practice().zone, policy())
    superbill_form = SuperbillForm(data={"start": day.replace(month=1, day=1), "end": day})
    claims_form = ClaimsForm(data={"start": day.replace(month=1, day=1), "end": day})
    return render_template(
        "billing/patient.html", patient=patient, benefits=history, current=current,
        estimates=patient_estimates(db.session, patient.id),
        gfes=[(g, latest if g is gfes[0] else None) for g in gfes],
        plans=[(p, ledger(p, day)) for p in plans],
        claims=patient_claims(db.session, patient.id, lines=False),
        missing=missing_facts(db.session, patient, day, benefits=current),
        superbill_form=superbill_form, claims_form=claims_form)


@bp.route("/patients/<int:patient_id>/benefits/new", methods=["GET", "POST"])
def new_benefits(patient_id: int):
    """Record the benefits verified with the payer (a new record; history is kept)."""
    patient = load_patient(patient_id)
    day = today()
    form = BenefitsForm(data={"as_of": day, "plan_year_start": date(day.year, 1, 1)})
    if form.validate_on_submit():
        entry = benefits_svc.BenefitsEntry(
            as_of=form.as_of.data, in_network=form.in_network.data == "1",
            plan_year_start=form.plan_year_start.data,
            deductible_cents=cents(form.deductible.data),
            deductible_met_cents=cents(form.deductible_met.data),
            coinsurance=fraction(form.coinsurance.data),
            oop_max_cents=cents(form.oop_max.data), oop_met_cents=cents(form.oop_met.data),
            copay_office_visit_cents=cents(form.copay_office_visit.data),
            copay_psychotherapy_cents=cents(form.copay_psychotherapy.data),
            copay_monitoring_cents=cents(form.copay_monitoring.data),
            copay_bypasses_deductible=form.copay_bypasses_deductible.data,
            medication_covered=form.medication_covered.data,
            oon_covered=form.oon_covered.data,
            oon_deductible_cents=cents(form.oon_deductible.data) or 0,
            oon_deductible_met_cents=cents(form.oon_deductible_met.data) or 0,
            oon_coinsurance=fraction(form.oon_coinsurance.data),
            oon_oop_max_cents=cents(form.oon_oop_max.data) or 0,
            oon_oop_met_cents=cents(form.oon_oop_met.data) or 0,
            oon_allowed_share=fraction(form.oon_allowed_share.data),
            reference=form.reference.data or None)
        ok, _ = attempt(form, lambda: benefits_svc.add_benefits(
            db.session, current_user, patient, entry))
        if ok:
            flash("Benefits saved.", "success")
            return redirect(url_for(".patient", patient_id=patient.id))
    return render_template("billing/benefits_form.html", patient=patient, form=form)
