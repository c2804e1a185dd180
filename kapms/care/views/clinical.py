"""Prescriber pages: medical intake and clearance, the plan, profile, prescriptions."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import CO_MEDICATIONS, CONTRAINDICATIONS
from kapms.care.forms import (
    AmendPlanForm,
    ClearanceForm,
    PrescriberProfileForm,
    PrescriptionForm,
    ReasonForm,
    RefillForm,
)
from kapms.care.models import Clearance, Prescription
from kapms.care.views.common import patient_as, thresholds
from kapms.errors import NotFound
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web.access import roles_required
from kapms.web.forms import attempt, attempt_and_flash


def _patient_url(patient_id: int) -> str:
    return url_for("patients.detail", patient_id=patient_id)


@bp.route("/patients/<int:patient_id>/clearance", methods=["GET", "POST"])
@roles_required("prescriber")
def clearance_new(patient_id: int):
    """Medical intake and the clearance decision (the patient's prescriber only)."""
    patient = patient_as(patient_id, "prescriber",
                         "Only the patient's prescriber records the clearance.")
    form = ClearanceForm()
    if form.validate_on_submit():
        data = care.ClearanceInput(
            decision=form.decision.data, reason=form.reason.data, screen=form.screen(),
            co_medications=form.co_medications(),
            co_medication_notes=form.co_medication_notes.data or None,
            bp_systolic=form.bp_systolic.data, bp_diastolic=form.bp_diastolic.data,
            heart_rate=form.heart_rate.data, spo2=form.spo2.data,
            override_reason=form.override_reason.data, dosing_count=form.dosing_count.data,
            product=form.product.data or None, route=form.route.data or None,
            dose_mg=form.dose_mg.data, expires_on=form.expires_on.data)
        ok, clearance = attempt(form, lambda: care.record_clearance(
            db.session, current_user, patient, data, thresholds()))
        if ok:
            flash(f"Clearance recorded: {clearance.decision_label}.", "success")
            return redirect(_patient_url(patient.id))
    db.session.commit()  # keep the audit record of the read
    return render_template("care/clearance_form.html", form=form, patient=patient,
                           contraindications=CONTRAINDICATIONS, co_medications=CO_MEDICATIONS)


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
    attempt_and_flash(lambda: care.revoke_clearance(
        db.session, current_user, patient, clearance, form.reason.data), "Clearance revoked.")
    return redirect(_patient_url(patient.id))


@bp.post("/clearances/<int:clearance_id>/amend")
@roles_required("prescriber")
def clearance_amend(clearance_id: int):
    """Change the plan's number of dosing sessions."""
    clearance, patient = _load_clearance(clearance_id)
    form = AmendPlanForm()
    if not form.validate_on_submit():
        flash("Give a number of dosing sessions between 1 and 36.", "danger")
        return redirect(_patient_url(patient.id))
    attempt_and_flash(lambda: care.amend_plan(
        db.session, current_user, patient, clearance, form.dosing_count.data,
        expected_version=form.version.data), "Treatment plan amended.")
    return redirect(_patient_url(patient.id))


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
    db.session.commit()
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
