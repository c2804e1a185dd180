"""The billing overview of patients, and benefits entry."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.blueprint import bp
from kapms.billing.forms import BenefitsForm, SuperbillForm, cents
from kapms.billing.services import benefits as benefits_svc
from kapms.billing.services.estimates import missing_facts, patient_estimates
from kapms.billing.services.gfe import bill_check, patient_gfes
from kapms.billing.services.plans import ledger, patient_plans
from kapms.billing.views.common import load_patient, practice, today
from kapms.extensions import db
from kapms.patients.services import search_patients
from kapms.web.forms import attempt


@bp.get("/")
def index():
    """Patients with their coverage, searchable by name, to open their billing page."""
    name = request.args.get("q", "").strip()[:100]
    rows = search_patients(db.session, current_user, name=name or None)
    return render_template("billing/index.html", patients=rows, q=name)


@bp.get("/patients/<int:patient_id>")
def patient(patient_id: int):
    """Benefits, estimates, GFEs, payment plans and superbills of one patient."""
    patient = load_patient(patient_id)
    history = benefits_svc.benefits_history(db.session, current_user, patient)
    day = today()
    plans = patient_plans(db.session, patient.id)
    db.session.commit()  # keep the audit records of these reads
    threshold = current_app.config["GFE_DISPUTE_THRESHOLD_CENTS"]
    superbill_form = SuperbillForm(data={"start": day.replace(month=1, day=1), "end": day})
    return render_template(
        "billing/patient.html", patient=patient, benefits=history,
        current=benefits_svc.benefits_as_of(db.session, patient, day),
        estimates=patient_estimates(db.session, patient.id),
        gfes=[(g, bill_check(db.session, g, threshold, day, practice().zone))
              for g in patient_gfes(db.session, patient.id)],
        plans=[(p, ledger(p, day)) for p in plans],
        missing=missing_facts(db.session, patient, day), superbill_form=superbill_form)


@bp.route("/patients/<int:patient_id>/benefits/new", methods=["GET", "POST"])
def new_benefits(patient_id: int):
    """Record the benefits verified with the payer (a new record; history is kept)."""
    patient = load_patient(patient_id)
    form = BenefitsForm(data={"as_of": today()})
    if form.validate_on_submit():
        entry = benefits_svc.BenefitsEntry(
            as_of=form.as_of.data, in_network=form.in_network.data == "1",
            deductible_cents=cents(form.deductible.data),
            deductible_met_cents=cents(form.deductible_met.data),
            coinsurance=form.coinsurance.data / 100,
            oop_max_cents=cents(form.oop_max.data), oop_met_cents=cents(form.oop_met.data),
            copay_office_visit_cents=cents(form.copay_office_visit.data),
            copay_psychotherapy_cents=cents(form.copay_psychotherapy.data),
            copay_monitoring_cents=cents(form.copay_monitoring.data),
            copay_bypasses_deductible=form.copay_bypasses_deductible.data,
            medication_covered=form.medication_covered.data,
            reference=form.reference.data or None)
        ok, _ = attempt(form, lambda: benefits_svc.add_benefits(
            db.session, current_user, patient, entry))
        if ok:
            flash("Benefits saved.", "success")
            return redirect(url_for(".patient", patient_id=patient.id))
    db.session.commit()  # the audited read
    return render_template("billing/benefits_form.html", patient=patient, form=form)
