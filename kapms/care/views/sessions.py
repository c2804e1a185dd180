"""Session pages: scheduling, completing, dosing, progress notes, PDF, process notes."""

from datetime import time, timedelta

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import CO_MEDICATIONS, MISSED_STATUSES, SESSION_KINDS
from kapms.care.forms import (
    AddendumForm,
    CompleteForm,
    MissedForm,
    NoteForm,
    ProcessNoteForm,
    ReasonForm,
    RescheduleForm,
    ScheduleForm,
    SignForm,
)
from kapms.care.pdf import session_note_pdf
from kapms.care.views.calendar import open_times, parse_day
from kapms.care.views.common import patient_as, thresholds
from kapms.database import utcnow
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web import confirm, edge, filters
from kapms.web.access import roles_required
from kapms.web.filters import clinic_zone
from kapms.web.forms import attempt, attempt_and_flash

OPEN_TIMES_DAYS, OPEN_TIMES_SHOWN = 14, 12


def _session_url(care_session) -> str:
    return url_for("care.session_detail", session_id=care_session.id)


def _offer_clinicians(form, patient) -> None:
    """The care team as the form's clinician choices (the service checks the role)."""
    form.clinician_id.choices = [(m.user_id, f"{m.user.display_name} ({m.role})")
                                 for m in patient.care_team]


def _chosen_clinician(form, patient):
    """The care-team user picked in the form, or None."""
    return next((m.user for m in patient.care_team if m.user_id == form.clinician_id.data),
                None)


def _prefill(form) -> None:
    """A "Book" link's clinician, date, time, length and kind (query arguments)."""
    args = request.args
    if args.get("kind") in SESSION_KINDS:
        form.kind.data = args["kind"]
    # A mangled link fills nothing in, and the form asks as usual.
    for name, parse in (("clinician_id", edge.parse_id), ("day", parse_day),
                        ("start_time", _clock_time), ("duration_minutes", edge.parse_id)):
        if (value := parse(args.get(name))) is not None:
            form[name].data = value


def _clock_time(raw: str | None) -> time | None:
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _open_times(patient, minutes: int) -> list[tuple]:
    """Per care-team clinician: the next free times in their weekly availability (two
    weeks), as (member, [clinic-local starts]) for links that fill the form in."""
    today = clinic_time.today()
    days = [today + timedelta(days=i) for i in range(OPEN_TIMES_DAYS)]
    found = []
    for member in patient.care_team:
        starts = open_times(member.user_id, days, minutes,
                            patient_id=patient.id)[:OPEN_TIMES_SHOWN]
        found.append((member, [t.astimezone(clinic_zone()) for t in starts]))
    return found


@bp.route("/patients/<int:patient_id>/sessions/new", methods=["GET", "POST"])
@roles_required("therapist", "prescriber", "admin")
def session_new(patient_id: int):
    """Schedule a session with a clinician of the care team, once or as a repeating series
    (each occurrence then a session of its own); the clinicians' free times are offered as
    links that fill the form in."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    care.require_scheduler(current_user, patient, "schedule sessions")
    form = ScheduleForm()
    if request.method == "GET":
        _prefill(form)
    _offer_clinicians(form, patient)
    if form.validate_on_submit():
        def common():  # inside attempt(): a skipped or repeated clock time is a refusal
            return dict(kind=form.kind.data, clinician=_chosen_clinician(form, patient),
                        start=form.clinic_instant(form.day.data, "start_time"),
                        duration_minutes=form.duration_minutes.data,
                        modality=form.modality.data, location=form.location.data or None)

        if form.repeat.data:
            ok, booked = attempt(form, lambda: care.schedule_series(
                db.session, current_user, patient, every_weeks=form.repeat.data,
                count=form.repeat_count.data, until=form.repeat_until.data, **common()))
            cs = booked[0] if ok else None
            done = f"{len(booked)} {cs.kind_label.lower()} sessions scheduled." if ok else ""
        else:
            ok, cs = attempt(form, lambda: care.schedule_session(
                db.session, current_user, patient, record_past=form.record_past.data,
                **common()))
            done = f"{cs.kind_label} session scheduled." if ok else ""
        if ok:
            flash(done, "success")
            block = care.safety_alert_block(db.session, patient.id)
            if cs.kind == "dosing" and block:
                flash(block, "danger")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    safety_block = care.safety_alert_block(db.session, patient.id)
    minutes = form.duration_minutes.data if isinstance(form.duration_minutes.data, int) \
        and 15 <= form.duration_minutes.data <= 480 else 60
    html = render_template("care/schedule_form.html", form=form, patient=patient,
                           safety_block=safety_block, open_times=_open_times(patient, minutes),
                           minutes=minutes)
    db.session.commit()
    return html


@bp.route("/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required("therapist", "prescriber", "admin")
def session_reschedule(session_id: int):
    """Move a scheduled session (clinic-local date and time, duration, modality, clinician);
    the save carries the version loaded with the form, so a stale one is refused."""
    cs = care.get_care_session(db.session, current_user, session_id)
    patient = cs.patient
    care.require_scheduler(current_user, patient, "reschedule sessions")
    if cs.status != "scheduled":
        flash(f"Only a scheduled session can be rescheduled; this one is "
              f"{cs.status_label.lower()}.", "danger")
        return redirect(_session_url(cs))
    form = RescheduleForm()
    _offer_clinicians(form, patient)
    if request.method == "GET":
        local = cs.scheduled_start.astimezone(clinic_zone())
        form.day.data, form.start_time.data = local.date(), local.time()
        form.duration_minutes.data, form.modality.data = cs.duration_minutes, cs.modality
        form.clinician_id.data, form.version.data = cs.clinician_id, str(cs.version)
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.reschedule_session(
            db.session, current_user, cs,
            start=form.clinic_instant(form.day.data, "start_time"),
            duration_minutes=form.duration_minutes.data, modality=form.modality.data,
            clinician=_chosen_clinician(form, patient),
            expected_version=form.loaded_version()))
        if ok:
            flash(f"{cs.kind_label} session moved.", "success")
            return redirect(_session_url(cs))
    return render_template("care/schedule_form.html", form=form, patient=patient, cs=cs)


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One session: details, dosing record, the progress note and its addenda."""
    cs = care.get_care_session(db.session, current_user, session_id)
    note = care.read_note(db.session, current_user, cs)
    blocks = care.dosing_blocks(db.session, cs) \
        if cs.kind == "dosing" and cs.status == "scheduled" else []
    editable = note is None or not note.signed
    return render_template(
        "care/session.html", cs=cs, patient=cs.patient, note=note,
        note_form=NoteForm(body=note.body if note else "", formdata=None),
        addendum_form=AddendumForm(formdata=None), complete_form=CompleteForm(formdata=None),
        reason_form=ReasonForm(formdata=None),
        is_author=current_user.id == (note.author_id if note else cs.clinician_id),
        editable=editable, on_team=care.on_team(current_user, cs.patient),
        dosing_blocks=blocks, co_medications=CO_MEDICATIONS,
        live=care.live_status(cs.dosing, thresholds(), utcnow()))


@bp.post("/sessions/<int:session_id>/complete")
@roles_required("therapist", "prescriber")
def session_complete(session_id: int):
    """Mark a non-dosing session as held."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        flash("The actual minutes must be between 15 and 480 (psychotherapy within the "
              "visit: 0 to 479).", "danger")
        return redirect(_session_url(cs))
    attempt_and_flash(lambda: care.complete_session(
        db.session, current_user, cs, form.actual_minutes.data,
        form.psychotherapy_minutes.data), "Session marked as completed.")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/cancel")
@roles_required("therapist", "prescriber", "admin")
def session_cancel(session_id: int):
    """Cancel a scheduled session, with a reason, after a confirmation step."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give a reason for cancelling.", "danger")
    elif not confirm.confirmed():
        return confirm.ask(
            "Cancel this session?",
            f"{cs.kind_label} session of {cs.patient.full_name} on "
            f"{filters.local(cs.scheduled_start)} with {cs.clinician.display_name} will be "
            "cancelled and its time freed.", details=[f"Reason: {form.reason.data}"],
            confirm_label="Yes, cancel the session", back_url=_session_url(cs))
    else:
        attempt_and_flash(lambda: care.cancel_session(
            db.session, current_user, cs, form.reason.data), "Session cancelled.")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/missed")
@roles_required("therapist", "prescriber", "admin")
def session_missed(session_id: int):
    """Record a no-show or a late cancellation (billed or not by the clinic's setting)."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = MissedForm()
    if not form.validate_on_submit():
        flash("Choose no-show or late cancellation.", "danger")
    else:
        policy = care.MissedPolicy.from_config(current_app.config)
        attempt_and_flash(lambda: care.record_missed(
            db.session, current_user, cs, form.status.data, form.note.data, policy),
            f"Recorded: {MISSED_STATUSES[form.status.data].lower()}.")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/note")
@roles_required("therapist", "prescriber")
def note_save(session_id: int):
    """Save the draft (and sign it with "Save and sign"); a save based on an old version
    is refused, not lost: the refused text is shown back."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = NoteForm()
    if form.validate_on_submit() and form.sign.data and not confirm.confirmed():
        return confirm.ask(
            "Sign this note?", "After signing, the note is locked: only signed addenda can be "
            "added.", confirm_label="Yes, save and sign", back_url=_session_url(cs),
            danger=False)
    if form.validate_on_submit():
        def save():
            note = care.save_draft(db.session, current_user, cs, form.body.data,
                                   form.loaded_version())
            if form.sign.data:  # "Save and sign": sign exactly the text just saved
                care.sign_note(db.session, current_user, cs, note.version)
            return note

        ok, _ = attempt(form, save)
        if not ok:  # show the refused text back so nothing typed is lost
            return render_template("care/note_conflict.html", cs=cs, patient=cs.patient,
                                   body=form.body.data, message=form.refusal.message), 409
        flash("Note signed." if form.sign.data else "Draft saved.", "success")
    else:
        flash("The note was not saved: it is too long or the page was out of date. "
              "Reload and try again.", "danger")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/note/sign")
@roles_required("therapist", "prescriber")
def note_sign(session_id: int):
    """Sign the note (locks it)."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash("Reload the note and sign again.", "danger")
    else:
        attempt_and_flash(lambda: care.sign_note(
            db.session, current_user, cs, form.loaded_version()), "Note signed.")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/note/addendum")
@roles_required("therapist", "prescriber")
def note_addendum(session_id: int):
    """Add a signed addendum to a signed note."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = AddendumForm()
    if not form.validate_on_submit():
        flash("The addendum is empty or too long.", "danger")
    elif not confirm.confirmed():
        return confirm.ask(
            "Sign this addendum?", f"It is added to the signed note of the {cs.kind_label.lower()} "
            f"session of {cs.patient.full_name} on {filters.local(cs.scheduled_start)}, with "
            "your name and the time, and cannot be changed afterwards.",
            details=[form.body.data], confirm_label="Yes, sign the addendum",
            back_url=_session_url(cs), danger=False)
    else:
        attempt_and_flash(lambda: care.add_addendum(
            db.session, current_user, cs, form.body.data), "Addendum signed.")
    return redirect(_session_url(cs))


@bp.get("/sessions/<int:session_id>/note.pdf")
def note_pdf(session_id: int):
    """The session note as a PDF (DRAFT watermark until signed). Every print is audited.
    Psychotherapy notes are never part of it."""
    cs = care.get_care_session(db.session, current_user, session_id)
    note = care.note_for_print(db.session, current_user, cs)
    live = care.live_status(cs.dosing, thresholds(), utcnow())
    db.session.commit()  # the audit row first: rendering must not hold the write lock
    pdf = session_note_pdf(cs, note, live, clinic_time.now())
    name = f"session-note-{cs.id}{'' if note.signed else '-DRAFT'}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/patients/<int:patient_id>/process-notes", methods=["GET", "POST"])
@roles_required("therapist")
def process_notes(patient_id: int):
    """The therapist's own psychotherapy notes for a patient (nobody else's, ever)."""
    patient = patient_as(patient_id, "therapist",
                         "Only the patient's therapist keeps psychotherapy notes.")
    form = ProcessNoteForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.save_process_note(
            db.session, current_user, patient, form.body.data))
        if ok:
            flash("Psychotherapy note saved (visible only to you).", "success")
            return redirect(url_for("care.process_notes", patient_id=patient.id))
    notes = care.my_process_notes(db.session, current_user, patient.id)
    return render_template("care/process_notes.html", patient=patient, notes=notes, form=form)


@bp.route("/process-notes/<int:note_id>", methods=["GET", "POST"])
@roles_required("therapist")
def process_note_edit(note_id: int):
    """Edit one's own process note (version-checked); anyone else gets 404."""
    note = care.get_process_note(db.session, current_user, note_id)
    patient = get_patient(db.session, current_user, note.patient_id, need=CLINICAL)
    form = ProcessNoteForm(obj=note)
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: care.save_process_note(
            db.session, current_user, patient, form.body.data, note=note,
            expected_version=form.loaded_version()))
        if not ok:
            return render_template("care/process_note.html", note=note, patient=patient,
                                   form=form), 409
        flash("Psychotherapy note saved.", "success")
        return redirect(url_for("care.process_notes", patient_id=patient.id))
    return render_template("care/process_note.html", note=note, patient=patient, form=form)
