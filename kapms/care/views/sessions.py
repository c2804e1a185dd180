"""Session pages: scheduling, completing, dosing, progress notes, PDF, process notes."""

from datetime import datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import CO_MEDICATIONS
from kapms.care.forms import (
    AddendumForm,
    CompleteForm,
    NoteForm,
    ProcessNoteForm,
    ReasonForm,
    RescheduleForm,
    ScheduleForm,
    SignForm,
)
from kapms.care.pdf import session_note_pdf
from kapms.care.views.common import patient_as, thresholds
from kapms.database import utcnow
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient
from kapms.web.access import roles_required
from kapms.web.filters import clinic_zone
from kapms.web.forms import attempt, attempt_and_flash


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


@bp.route("/patients/<int:patient_id>/sessions/new", methods=["GET", "POST"])
@roles_required("therapist", "prescriber", "admin")
def session_new(patient_id: int):
    """Schedule a session with a clinician of the care team."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    form = ScheduleForm()
    if request.method == "GET" and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]
    _offer_clinicians(form, patient)
    if form.validate_on_submit():
        ok, cs = attempt(form, lambda: care.schedule_session(
            db.session, current_user, patient, kind=form.kind.data,
            clinician=_chosen_clinician(form, patient),
            start=form.clinic_instant(form.day.data, "start_time"),
            duration_minutes=form.duration_minutes.data, modality=form.modality.data,
            location=form.location.data or None))
        if ok:
            flash(f"{cs.kind_label} session scheduled.", "success")
            block = care.safety_alert_block(db.session, patient.id)
            if cs.kind == "dosing" and block:
                flash(block, "danger")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    safety_block = care.safety_alert_block(db.session, patient.id)
    db.session.commit()
    return render_template("care/schedule_form.html", form=form, patient=patient,
                           safety_block=safety_block)


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
        db.session.commit()
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
    db.session.commit()
    return render_template("care/schedule_form.html", form=form, patient=patient, cs=cs)


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One session: details, dosing record, the progress note and its addenda."""
    cs = care.get_care_session(db.session, current_user, session_id)
    note = care.read_note(db.session, current_user, cs)
    blocks = care.dosing_blocks(db.session, cs) \
        if cs.kind == "dosing" and cs.status == "scheduled" else []
    db.session.commit()
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
    """Cancel a scheduled session, with a reason."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give a reason for cancelling.", "danger")
    else:
        attempt_and_flash(lambda: care.cancel_session(
            db.session, current_user, cs, form.reason.data), "Session cancelled.")
    return redirect(_session_url(cs))


@bp.post("/sessions/<int:session_id>/note")
@roles_required("therapist", "prescriber")
def note_save(session_id: int):
    """Save the draft (and sign it with "Save and sign"); a save based on an old version
    is refused, not lost: the refused text is shown back."""
    cs = care.get_care_session(db.session, current_user, session_id)
    form = NoteForm()
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
    pdf = session_note_pdf(cs, note, live, datetime.now().astimezone())
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
    db.session.commit()
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
    db.session.commit()
    return render_template("care/process_note.html", note=note, patient=patient, form=form)
