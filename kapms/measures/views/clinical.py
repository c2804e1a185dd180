"""Giving measures (clinician), trends, marking entered in error, acknowledging alerts."""

from flask import abort, flash, redirect, render_template, url_for

from kapms import clinic_time
from kapms.errors import NotFound, PermissionDenied
from kapms.extensions import db
from kapms.measures import services
from kapms.measures.blueprint import CLINICIANS, actor, bp, scoring_settings
from kapms.measures.forms import AcknowledgeForm, VoidForm, answers_form_class
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import Administration, SafetyAlert
from kapms.measures.trends import patient_trends
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web.access import roles_required
from kapms.web.forms import attempt, flash_form_errors


def answers_form(instrument: str, *, with_point: bool):
    if instrument not in INSTRUMENTS:
        abort(404)
    labels = services.item_labels(db.session, instrument)
    cls = answers_form_class(instrument, labels, services.option_labels(instrument),
                             with_point=with_point)
    return cls()


@bp.route("/patients/<int:patient_id>/record/<instrument>", methods=["GET", "POST"])
def record(patient_id: int, instrument: str):
    """A clinician records a patient's answers to one instrument at one point."""
    patient = get_patient(db.session, actor(), patient_id, need=CLINICAL)
    db.session.commit()
    form = answers_form(instrument, with_point=True)
    if not form.is_submitted():
        form.given_on.data = clinic_time.today()
        form.point.data = _first_due(patient, instrument)
    if form.validate_on_submit():
        ok, admin = attempt(form, lambda: services.record_administration(
            db.session, actor(), patient, instrument, form.point.data, form.given_on.data,
            form.answers(), settings=scoring_settings(), today=clinic_time.today()))
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
    rows = services.patient_administrations(db.session, actor(), patient)
    db.session.commit()  # keep the audit row of this read
    schedule = services.measure_schedule(db.session, patient, rows)
    due = next((row.due for row in schedule if row.instrument == instrument), [])
    return due[0] if due else "baseline"


@bp.get("/patients/<int:patient_id>/trends")
@roles_required("therapist", "prescriber", "admin")
def trends(patient_id: int):
    """Scores over time per instrument: charts with the bands shaded, and tables."""
    user = actor()
    patient = get_patient(db.session, user, patient_id, need=CLINICAL)
    return _trends_page(user, patient)


def _trends_page(user, patient, *, failed_id: int | None = None, failed_form=None):
    """The trends page; ``failed_form`` shows the refused entered-in-error form of the
    administration ``failed_id`` with its errors."""
    rows = services.patient_administrations(db.session, user, patient)
    alerts = services.patient_alerts(db.session, patient.id)
    db.session.commit()  # keep the audit rows of this read
    return render_template("measures/trends.html", patient=patient,
                           trends=patient_trends(rows), alerts=alerts,
                           can_void=user.has_role(*CLINICIANS), failed_id=failed_id,
                           failed_form=failed_form)


@bp.post("/administrations/<int:administration_id>/void")
def void(administration_id: int):
    """Mark one administration as entered in error, with a reason; back to the trends."""
    user = actor()
    admin = db.session.get(Administration, administration_id)
    if admin is None:
        abort(404)
    try:
        patient = get_patient(db.session, user, admin.patient_id, need=CLINICAL)
    except (NotFound, PermissionDenied):
        db.session.commit()  # keep the audit row of the refused read
        raise
    db.session.commit()  # keep the audit row of the read, whatever the form says
    form = VoidForm()
    if form.validate_on_submit():
        ok, voided = attempt(form, lambda: services.void_administration(
            db.session, user, administration_id, form.reason.data))
        if ok:
            flash(f"{voided.instrument} at {voided.point_label.lower()} marked as entered in "
                  "error; the point can be recorded again.", "success")
            alert = services.alert_for(db.session, voided.id)
            if alert is not None and alert.is_open:
                flash("The safety alert this measure raised stays open: check, then "
                      "acknowledge it on the patient page.", "danger")
            return redirect(url_for("measures.trends", patient_id=patient.id))
    return _trends_page(user, patient, failed_id=administration_id, failed_form=form)


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):
    """Acknowledge a suicidal-ideation alert with a note; back to the patient page."""
    alert = db.session.get(SafetyAlert, alert_id)
    if alert is None:
        abort(404)
    patient_id = alert.patient_id
    # Someone else's patient is a 404 before anything about the form is said.
    get_patient(db.session, actor(), patient_id, need=CLINICAL, audit=False)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        ok, _ = attempt(form, lambda: services.acknowledge_alert(
            db.session, actor(), alert_id, form.note.data, version=form.loaded_version()))
        if ok:
            flash("Alert acknowledged.", "success")
    return redirect(url_for("patients.detail", patient_id=patient_id))
