"""Giving measures, trends, safety alerts and self-report links; the patient-page and
dashboard panels. Reports and the licensed-text upload live in report_views.py."""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.errors import NotFound, PermissionDenied
from kapms.extensions import db, limiter
from kapms.measures import links, scoring, services
from kapms.measures.cli import load_mbi_text_command
from kapms.measures.forms import AcknowledgeForm, LinkForm, VoidForm, answers_form_class
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import POINTS, Administration, SafetyAlert, SelfReportLink
from kapms.measures.report_views import admin_bp, reports_bp
from kapms.measures.trends import patient_trends
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web import panels
from kapms.web.access import guard_blueprint, public, roles_required
from kapms.web.filters import clinic_zone
from kapms.web.forms import attempt, attempt_and_flash, flash_form_errors, sent_before

bp = Blueprint("measures", __name__, url_prefix="/measures")
guard_blueprint(bp, "therapist", "prescriber")
self_report_bp = Blueprint("self_report", __name__)
bp.cli.add_command(load_mbi_text_command)  # flask measures load-mbi-text FILE
BLUEPRINTS = [bp, self_report_bp, reports_bp, admin_bp]
CLINICIANS = ("therapist", "prescriber")


def scoring_settings() -> scoring.Settings:
    """The clinic's scoring settings from the app config."""
    return services.settings_from_config(current_app.config)


def clinic_today():
    """Today's date in the clinic's time zone (what "today" means on a form)."""
    return datetime.now(clinic_zone()).date()


def _actor():
    return current_user._get_current_object()


def _answers_form(instrument: str, *, with_point: bool):
    if instrument not in INSTRUMENTS:
        abort(404)
    labels = services.item_labels(db.session, instrument)
    cls = answers_form_class(instrument, labels, services.option_labels(instrument),
                             with_point=with_point)
    return cls()


@bp.route("/patients/<int:patient_id>/record/<instrument>", methods=["GET", "POST"])
def record(patient_id: int, instrument: str):
    """A clinician records a patient's answers to one instrument at one point."""
    patient = get_patient(db.session, _actor(), patient_id, need=CLINICAL)
    db.session.commit()
    form = _answers_form(instrument, with_point=True)
    if not form.is_submitted():
        form.given_on.data = clinic_today()
        form.point.data = _first_due(patient, instrument)
    if form.validate_on_submit():
        ok, admin = attempt(form, lambda: services.record_administration(
            db.session, _actor(), patient, instrument, form.point.data, form.given_on.data,
            form.answers(), settings=scoring_settings(), today=clinic_today()))
        if ok:
            score = "" if admin.total is None else f": {admin.total}"
            flash(f"{instrument} recorded{score} ({admin.severity}).", "success")
            if admin.suicidal_ideation:
                flash("Item 9 was answered above 0: a safety alert is open for the care team.",
                      "danger")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    return render_template("measures/record.html", patient=patient, form=form,
                           instrument=INSTRUMENTS[instrument])


def _first_due(patient, instrument: str) -> str:
    """The point to preselect: the first one due for this instrument, else baseline."""
    rows = services.patient_administrations(db.session, _actor(), patient)
    db.session.commit()  # keep the audit row of this read
    schedule = services.measure_schedule(db.session, patient, rows)
    due = next((row.due for row in schedule if row.instrument == instrument), [])
    return due[0] if due else "baseline"


@bp.get("/patients/<int:patient_id>/trends")
@roles_required("therapist", "prescriber", "admin")
def trends(patient_id: int):
    """Scores over time per instrument: charts with the bands shaded, and tables."""
    actor = _actor()
    patient = get_patient(db.session, actor, patient_id, need=CLINICAL)
    return _trends_page(actor, patient)


def _trends_page(actor, patient, *, failed_id: int | None = None, failed_form=None):
    """The trends page; ``failed_form`` shows the refused entered-in-error form of the
    administration ``failed_id`` with its errors."""
    rows = services.patient_administrations(db.session, actor, patient)
    alerts = services.patient_alerts(db.session, patient.id)
    db.session.commit()  # keep the audit rows of this read
    return render_template("measures/trends.html", patient=patient,
                           trends=patient_trends(rows), alerts=alerts,
                           can_void=actor.has_role(*CLINICIANS), failed_id=failed_id,
                           failed_form=failed_form)


@bp.post("/administrations/<int:administration_id>/void")
def void(administration_id: int):
    """Mark one administration as entered in error, with a reason; back to the trends."""
    actor = _actor()
    admin = db.session.get(Administration, administration_id)
    if admin is None:
        abort(404)
    try:
        patient = get_patient(db.session, actor, admin.patient_id, need=CLINICAL)
    except (NotFound, PermissionDenied):
        db.session.commit()  # keep the audit row of the refused read
        raise
    db.session.commit()  # keep the audit row of the read, whatever the form says
    form = VoidForm()
    if form.validate_on_submit():
        ok, voided = attempt(form, lambda: services.void_administration(
            db.session, actor, administration_id, form.reason.data))
        if ok:
            flash(f"{voided.instrument} at {voided.point_label.lower()} marked as entered in "
                  "error; the point can be recorded again.", "success")
            alert = services.alert_for(db.session, voided.id)
            if alert is not None and alert.is_open:
                flash("The safety alert this measure raised stays open: check, then "
                      "acknowledge it on the patient page.", "danger")
            return redirect(url_for("measures.trends", patient_id=patient.id))
    return _trends_page(actor, patient, failed_id=administration_id, failed_form=form)


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):
    """Acknowledge a suicidal-ideation alert with a note; back to the patient page."""
    alert = db.session.get(SafetyAlert, alert_id)
    if alert is None:
        abort(404)
    patient_id = alert.patient_id
    # Someone else's patient is a 404 before anything about the form is said.
    get_patient(db.session, _actor(), patient_id, need=CLINICAL, audit=False)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        ok, _ = attempt(form, lambda: services.acknowledge_alert(
            db.session, _actor(), alert_id, form.note.data, version=form.loaded_version()))
        if ok:
            flash("Alert acknowledged.", "success")
    return redirect(url_for("patients.detail", patient_id=patient_id))


@bp.post("/patients/<int:patient_id>/links")
def create_link(patient_id: int):
    """Create a self-report link and show it once (only its hash is kept)."""
    actor = _actor()
    patient = get_patient(db.session, actor, patient_id, need=CLINICAL)
    form = LinkForm()
    if not form.validate_on_submit():
        db.session.commit()
        flash("Choose an instrument, a point and how long the link lasts (1-336 hours).",
              "danger")
        return redirect(url_for("patients.detail", patient_id=patient_id))
    # A twin of this request gets the link without its address: only the hash is kept.
    ok, created = attempt(form, lambda: links.create_link(
        db.session, actor, patient, form.instrument.data, form.point.data,
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
    attempt_and_flash(lambda: links.revoke_link(db.session, _actor(), link_id), "Link revoked.")
    return redirect(url_for("patients.detail", patient_id=patient_id))


def _self_report_limit():
    return current_app.config.get("MEASURES_SELF_REPORT_RATE_LIMIT", "30 per minute")


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
    form = _answers_form(link.instrument, with_point=False)
    if form.validate_on_submit():
        try:
            ok, _ = attempt(form, lambda: links.submit_self_report(
                db.session, token, form.answers(), settings=scoring_settings(),
                today=clinic_today()), reraise=(links.LinkRefused,))
        except links.LinkRefused:
            return render_template("measures/self_report_refused.html"), 410
        if ok:
            return render_template("measures/self_report_done.html")
    response = render_template("measures/self_report.html", form=form,
                               instrument=INSTRUMENTS[link.instrument],
                               first_name=link.patient.first_name)
    db.session.commit()  # keep the audit row of the opening
    return response


# --- panels on shared pages ---------------------------------------------------------

def patient_panels(user, patient=None, categories=frozenset(), **ctx):
    """Open alert (first), due measures, trends and links on the patient page."""
    if patient is None or CLINICAL not in categories:
        return []
    rows = services.patient_administrations(db.session, user, patient)
    alerts = services.open_alerts_for_patient(db.session, patient.id)
    is_clinician = user.has_role(*CLINICIANS)
    data = {
        "patient": patient, "trends": patient_trends(rows),
        "schedule": services.measure_schedule(db.session, patient, rows),
        "links": links.patient_links(db.session, patient.id) if is_clinician else [],
        "link_form": LinkForm(), "is_clinician": is_clinician,
        "now": datetime.now(UTC), "points": POINTS,
    }
    db.session.commit()  # keep the audit row of this read
    result = [panels.Panel("measures/_patient_panel.html", data, order=30)]
    if alerts:
        result.append(panels.Panel("measures/_alert_panel.html",
                                   {"alerts": alerts, "form": AcknowledgeForm(),
                                    "is_clinician": is_clinician}, order=0))
    return result


def dashboard_panels(user, **ctx):
    """Open safety alerts of the user's care-team patients."""
    alerts = services.open_alerts_for_care_team(db.session, user)
    if not alerts:
        return []
    db.session.commit()  # keep the audit rows of this read
    return [panels.Panel("measures/_dashboard_alerts.html", {"alerts": alerts}, order=0)]


panels.register(panels.PATIENT_PAGE, patient_panels)
panels.register(panels.DASHBOARD, dashboard_panels)
