"""Matching and referral pages (routes on the network blueprint).

A coordinator (admin) searches for a therapist, for a patient or anonymously, offers the
patient from the results, and assigns prescribers by state licence; the clinician opens
the offer from their dashboard and accepts or declines it.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.errors import NotFound
from kapms.extensions import db
from kapms.insurance.services import plan_choices
from kapms.network import referrals, search, services
from kapms.network.cities import needs_for_diagnosis
from kapms.network.forms import ConfirmForm, DeclineForm, MatchForm, OfferForm
from kapms.network.matching import MatchRequest
from kapms.network.views import bp, clinic_today
from kapms.patients.access import CLINICAL
from kapms.patients.models import CARE_TEAM_ROLES
from kapms.patients.services import get_patient
from kapms.web.access import roles_required
from kapms.web.edge import id_arg
from kapms.web.forms import attempt


def _patient_prefill(patient) -> dict:
    return {"patient_id": patient.id, "state": patient.state, "plan_id": patient.plan_id or 0,
            "modality": "either", "latitude": patient.latitude, "longitude": patient.longitude,
            "language": patient.preferred_language,
            "needs": needs_for_diagnosis(patient.diagnosis_code)}


@bp.get("/match")
def match():
    """The match request form and, once valid, ranked results with reasons."""
    patient = None
    patient_id = id_arg("patient_id")
    if patient_id:
        patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
        db.session.commit()  # keep the audit record of this read
    submitted = "state" in request.args
    form = MatchForm(formdata=request.args if submitted else None,
                     data=_patient_prefill(patient) if patient else None)
    form.plan_id.choices = plan_choices(db.session)
    outcome = None
    if (submitted or patient) and form.validate():
        lat, lon = form.location()
        req = MatchRequest(
            state=form.state.data, plan_id=form.plan_id.data or None, today=clinic_today(),
            modality=form.modality.data, latitude=lat, longitude=lon,
            max_distance_miles=float(form.max_distance.data or 25),
            needs=frozenset(form.needs.data or []),
            language=(form.language.data or "").strip() or None)
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
            clinician = services.get_clinician(db.session, form.clinician_id.data)
        except NotFound:
            pass
    if clinician is None:
        db.session.commit()
        flash("The offer was incomplete; pick a clinician from the list.", "danger")
        return redirect(back)
    ok, referral = attempt(form, lambda: referrals.offer_referral(
        db.session, current_user, patient, clinician, form.role.data, note=form.note.data,
        today=clinic_today()))
    if not ok:
        return redirect(back)
    flash(f"{patient.full_name} was offered to {referral.clinician.full_name}.", "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))


@bp.get("/patients/<int:patient_id>/prescribers")
def prescribers(patient_id: int):
    """Prescribers licensed in the patient's state with room, to offer the patient to."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    db.session.commit()
    rows = search.licensed_prescribers(db.session, patient.state, clinic_today())
    return render_template("network/prescribers.html", patient=patient, rows=rows,
                           offer_form=OfferForm())


def _load_offer(referral_id: int):
    try:
        return referrals.get_referral(db.session, current_user, referral_id)
    except NotFound:
        db.session.commit()  # keep the audit record of the refused read
        abort(404)


@bp.get("/offers/<int:referral_id>")
@roles_required("therapist", "prescriber", "admin")
def offer_detail(referral_id: int):
    """The offer as the clinician sees it, with accept and decline."""
    referral = _load_offer(referral_id)
    db.session.commit()
    return render_template("network/offer.html", referral=referral, confirm=ConfirmForm(),
                           decline_form=DeclineForm())


def _answer(referral_id: int, form, action):
    """Run ``action(referral)`` once for this submission; the referral, or None if refused."""
    referral = _load_offer(referral_id)
    ok, _ = attempt(form, lambda: action(referral))
    return referral if ok else None


@bp.post("/offers/<int:referral_id>/accept")
@roles_required("therapist", "prescriber")
def accept_offer(referral_id: int):
    """Accept: join the care team."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    done = _answer(referral_id, form, lambda r: referrals.accept_referral(
        db.session, current_user, r, today=clinic_today()))
    if done is None:
        return redirect(url_for(".offer_detail", referral_id=referral_id))
    flash(f"You are now on {done.patient.full_name}'s care team.", "success")
    return redirect(url_for("patients.detail", patient_id=done.patient_id))


@bp.post("/offers/<int:referral_id>/decline")
@roles_required("therapist", "prescriber")
def decline_offer(referral_id: int):
    """Decline with a reason."""
    form = DeclineForm()
    if not form.validate_on_submit():
        referral = _load_offer(referral_id)
        db.session.commit()
        return render_template("network/offer.html", referral=referral, confirm=ConfirmForm(),
                               decline_form=form), 400
    done = _answer(referral_id, form, lambda r: referrals.decline_referral(
        db.session, current_user, r, form.reason.data))
    if done is None:
        return redirect(url_for(".offer_detail", referral_id=referral_id))
    flash("Offer declined; the coordinator has your reason.", "info")
    return redirect(url_for("web.dashboard"))


@bp.post("/offers/<int:referral_id>/withdraw")
def withdraw_offer(referral_id: int):
    """The coordinator takes back an unanswered offer."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    done = _answer(referral_id, form, lambda r: referrals.withdraw_referral(
        db.session, current_user, r))
    if done is None:
        return redirect(url_for(".offer_detail", referral_id=referral_id))
    flash("Offer withdrawn.", "info")
    return redirect(url_for("patients.detail", patient_id=done.patient_id))
