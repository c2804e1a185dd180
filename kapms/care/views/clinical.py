"""Prescriber pages: medical intake and clearance (and its read-only page and PDF), the
plan's versions and change requests, the prescriber profile, prescriptions."""

from datetime import UTC, datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import CO_MEDICATIONS, CONTRAINDICATIONS, DECISIONS, PRODUCTS, ROUTES
from kapms.care.forms import (
    ClearanceForm,
    DeclineForm,
    PlanForm,
    PrescriberProfileForm,
    PrescriptionForm,
    ReasonForm,
    RefillForm,
)
from kapms.care.models import Clearance, Prescription
from kapms.care.pdf import clearance_pdf_bytes
from kapms.care.views.common import patient_as, thresholds
from kapms.errors import DomainError, NotFound
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web import confirm, panels
from kapms.web.access import roles_required
from kapms.web.forms import attempt, attempt_and_flash, show_domain_error


def _patient_url(patient_id: int) -> str:
    return url_for("patients.detail", patient_id=patient_id)


@bp.route("/patients/<int:patient_id>/clearance", methods=["GET", "POST"])
@roles_required("prescriber")
def clearance_new(patient_id: int):
    """Medical intake and the clearance decision (the patient's prescriber only)."""
    patient = patient_as(patient_id, "prescriber",
                         "Only the patient's prescriber records the clearance.")
    # Other domains' sections beside the screen (the patient's intake answers, consents);
    # on a first view their prefill answers the screen, for the prescriber to review.
    side = panels.collect(panels.CLEARANCE_PAGE, current_user, patient=patient)
    prefill = {k: v for p in side for k, v in p.data.get("prefill", {}).items()}
    form = ClearanceForm(data=prefill if request.method == "GET" else None)
    if form.validate_on_submit():
        data = care.ClearanceInput(
            decision=form.decision.data, reason=form.reason.data, screen=form.screen(),
            co_medications=form.co_medications(),
            co_medication_notes=form.co_medication_notes.data or None,
            bp_systolic=form.bp_systolic.data, bp_diastolic=form.bp_diastolic.data,
            heart_rate=form.heart_rate.data, spo2=form.spo2.data, weight_kg=form.weight_kg.data,
            override_reason=form.override_reason.data, dosing_count=form.dosing_count.data,
            product=form.product.data or None, route=form.route.data or None,
            dose_mg=form.dose_mg.data, expires_on=form.expires_on.data)
        try:  # the rules first: confirm only a decision that will be saved
            care.check_clearance(data, thresholds(), clinic_time.today(), db.session, patient.id)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            if not confirm.confirmed():
                return confirm.ask(
                    "Record this clearance decision?",
                    f"{DECISIONS.get(data.decision, data.decision)} for {patient.full_name}. "
                    "A decision is not edited afterwards: it is revoked, or the plan changed "
                    "in a new version.", details=_decision_details(form),
                    confirm_label="Yes, record the decision",
                    back_url=_patient_url(patient.id), danger=False)
            ok, clearance = attempt(form, lambda: care.record_clearance(
                db.session, current_user, patient, data, thresholds()))
            if ok:
                flash(f"Clearance recorded: {clearance.decision_label}.", "success")
                return redirect(url_for("care.clearance_detail", clearance_id=clearance.id))
    warning = care.baseline_warning(db.session, patient)
    return render_template("care/clearance_form.html", form=form, patient=patient,
                           contraindications=CONTRAINDICATIONS, co_medications=CO_MEDICATIONS,
                           baseline_warning=warning, side_panels=side)


def _decision_details(form) -> list[str]:
    """The decision in words, for the confirmation step."""
    details = [f"Reason: {form.reason.data}"]
    if form.decision.data == "cleared":
        details.append(f"Plan: {form.dosing_count.data} dosings, "
                       f"{PRODUCTS.get(form.product.data, form.product.data)}, "
                       f"{ROUTES.get(form.route.data, form.route.data)}, {form.dose_mg.data} mg")
    if form.override_reason.data:
        details.append(f"Override: {form.override_reason.data}")
    return details


@bp.get("/clearances/<int:clearance_id>")
def clearance_detail(clearance_id: int):
    """The clearance as decided, read-only: the screen item by item, baseline, decision,
    overrides and every plan version (the care team and admins)."""
    clearance, patient = care.read_clearance(db.session, current_user, clearance_id)
    return render_template("care/clearance.html", clearance=clearance, patient=patient,
                           contraindications=CONTRAINDICATIONS, co_medications=CO_MEDICATIONS,
                           is_prescriber=care.on_team(current_user, patient, "prescriber"))


@bp.get("/clearances/<int:clearance_id>.pdf")
def clearance_pdf(clearance_id: int):
    """The clearance as a PDF (the print is audited)."""
    clearance, patient = care.read_clearance(db.session, current_user, clearance_id,
                                             printing=True)
    db.session.commit()  # the audit row first: rendering must not hold a write lock
    pdf = clearance_pdf_bytes(clearance, patient, datetime.now(UTC))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="clearance-{clearance.id}.pdf"'})


def _load_clearance(clearance_id: int):
    clearance = db.session.get(Clearance, clearance_id)
    if clearance is None:
        raise NotFound("No such clearance.")
    return clearance, get_patient(db.session, current_user, clearance.patient_id, need=CLINICAL)


@bp.post("/clearances/<int:clearance_id>/revoke")
@roles_required("prescriber")
def clearance_revoke(clearance_id: int):
    """Revoke a clearance (reason required): no further dosing."""
    clearance, patient = _load_clearance(clearance_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give the reason for revoking.", "danger")
        return redirect(_patient_url(patient.id))
    if not confirm.confirmed():
        return confirm.ask("Revoke this clearance?",
                           f"No further dosing for {patient.full_name} until a new clearance.",
                           details=[f"Reason: {form.reason.data}"],
                           confirm_label="Yes, revoke the clearance",
                           back_url=_patient_url(patient.id))
    attempt_and_flash(lambda: care.revoke_clearance(
        db.session, current_user, patient, clearance, form.reason.data), "Clearance revoked.")
    return redirect(_patient_url(patient.id))


def _plan_form(clearance, request=None) -> PlanForm:
    """The plan form filled with the current plan (and a request's proposal)."""
    plan = clearance.plan
    form = PlanForm(formdata=None, obj=plan, plan_number=str(plan.number))
    form.reason.data = None  # a new version needs its own reason
    if request is not None:
        for name in ("dosing_count", "product", "route", "dose_mg"):
            if getattr(request, name) is not None:
                form[name].data = getattr(request, name)
        form.request_version.data = str(request.version)
    return form


def _plan_page(clearance, patient, form, request=None, decline_form=None, status=200):
    requests = care.open_plan_request(db.session, patient.id)
    return render_template("care/plan.html", clearance=clearance, patient=patient, form=form,
                           request=request, open_request=requests,
                           decline_form=decline_form or DeclineForm(formdata=None)), status


def _plan_input(form) -> care.PlanInput:
    return care.PlanInput(dosing_count=form.dosing_count.data, product=form.product.data,
                          route=form.route.data, dose_mg=form.dose_mg.data,
                          expires_on=form.expires_on.data,
                          maintenance_dosings=form.maintenance_dosings.data or 0)


@bp.route("/clearances/<int:clearance_id>/plan", methods=["GET", "POST"])
@roles_required("prescriber")
def plan_revise(clearance_id: int):
    """The plan's versions, and a new version with its reason (the patient's prescriber)."""
    clearance, patient = _load_clearance(clearance_id)
    care.own_clearance(current_user, patient, clearance, "change the treatment plan")
    if clearance.plan is None:
        raise NotFound("This clearance has no plan.")
    form = PlanForm() if request.method == "POST" else _plan_form(clearance)
    if form.validate_on_submit():
        ok, version = attempt(form, lambda: care.revise_plan(
            db.session, current_user, patient, clearance, _plan_input(form), form.reason.data,
            form.loaded_plan()))
        if ok:
            flash(f"Plan version {version.number} saved.", "success")
            return redirect(url_for("care.plan_revise", clearance_id=clearance.id))
        clearance, patient = _load_clearance(clearance_id)
    return _plan_page(clearance, patient, form)


@bp.route("/plan-requests/<int:request_id>", methods=["GET", "POST"])
@roles_required("prescriber")
def plan_request_decide(request_id: int):
    """A plan change request: approve it as a new plan version (adjustable) or decline."""
    plan_request = care.get_plan_request(db.session, request_id)
    clearance, patient = _load_clearance(plan_request.clearance_id)
    care.own_clearance(current_user, patient, clearance, "decide plan change requests")
    form = PlanForm() if request.method == "POST" else _plan_form(clearance, plan_request)
    if form.validate_on_submit():
        ok, version = attempt(form, lambda: care.approve_plan_request(
            db.session, current_user, patient, plan_request, _plan_input(form),
            form.reason.data, form.loaded_plan(), form.loaded_request()))
        if ok:
            flash(f"Request approved as plan version {version.number}.", "success")
            return redirect(url_for("care.plan_revise", clearance_id=clearance.id))
        plan_request = care.get_plan_request(db.session, request_id)
        clearance, patient = _load_clearance(plan_request.clearance_id)
    return _plan_page(clearance, patient, form, plan_request)


@bp.post("/plan-requests/<int:request_id>/decline")
@roles_required("prescriber")
def plan_request_decline(request_id: int):
    """Decline a plan change request with a note."""
    plan_request = care.get_plan_request(db.session, request_id)
    clearance, patient = _load_clearance(plan_request.clearance_id)
    form = DeclineForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.decline_plan_request(
            db.session, current_user, patient, plan_request, form.note.data,
            form.loaded_version()))
        if ok:
            flash("Request declined.", "success")
            return redirect(url_for("care.plan_revise", clearance_id=clearance.id))
        plan_request = care.get_plan_request(db.session, request_id)
        clearance, patient = _load_clearance(plan_request.clearance_id)
    return _plan_page(clearance, patient, _plan_form(clearance, plan_request), plan_request,
                      decline_form=form)


@bp.route("/profile", methods=["GET", "POST"])
@roles_required("prescriber")
def prescriber_profile():
    """The prescriber's own DEA number and practice address."""
    profile = care.prescriber_profile(db.session, current_user.id)
    form = PrescriberProfileForm(obj=profile)
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.save_prescriber_profile(
            db.session, current_user, form.dea_number.data, form.practice_address.data))
        if ok:
            flash("Prescriber profile saved.", "success")
            return redirect(url_for("care.prescriber_profile"))
    return render_template("care/profile.html", form=form)


@bp.route("/patients/<int:patient_id>/prescriptions/new", methods=["GET", "POST"])
@roles_required("prescriber")
def prescription_new(patient_id: int):
    """Record a prescription (the patient's prescriber)."""
    patient = patient_as(patient_id, "prescriber",
                         "Only the patient's prescriber writes prescriptions.")
    form = PrescriptionForm()
    if form.validate_on_submit():
        data = care.PrescriptionInput(
            issued_on=form.issued_on.data, drug_name=form.drug_name.data,
            strength=form.strength.data, dosage_form=form.dosage_form.data,
            quantity=form.quantity.data, directions=form.directions.data,
            refills_authorized=form.refills_authorized.data)
        ok, _ = attempt(form, lambda: care.record_prescription(
            db.session, current_user, patient, data))
        if ok:
            flash("Prescription recorded.", "success")
            return redirect(_patient_url(patient.id))
    return render_template("care/prescription_form.html", form=form, patient=patient)


@bp.post("/prescriptions/<int:rx_id>/refill")
@roles_required("prescriber")
def prescription_refill(rx_id: int):
    """Record a refill (refused beyond 5 or 6 months)."""
    rx = db.session.get(Prescription, rx_id)
    if rx is None:
        raise NotFound("No such prescription.")
    patient = get_patient(db.session, current_user, rx.patient_id, need=CLINICAL)
    form = RefillForm()
    if not form.validate_on_submit():
        flash("Enter the date the refill was dispensed.", "danger")
        return redirect(_patient_url(patient.id))
    attempt_and_flash(lambda: care.record_refill(
        db.session, current_user, patient, rx, form.dispensed_on.data), "Refill recorded.")
    return redirect(_patient_url(patient.id))
