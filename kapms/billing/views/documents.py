"""Estimates, Good Faith Estimates and superbills: create, view, print (all audited)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.billing.blueprint import bp
from kapms.billing.forms import EstimateForm, GfeForm, SuperbillForm
from kapms.billing.services import estimates as est_svc
from kapms.billing.services import gfe as gfe_svc
from kapms.billing.services.superbills import build_superbill
from kapms.billing.services.watch import check_gfe
from kapms.billing.views.common import (
    for_print,
    load_patient,
    pdf_response,
    policy,
    practice,
    today,
)
from kapms.errors import DomainError
from kapms.extensions import db
from kapms.icd10 import ICD10_LABELS
from kapms.web.forms import attempt


@bp.route("/patients/<int:patient_id>/estimates/new", methods=["GET", "POST"])
def new_estimate(patient_id: int):
    """Compute and save a new version of the whole-course estimate."""
    patient = load_patient(patient_id)
    form = EstimateForm(data={"start_date": today(), "dosing_minutes": policy().dosing_minutes})
    missing = est_svc.missing_facts(db.session, patient, today())
    if form.validate_on_submit():
        request_ = est_svc.EstimateRequest(
            form.start_date.data, form.basis.data, session_minutes=form.session_minutes.data,
            dosing_minutes=form.dosing_minutes.data, dosing_setting=form.dosing_setting.data,
            compare_networks=form.compare_networks.data)
        ok, estimate = attempt(form, lambda: est_svc.create_estimate(
            db.session, current_user, patient, request_, today(), policy()))
        if ok:
            flash(f"Estimate version {estimate.version} saved.", "success")
            return redirect(url_for(".estimate", estimate_id=estimate.id))
    return render_template("billing/estimate_form.html", patient=patient, form=form,
                           missing=missing)


@bp.get("/estimates/<int:estimate_id>")
def estimate(estimate_id: int):
    """One estimate version, both scenarios itemised."""
    estimate = est_svc.get_estimate(db.session, current_user, estimate_id)
    versions = est_svc.patient_estimates(db.session, estimate.patient_id)
    return render_template("billing/estimate.html", estimate=estimate, versions=versions)


@bp.get("/estimates/<int:estimate_id>.pdf")
def estimate_pdf(estimate_id: int):
    """The estimate as a PDF for the patient."""
    estimate = est_svc.get_estimate(db.session, current_user, estimate_id, action="print")
    db.session.commit()
    return pdf_response("estimate.html", f"estimate-{estimate.patient_id}-v{estimate.version}.pdf",
                        estimate=estimate)


@bp.route("/patients/<int:patient_id>/gfe/new", methods=["GET", "POST"])
def new_gfe(patient_id: int):
    """Issue a Good Faith Estimate to a self-pay or uninsured patient."""
    patient = load_patient(patient_id)
    form = GfeForm(data={"primary_service_date": today(), "scheduled_on": today(),
                         "dosing_minutes": policy().dosing_minutes,
                         "diagnosis_code": patient.diagnosis_code
                         if patient.diagnosis_code in ICD10_LABELS else None})
    if form.validate_on_submit():
        request_ = gfe_svc.GfeRequest(
            primary_service_date=form.primary_service_date.data,
            scheduled_on=form.scheduled_on.data, requested_on=form.requested_on.data,
            dosings=form.dosings.data, diagnosis_code=form.diagnosis_code.data,
            separately_scheduled=form.separately_scheduled.data,
            self_pay_election=form.self_pay_election.data,
            dosing_minutes=form.dosing_minutes.data, dosing_setting=form.dosing_setting.data)
        ok, gfe = attempt(form, lambda: gfe_svc.create_gfe(
            db.session, current_user, patient, request_, practice(), today(), policy()))
        if ok:
            flash("Good Faith Estimate issued.", "success")
            return redirect(url_for(".gfe", gfe_id=gfe.id))
    return render_template("billing/gfe_form.html", patient=patient, form=form)


@bp.get("/gfe/<int:gfe_id>")
def gfe(gfe_id: int):
    """A Good Faith Estimate, with billed vs estimated per provider and a warning when a
    provider's bill runs $400 or more over it."""
    gfe = gfe_svc.get_gfe(db.session, current_user, gfe_id)
    check = check_gfe(db.session, gfe, today(), practice().zone, policy())
    return render_template("billing/gfe.html", gfe=gfe, check=check, policy=policy())


@bp.get("/gfe/<int:gfe_id>.pdf")
def gfe_pdf(gfe_id: int):
    """The Good Faith Estimate as a PDF for the patient."""
    gfe, refused = for_print(lambda: gfe_svc.get_gfe(db.session, current_user, gfe_id,
                                                      action="print"),
                             url_for(".gfe", gfe_id=gfe_id))
    if refused:
        return refused
    db.session.commit()
    return pdf_response("gfe.html", f"good-faith-estimate-{gfe.id}.pdf", gfe=gfe,
                        threshold=policy().gfe_dispute_cents)


@bp.get("/patients/<int:patient_id>/superbill.pdf")
def superbill(patient_id: int):
    """The superbill for a date range (query ``start`` and ``end``) as a PDF."""
    patient = load_patient(patient_id)
    form = SuperbillForm(request.args)
    if not form.validate():
        abort(400)
    try:
        bill = build_superbill(db.session, current_user, patient, form.start.data,
                               form.end.data, practice(), policy())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for(".patient", patient_id=patient_id))
    db.session.commit()
    return pdf_response("superbill.html",
                        f"superbill-{patient.id}-{bill.start}-{bill.end}.pdf", bill=bill)
