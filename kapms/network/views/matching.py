"""Matching pages: a coordinator (admin) searches for a therapist, for a patient or
anonymously, offers the patient from the results, and offers eligible prescribers.
"""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.errors import NotFound
from kapms.extensions import db
from kapms.insurance.services import plan_choices
from kapms.network.blueprint import bp
from kapms.network.cities import needs_for_diagnosis
from kapms.network.forms import MatchForm, OfferForm
from kapms.network.matching import CRITERION_LABELS, RADIUS_MILES, MatchRequest, Weights
from kapms.network.services import profiles, referrals, search
from kapms.patients.access import CLINICAL
from kapms.patients.models import CARE_TEAM_ROLES
from kapms.patients.services import get_patient
from kapms.web import confirm
from kapms.web.edge import id_arg
from kapms.web.forms import attempt


def _patient_prefill(patient) -> dict:
    return {"patient_id": patient.id, "state": patient.state, "plan_id": patient.plan_id or 0,
            "modality": patient.care_modality, "latitude": patient.latitude, "longitude": patient.longitude,
            "language": patient.preferred_language,
            "needs": needs_for_diagnosis(patient.diagnosis_code)}


@bp.get("/match")
def match():
    """The match request form and, once valid, ranked results with reasons."""
    patient = None
    patient_id = id_arg("patient_id")
    if patient_id:
        patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    submitted = "state" in request.args
    form = MatchForm(formdata=request.args if submitted else None,
                     data=_patient_prefill(patient) if patient else None)
    form.plan_id.choices = plan_choices(db.session)
    outcome = None
    if (submitted or patient) and form.validate():
        lat, lon = form.location()
        req = MatchRequest(
            state=form.state.data, plan_id=form.plan_id.data or None, today=clinic_time.today(),
            modality=form.modality.data, latitude=lat, longitude=lon,
            max_distance_miles=float(form.max_distance.data or RADIUS_MILES),
            needs=frozenset(form.needs.data or []),
            language=(form.language.data or "").strip() or None,
            weights=Weights.from_config(current_app.config))
        outcome = search.match_request(db.session, req)
    return render_template("network/match.html", form=form, patient=patient, outcome=outcome,
                           offer_form=OfferForm())


@bp.post("/patients/<int:patient_id>/offer")
def offer(patient_id: int):
    """Offer the patient to a clinician as therapist or prescriber."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    form = OfferForm()
    back = url_for(".match", patient_id=patient.id)
    clinician = None
    if form.validate_on_submit() and form.role.data in CARE_TEAM_ROLES:
        try:
            clinician = profiles.get_clinician(db.session, form.clinician_id.data)
        except NotFound:
            pass
    if clinician is None:
        flash("The offer was incomplete; pick a clinician from the list.", "danger")
        return redirect(back)
    if not confirm.confirmed():
        role = "therapist" if form.role.data == "therapist" else "prescriber"
        return confirm.ask(
            "Send this referral offer?",
            f"{patient.full_name} is offered to {clinician.display_name} as {role}"
            f"{', paying privately' if form.private_pay.data == '1' else ''}. They are "
            "told, and the place is held until they answer.",
            details=[f"Note: {form.note.data}"] if form.note.data else [],
            confirm_label="Yes, send the offer", back_url=back, danger=False)
    ok, _ = attempt(form, lambda: referrals.offer_referral(
        db.session, current_user, patient, clinician, form.role.data, note=form.note.data,
        today=clinic_time.today(), private_pay=form.private_pay.data == "1",
        override_reason=form.override_reason.data,
        expiry_days=current_app.config["OFFER_EXPIRY_DAYS"]))
    if not ok:
        return redirect(back)
    flash(f"{patient.full_name} was offered to {clinician.full_name}.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/patients/<int:patient_id>/prescribers")
def prescribers(patient_id: int):
    """Prescribers who may join the patient's team (the eligibility rule), to offer to."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    req = search.patient_request(patient, clinic_time.today())
    rows, emptied_by = search.eligible_clinicians(db.session, req, "prescriber")
    return render_template("network/prescribers.html", patient=patient, rows=rows,
                           emptied_by=emptied_by and CRITERION_LABELS[emptied_by],
                           offer_form=OfferForm())
