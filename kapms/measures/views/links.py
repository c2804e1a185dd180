"""Self-report links: the clinician creates and revokes them; the patient fills the one
measure through the link without signing in."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from kapms import clinic_time
from kapms.extensions import db, limiter
from kapms.measures.blueprint import actor, bp, scoring_settings, self_report_bp
from kapms.measures.forms import LinkForm
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import SelfReportLink
from kapms.measures.services import links
from kapms.measures.views.clinical import answers_form
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web.access import public
from kapms.web.forms import attempt, attempt_and_flash, sent_before


@bp.post("/patients/<int:patient_id>/links")
def create_link(patient_id: int):
    """Create a self-report link and show it once (only its hash is kept)."""
    user = actor()
    patient = get_patient(db.session, user, patient_id, need=CLINICAL)
    form = LinkForm()
    if not form.validate_on_submit():
        db.session.commit()
        flash("Choose an instrument, a point and how long the link lasts "
              f"(1-{links.MAX_TTL_HOURS} hours).",
              "danger")
        return redirect(url_for("patients.detail", patient_id=patient_id))
    # A twin of this request gets the link without its address: only the hash is kept.
    ok, created = attempt(form, lambda: links.create_link(
        db.session, user, patient, form.instrument.data, form.point.data,
        ttl_hours=form.ttl_hours.data), replay=lambda link: (link, None))
    link, token = created if ok else (None, None)
    if token is None:
        return redirect(url_for("patients.detail", patient_id=patient_id))
    url = url_for("self_report.fill", token=token, _external=True)
    return render_template("measures/link_created.html", patient=patient, link=link, url=url)


@bp.post("/links/<int:link_id>/revoke")
def revoke_link(link_id: int):
    """Revoke an unused self-report link."""
    link = db.session.get(SelfReportLink, link_id)
    if link is None:
        abort(404)
    patient_id = link.patient_id
    attempt_and_flash(lambda: links.revoke_link(db.session, actor(), link_id), "Link revoked.")
    return redirect(url_for("patients.detail", patient_id=patient_id))


def _self_report_limit():
    return current_app.config["MEASURES_SELF_REPORT_RATE_LIMIT"]


@self_report_bp.route("/m/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_self_report_limit)
def fill(token: str):
    """The patient's own questionnaire: no login, nothing but the instrument."""
    try:
        link = links.open_link(db.session, token, audit_open=request.method == "GET")
    except links.LinkRefused:
        db.session.commit()  # keep the audit row of the refusal
        if sent_before():  # a twin of the submission that used the link
            return render_template("measures/self_report_done.html")
        return render_template("measures/self_report_refused.html"), 410
    form = answers_form(link.instrument, with_point=False)
    if form.validate_on_submit():
        try:
            ok, _ = attempt(form, lambda: links.submit_self_report(
                db.session, token, form.answers(), settings=scoring_settings(),
                today=clinic_time.today()), reraise=(links.LinkRefused,))
        except links.LinkRefused:
            return render_template("measures/self_report_refused.html"), 410
        if ok:
            return render_template("measures/self_report_done.html")
    response = render_template("measures/self_report.html", form=form,
                               instrument=INSTRUMENTS[link.instrument],
                               first_name=link.patient.first_name)
    db.session.commit()  # keep the audit row of the opening
    return response
