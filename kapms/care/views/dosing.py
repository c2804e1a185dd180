"""The live dosing record: one page, a form per phase, each posted and saved on its own.

Every form carries the record version it was shown with; a stale save answers 409 with
the record as it is now. A refused save shows its message on its form, nothing saved.
Times are clinic-local times of day on the session's day (kapms.care.rules.phase_instant).
"""


from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import CO_MEDICATIONS, DOSING_PHASES
from kapms.care.forms import (
    AdministrationForm,
    AdverseEventForm,
    AmendForm,
    ChaperoneCheckinForm,
    CheckInForm,
    DischargeForm,
    EndEarlyForm,
    HoldForm,
    PlanRequestForm,
    VitalsForm,
)
from kapms.care.models import CareSession
from kapms.care.rules import mg, phase_instant
from kapms.care.views.common import thresholds
from kapms.database import utcnow
from kapms.errors import ConflictError, DomainError
from kapms.extensions import db
from kapms.portal.services.own_record import nominated_chaperone
from kapms.web.access import roles_required
from kapms.web.filters import clinic_zone
from kapms.web.forms import attempt

LOAD = (joinedload(CareSession.dosing), lazyload(CareSession.note),
        lazyload(CareSession.patient))

# Form prefix -> form class: the page shows several forms whose fields share names.
FORMS = {"checkin": CheckInForm, "dose": AdministrationForm, "hold": HoldForm,
         "vitals": VitalsForm, "event": AdverseEventForm, "chaperone": ChaperoneCheckinForm,
         "discharge": DischargeForm, "end": EndEarlyForm, "amend": AmendForm}


def _url(cs, anchor: str | None = None) -> str:
    return url_for("care.dosing_page", session_id=cs.id, _anchor=anchor)


def _form(name: str, cs, formdata=True):
    """The named phase form, bound to the request (or fresh, with today's defaults)."""
    kwargs = {} if formdata else {"formdata": None}
    form = FORMS[name](prefix=name, **kwargs)
    dosing = cs.dosing
    if name == "amend":
        form.target.choices = [("", "— choose —")] + [
            (a.target, f"{a.label}: {a.current}") for a in care.amendable_values(dosing)]
    if formdata:
        return form
    now = clinic_time.now().time().replace(second=0, microsecond=0)
    for field in form:
        if field.type == "TimeField" and field.flags.required:
            field.data = now
    if hasattr(form, "version") and dosing is not None:
        form.version.data = str(dosing.version)
    if name == "checkin" and dosing is None:  # shown only before check-in
        form.setting.data = "telehealth" if cs.modality == "telehealth" else "office"
        form.location.data = cs.location
        form.monitored_by.data = cs.clinician.display_name
        # The chaperone the patient named in the portal (issue 11), for the clinician to
        # confirm.
        named = nominated_chaperone(db.session, cs.id)
        if named:
            form.chaperone_name.data, form.chaperone_phone.data = named
    if name == "vitals" and dosing is not None:
        form.kind.data = "extra" if dosing.reading("mid") else "mid"
    if name == "chaperone" and dosing is not None:
        form.by.data = dosing.chaperone_name
    return form


def _page(cs, bound: dict | None = None, status: int = 200):
    """Render the dosing page: the record so far, the current phase's form and what is
    due. ``bound``: forms that failed, shown with their errors."""
    dosing, t, now = cs.dosing, thresholds(), utcnow()
    forms = {name: _form(name, cs, formdata=False) for name in FORMS}
    forms.update(bound or {})
    # The care-path facts are gathered once: the checks and the plan shown both read them.
    timeline = None
    blocks = []
    if cs.status == "scheduled" or (dosing is not None and dosing.phase == "administration"):
        timeline = care.dosing_timeline(db.session, cs)
        blocks = care.dosing_blocks(db.session, cs, dosing.checked_in_at if dosing else None,
                                    timeline)
    plan = care.plan_in_force(db.session, cs, dosing.given_at or now if dosing else now,
                              timeline)
    request_open = care.open_plan_request(db.session, cs.patient_id)
    return render_template(
        "care/dosing.html", cs=cs, patient=cs.patient, dosing=dosing, forms=forms,
        blocks=blocks, plan=plan, live=care.live_status(dosing, t, now), thresholds=t,
        plan_request=request_open, phases=DOSING_PHASES, co_medications=CO_MEDICATIONS,
        may_record=care.on_team(current_user, cs.patient, "therapist")
        or current_user.id == cs.clinician_id), status


def _instant(cs, form, field):
    """The instant of a time field on the session's day (DomainError on a time that does
    not exist that day; a time that happens twice is asked about, kapms.clinic_time)."""
    if field.data is None:
        return None
    try:
        return phase_instant(cs.scheduled_start, field.data, clinic_zone(), fold=form.fold())
    except ValueError as exc:
        raise DomainError(str(exc), field=field.short_name) from exc


def _session(session_id: int):
    """The dosing session with its record (the page does not show the note)."""
    return care.get_care_session(db.session, current_user, session_id, options=LOAD)


def _post(session_id: int, name: str, action, message):
    """Validate the phase form, run ``action(cs, form)`` and redirect back to the page;
    refused: the page with the form's errors (a conflict: 409 and the current record)."""
    cs = _session(session_id)
    form = _form(name, cs)
    if not form.validate_on_submit():
        return _page(cs, {name: form})
    ok, result = attempt(form, lambda: action(cs, form))  # saved once per submission
    if not ok:
        cs = _session(session_id)
        if isinstance(getattr(form, "refusal", None), ConflictError):
            return _page(cs, status=409)
        return _page(cs, {name: form})
    text, category = message(result)
    flash(text, category)
    return redirect(_url(cs, name))


@bp.get("/sessions/<int:session_id>/dosing")
@roles_required("therapist", "prescriber", "admin")
def dosing_page(session_id: int):
    """The live dosing record, phase by phase (read-only for admins and other roles)."""
    cs = _session(session_id)
    if cs.kind != "dosing":
        return redirect(url_for("care.session_detail", session_id=cs.id))
    return _page(cs)


@bp.post("/sessions/<int:session_id>/dosing/check-in")
@roles_required("therapist", "prescriber")
def dosing_check_in(session_id: int):
    """Check-in and the hold decision."""
    def action(cs, f):
        return care.check_in(db.session, current_user, cs, care.CheckInInput(
            checked_in_at=_instant(cs, f, f.checked_in_at), setting=f.setting.data,
            pre_systolic=f.pre_systolic.data, pre_diastolic=f.pre_diastolic.data,
            pre_heart_rate=f.pre_heart_rate.data, pre_spo2=f.pre_spo2.data,
            co_medications=f.co_medications(), new_contraindication=f.new_contraindication.data,
            location=f.location.data, monitored_by=f.monitored_by.data,
            monitoring_staff=f.monitoring_staff.data,
            monitoring_clinicians=f.monitoring_clinicians.data,
            chaperone_name=f.chaperone_name.data,
            chaperone_phone=f.chaperone_phone.data), thresholds())

    def message(dosing):
        if dosing.outcome == "held":
            return f"Dosing held: {dosing.hold_reason} The prescriber is told.", "warning"
        return "Checked in: cleared to dose.", "success"
    return _post(session_id, "checkin", action, message)


@bp.post("/sessions/<int:session_id>/dosing/administer")
@roles_required("therapist", "prescriber")
def dosing_administer(session_id: int):
    """The dose given, checked against the plan."""
    def action(cs, f):
        return care.administer(db.session, current_user, cs, care.AdministrationInput(
            given_at=_instant(cs, f, f.given_at), product=f.product.data or None,
            route=f.route.data or None, dose_mg=f.dose_mg.data, lot_number=f.lot_number.data,
            sedation_reason=f.sedation_reason.data), thresholds(), f.loaded_version())
    return _post(session_id, "dose", action,
                 lambda d: (f"Dose recorded: {mg(d.dose_mg)} mg at "
                            f"{d.given_at.astimezone(clinic_zone()):%H:%M}. Monitoring.",
                            "success"))


@bp.post("/sessions/<int:session_id>/dosing/hold")
@roles_required("therapist", "prescriber")
def dosing_hold(session_id: int):
    """Hold the dose instead of giving it."""
    return _post(session_id, "hold", lambda cs, f: care.hold(
        db.session, current_user, cs, f.reason.data, f.loaded_version()),
        lambda d: ("Dosing held. The prescriber is told.", "warning"))


@bp.post("/sessions/<int:session_id>/dosing/vitals")
@roles_required("therapist", "prescriber")
def dosing_vitals(session_id: int):
    """A vitals reading during monitoring."""
    def action(cs, f):
        care.add_vitals(db.session, current_user, cs, care.VitalsInput(
            taken_at=_instant(cs, f, f.taken_at), systolic=f.systolic.data,
            diastolic=f.diastolic.data, heart_rate=f.heart_rate.data, spo2=f.spo2.data,
            kind=f.kind.data), thresholds(), f.loaded_version())
        return cs.dosing
    return _post(session_id, "vitals", action,
                 lambda d: (d.bp_flag, "warning") if d.bp_flag
                 else ("Vitals recorded.", "success"))


@bp.post("/sessions/<int:session_id>/dosing/adverse-events")
@roles_required("therapist", "prescriber")
def dosing_adverse_event(session_id: int):
    """An adverse event."""
    def action(cs, f):
        return care.add_adverse_event(db.session, current_user, cs, care.AdverseEventInput(
            occurred_at=_instant(cs, f, f.occurred_at), kind=f.kind.data,
            severity=f.severity.data, serious=f.serious.data, notes=f.notes.data,
            late_reason=f.late_reason.data), f.loaded_version())
    return _post(session_id, "event", action, lambda e: (
        f"Adverse event recorded: {e.kind_label}"
        + (" (serious: the prescriber is told)." if e.serious else "."),
        "warning" if e.serious else "success"))


@bp.post("/sessions/<int:session_id>/dosing/chaperone")
@roles_required("therapist", "prescriber")
def dosing_chaperone(session_id: int):
    """A chaperone check-in."""
    def action(cs, f):
        return care.add_chaperone_checkin(db.session, current_user, cs,
                                          care.ChaperoneCheckinInput(
                                              at=_instant(cs, f, f.at), by=f.by.data,
                                              status=f.status.data, note=f.note.data),
                                          f.loaded_version())
    return _post(session_id, "chaperone", action,
                 lambda c: (f"Chaperone check-in recorded: {c.status_label}.",
                            "warning" if c.status == "concern" else "success"))


@bp.post("/sessions/<int:session_id>/dosing/discharge")
@roles_required("therapist", "prescriber")
def dosing_discharge(session_id: int):
    """Discharge: the session closes."""
    def action(cs, f):
        return care.discharge(db.session, current_user, cs, care.DischargeInput(
            discharged_at=_instant(cs, f, f.discharged_at), systolic=f.systolic.data,
            diastolic=f.diastolic.data, heart_rate=f.heart_rate.data, spo2=f.spo2.data,
            stable=f.stable.data, ride_home=f.ride_home.data,
            no_driving_advised=f.no_driving_advised.data,
            ready_to_leave_at=_instant(cs, f, f.ready_to_leave_at)), thresholds(),
            f.loaded_version())
    return _post(session_id, "discharge", action, lambda d: (
        f"Discharged after {d.monitoring_minutes} minutes of monitoring. Session closed."
        + (f" {d.bp_flag}" if d.bp_flag else ""), "warning" if d.bp_flag else "success"))


@bp.post("/sessions/<int:session_id>/dosing/end-early")
@roles_required("therapist", "prescriber")
def dosing_end_early(session_id: int):
    """Close the session without a discharge: transferred to emergency care, left, ended."""
    def action(cs, f):
        return care.end_early(db.session, current_user, cs, care.EndEarlyInput(
            ended_at=_instant(cs, f, f.ended_at), kind=f.kind.data, reason=f.reason.data,
            transferred_to=f.transferred_to.data, no_driving_advised=f.no_driving_advised.data,
            ride_home=f.ride_home.data, systolic=f.systolic.data, diastolic=f.diastolic.data,
            heart_rate=f.heart_rate.data, spo2=f.spo2.data), thresholds(), f.loaded_version())
    return _post(session_id, "end", action, lambda d: (
        f"Session closed: {d.end_kind_label.lower()} after {d.monitoring_minutes} minutes of "
        "monitoring. The prescriber is told.", "warning"))


@bp.post("/sessions/<int:session_id>/dosing/amend")
@roles_required("therapist", "prescriber")
def dosing_amend(session_id: int):
    """Correct a recorded value, with a reason."""
    return _post(session_id, "amend", lambda cs, f: care.amend_dosing(
        db.session, current_user, cs, f.target.data, f.new_value.data, f.reason.data,
        thresholds(), f.loaded_version(), confirm_deviation=f.confirm_deviation.data),
        lambda a: (f"Amended {a.label}: {a.old_value} → {a.new_value}.", "success"))


@bp.route("/sessions/<int:session_id>/plan-request", methods=["GET", "POST"])
@roles_required("therapist", "prescriber")
def plan_request_new(session_id: int):
    """From the dosing page: ask the prescriber to change the plan (e.g. a higher dose)."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = PlanRequestForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.request_plan_change(
            db.session, current_user, cs.patient, care.PlanRequestInput(
                reason=form.reason.data, dose_mg=form.dose_mg.data,
                product=form.product.data or None, route=form.route.data or None,
                dosing_count=form.dosing_count.data), care_session=cs))
        if ok:
            flash("Plan change requested: the prescriber sees it on their home page.",
                  "success")
            return redirect(_url(cs))
        cs = care.get_care_session(db.session, current_user, session_id)
    plan = care.plan_in_force(db.session, cs, utcnow())
    return render_template("care/plan_request.html", form=form, cs=cs, patient=cs.patient,
                           plan=plan)
