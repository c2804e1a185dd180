"""Progress notes (draft -> signed -> addenda), psychotherapy notes, and printing.

Version checks: each save carries the version the editor loaded; a save based on an older
version is refused with ConflictError instead of silently overwriting someone's work.
Psychotherapy (process) notes are only ever returned to their author.
"""

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from kapms.audit.services import record
from kapms.care.models import Addendum, CareSession, ProcessNote, ProgressNote
from kapms.care.services.common import on_team
from kapms.database import utcnow
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation

STALE_MESSAGE = ("This note was changed by someone else (or in another tab) since you opened "
                 "it. Your text was not saved: reload the note, then re-apply your changes.")
MAX_NOTE_CHARS = 50_000


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > MAX_NOTE_CHARS:
        raise RuleViolation(f"A note can hold at most {MAX_NOTE_CHARS} characters.", field="body")
    return body


def read_note(session, actor, care_session: CareSession) -> ProgressNote | None:
    """The session's progress note for a clinical reader (care team or admin), audited."""
    note = care_session.note
    if note is not None:
        record(session, actor, "view", "progress_note", note.id,
               patient_id=care_session.patient_id)
    return note


def save_draft(session, actor, care_session: CareSession, body: str,
               expected_version: int | None) -> ProgressNote:
    """Create or update the draft. Only the session's clinician writes the progress note;
    a stale ``expected_version`` is refused (ConflictError)."""
    if actor.id != care_session.clinician_id:
        raise PermissionDenied("Only the session's clinician writes its progress note.")
    body = _check_body(body)
    note = care_session.note
    if note is None:
        if expected_version not in (None, 0):
            raise ConflictError(STALE_MESSAGE)
        note = ProgressNote(session=care_session, patient_id=care_session.patient_id,
                            author_id=actor.id, body=body)
        session.add(note)
    else:
        if note.signed:
            raise RuleViolation("This note is signed: add an addendum instead of editing.")
        if expected_version != note.version:
            raise ConflictError(STALE_MESSAGE, field="body")
        note.body, note.updated_at = body, utcnow()
    try:
        session.flush()
    except StaleDataError as exc:  # a concurrent save won the race at the database
        raise ConflictError(STALE_MESSAGE, field="body") from exc
    record(session, actor, "update", "progress_note", note.id,
           patient_id=care_session.patient_id, detail="draft saved")
    return note


def sign_note(session, actor, care_session: CareSession,
              expected_version: int | None) -> ProgressNote:
    """Sign (lock) the draft: only its author, only a non-empty, current version."""
    note = care_session.note
    if note is None:
        raise RuleViolation("Write the note before signing it.")
    if note.author_id != actor.id:
        raise PermissionDenied("Only the note's author can sign it.")
    if note.signed:
        raise RuleViolation("This note is already signed.")
    if expected_version != note.version:
        raise ConflictError(STALE_MESSAGE)
    if not note.body.strip():
        raise RuleViolation("An empty note cannot be signed.", field="body")
    if care_session.status == "scheduled":
        raise RuleViolation("Complete the session (or record the dosing) before signing its "
                            "note.")
    note.status, note.signed_at, note.signed_by_id = "signed", utcnow(), actor.id
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(STALE_MESSAGE) from exc
    record(session, actor, "sign", "progress_note", note.id, patient_id=care_session.patient_id)
    return note


def add_addendum(session, actor, care_session: CareSession, body: str) -> Addendum:
    """Add a signed, time-stamped addendum to a signed note (care-team clinicians)."""
    note = care_session.note
    if note is None or not note.signed:
        raise RuleViolation("Addenda are added to signed notes; edit the draft instead.")
    if not on_team(actor, care_session.patient):
        raise PermissionDenied("Only the care team can add an addendum.")
    body = _check_body(body)
    if not body:
        raise RuleViolation("The addendum is empty.", field="body")
    addendum = Addendum(note_id=note.id, author_id=actor.id, body=body, signed_at=utcnow())
    session.add(addendum)
    session.flush()
    session.expire(note, ["addenda"])
    record(session, actor, "sign", "addendum", addendum.id, patient_id=care_session.patient_id)
    return addendum


def note_for_print(session, actor, care_session: CareSession) -> ProgressNote:
    """The note to print, with the print audited ("print" action). No process notes."""
    note = care_session.note
    if note is None:
        raise NotFound("This session has no note yet.")
    record(session, actor, "print", "progress_note", note.id,
           patient_id=care_session.patient_id, detail=note.status)
    return note


# --- psychotherapy (process) notes: author-only -------------------------------------------

def my_process_notes(session, actor, patient_id: int) -> list[ProcessNote]:
    """The actor's own process notes for a patient (never anyone else's), audited."""
    rows = session.scalars(select(ProcessNote).where(
        ProcessNote.patient_id == patient_id, ProcessNote.author_id == actor.id)
        .order_by(ProcessNote.created_at.desc())).all()
    if rows:
        record(session, actor, "view", "process_note", None, patient_id=patient_id,
               detail=f"{len(rows)} own notes")
    return rows


def get_process_note(session, actor, note_id: int) -> ProcessNote:
    """One process note, for its author only; anyone else gets NotFound (404)."""
    note = session.get(ProcessNote, note_id)
    if note is None or note.author_id != actor.id:
        record(session, actor, "view", "process_note", note_id, outcome="denied")
        raise NotFound("No such note.")
    record(session, actor, "view", "process_note", note.id, patient_id=note.patient_id)
    return note


def save_process_note(session, actor, patient, body: str, note: ProcessNote | None = None,
                      expected_version: int | None = None,
                      care_session: CareSession | None = None) -> ProcessNote:
    """Create or update the actor's own process note (therapists on the care team)."""
    if not (actor.has_role("therapist") and on_team(actor, patient, "therapist")):
        raise PermissionDenied("Only the patient's therapist keeps psychotherapy notes.")
    body = _check_body(body)
    if not body:
        raise RuleViolation("The note is empty.", field="body")
    if note is None:
        note = ProcessNote(patient_id=patient.id, author_id=actor.id, body=body,
                           session_id=care_session.id if care_session else None)
        session.add(note)
    else:
        if note.author_id != actor.id or note.patient_id != patient.id:
            raise NotFound("No such note.")
        if expected_version != note.version:
            raise ConflictError(STALE_MESSAGE, field="body")
        note.body, note.updated_at = body, utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(STALE_MESSAGE, field="body") from exc
    record(session, actor, "update", "process_note", note.id, patient_id=patient.id)
    return note
