"""Offer pages: the clinician opens an offer (a referral or an invitation) from their home
page, reads the patient's needs and why they were chosen, and accepts or declines it; the
coordinator, or the colleague who invited, may withdraw it."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.care.services import refresh_stage
from kapms.errors import NotFound
from kapms.extensions import db
from kapms.network.blueprint import bp
from kapms.network.cities import needs_for_diagnosis
from kapms.network.forms import ConfirmForm, DeclineForm
from kapms.network.services import referrals
from kapms.network.vocabulary import SPECIALTIES
from kapms.web.access import roles_required
from kapms.web.forms import attempt


def _load_offer(referral_id: int):
    try:
        return referrals.get_referral(db.session, current_user, referral_id)
    except NotFound:
        abort(404)


@bp.get("/offers/<int:referral_id>")
@roles_required("therapist", "prescriber", "admin")
def offer_detail(referral_id: int):
    """The offer as the clinician sees it, with accept and decline."""
    referral = _load_offer(referral_id)
    return _offer_page(referral, DeclineForm())


def _offer_page(referral, decline_form):
    needs = [SPECIALTIES[k] for k in needs_for_diagnosis(referral.patient.diagnosis_code)]
    return render_template("network/offer.html", referral=referral, needs=needs,
                           confirm=ConfirmForm(), decline_form=decline_form)


def _answer(referral_id: int, form, action):
    """Run ``action(referral)`` once for this submission; the referral, or None if refused."""
    referral = _load_offer(referral_id)

    def answer():
        action(referral)
        return referral  # what a twin of this request is answered with

    ok, _ = attempt(form, answer)
    return referral if ok else None


@bp.post("/offers/<int:referral_id>/accept")
@roles_required("therapist", "prescriber")
def accept_offer(referral_id: int):
    """Accept: join the care team."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    def accept(referral):
        referrals.accept_referral(db.session, current_user, referral, today=clinic_time.today())
        refresh_stage(db.session, referral.patient)

    done = _answer(referral_id, form, accept)
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
        return _offer_page(referral, form), 400
    done = _answer(referral_id, form, lambda r: referrals.decline_referral(
        db.session, current_user, r, form.reason.data))
    if done is None:
        return redirect(url_for(".offer_detail", referral_id=referral_id))
    flash("Offer declined; whoever made it has your reason.", "info")
    return redirect(url_for("web.dashboard"))


@bp.post("/offers/<int:referral_id>/withdraw")
@roles_required("therapist", "prescriber", "admin")
def withdraw_offer(referral_id: int):
    """The coordinator, or the colleague who invited, takes back an unanswered offer."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    done = _answer(referral_id, form, lambda r: referrals.withdraw_referral(
        db.session, current_user, r))
    if done is None:
        return redirect(url_for(".offer_detail", referral_id=referral_id))
    flash("Offer withdrawn.", "info")
    return redirect(url_for("patients.detail", patient_id=done.patient_id))
