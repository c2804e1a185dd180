"""The portal's home: what is next and what is waiting; appointments as .ics; the
chaperone of a telehealth or at-home dosing."""

from flask import current_app, flash, make_response, redirect, render_template, url_for

from kapms import clinic_time
from kapms.billing.services import plans as plan_svc
from kapms.consent import services as consent
from kapms.database import utcnow
from kapms.extensions import db
from kapms.intake import services as intake
from kapms.portal.blueprint import bp
from kapms.portal.forms import ChaperoneForm
from kapms.portal.ics import appointments_ics
from kapms.portal.services import own_record
from kapms.portal.views.common import me
from kapms.web.forms import attempt


@bp.get("/")
def home():
    """Appointments, documents to sign, the intake, questionnaires due."""
    user, patient = me()
    sessions = own_record.upcoming_sessions(db.session, user, patient)
    remote = [s for s in sessions if own_record.is_remote_dosing(s)]
    chaperones = own_record.chaperones_for(db.session, remote)
    forms = {s.id: ChaperoneForm(prefix=f"c{s.id}", formdata=None, data={
        "name": chaperones[s.id].name, "phone": chaperones[s.id].phone,
        "version": chaperones[s.id].version or 0}) for s in remote}
    to_sign = consent.to_sign(db.session, patient.id, remote=bool(remote))
    # A required document holds back the first booked dosing it concerns: say which.
    dosings = [s for s in sessions if s.kind == "dosing"]
    needed_by = {t.document.id: next((s for s in dosings if t.document.applies_to == "all"
                                      or own_record.is_remote_dosing(s)), None)
                 for t in to_sign if t.required}
    draft = intake.latest(db.session, patient.id)
    due = own_record.measures_due(db.session, user, patient)
    today = clinic_time.today()
    overdue = sum(plan_svc.ledger(plan, today).overdue
                  for plan in plan_svc.patient_plans(db.session, patient.id))
    db.session.commit()  # keep the audit rows of these reads
    return render_template("portal/home.html", patient=patient, sessions=sessions,
                           chaperones=chaperones, chaperone_forms=forms, to_sign=to_sign,
                           needed_by=needed_by, intake=draft, intake_needed=patient.stage in (
                               "referral", "intake", "deferred"), due=due, overdue=overdue)


def _ics_response(sessions, filename: str):
    config = current_app.config
    response = make_response(appointments_ics(sessions, config["CLINIC_NAME"],
                                              config["CLINIC_ADDRESS"], utcnow()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/appointments.ics")
def appointments_calendar():
    """Every upcoming appointment as one calendar file."""
    user, patient = me()
    sessions = own_record.upcoming_sessions(db.session, user, patient)
    db.session.commit()
    return _ics_response(sessions, "appointments.ics")


@bp.get("/appointments/<int:session_id>.ics")
def appointment_calendar(session_id: int):
    """One appointment as a calendar file."""
    user, patient = me()
    care_session = own_record.own_session(db.session, user, patient, session_id)
    db.session.commit()
    return _ics_response([care_session], f"appointment-{care_session.id}.ics")


@bp.post("/appointments/<int:session_id>/chaperone")
def chaperone(session_id: int):
    """Name (or change) the chaperone of a telehealth or at-home dosing."""
    user, patient = me()
    care_session = own_record.own_session(db.session, user, patient, session_id)
    form = ChaperoneForm(prefix=f"c{session_id}")
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: own_record.name_chaperone(
            db.session, user, patient, care_session, name=form.name.data,
            phone=form.phone.data, expected_version=form.loaded_version()))
        if ok:
            flash("Thank you: your care team has your chaperone's details.", "success")
            return redirect(url_for(".home") + "#appointments")
    db.session.commit()
    for errors in form.errors.values():
        flash(errors[0], "danger")
    return redirect(url_for(".home") + "#appointments")
