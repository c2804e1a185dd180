"""Progress notes, addenda and psychotherapy notes in the services."""

import pytest

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.errors import ConflictError, NotFound, PermissionDenied, RuleViolation
from tests.care.factories import at, session_for
from tests.factories import make_user


@pytest.fixture
def held(db, team):
    """A completed preparation session."""
    return session_for(db, team, "preparation", at(-1), "completed")


def test_draft_sign_then_only_addenda(db, team, held):
    note = care.save_draft(db, team.therapist, held, "First draft", None)
    note = care.save_draft(db, team.therapist, held, "Second draft", note.version)
    care.sign_note(db, team.therapist, held, note.version)
    assert note.signed and note.signed_by_id == team.therapist.id and note.signed_at
    with pytest.raises(RuleViolation, match="addendum"):
        care.save_draft(db, team.therapist, held, "edit after signing", note.version)
    with pytest.raises(RuleViolation, match="already signed"):
        care.sign_note(db, team.therapist, held, note.version)
    addendum = care.add_addendum(db, team.prescriber, held, "Med review: tolerating well")
    assert addendum.signed_at and note.addenda[0].author_id == team.prescriber.id
    assert db.query(AuditEvent).filter_by(action="sign").count() == 2
    assert note.body == "Second draft"


def test_stale_version_is_refused_not_lost(db, team, held):
    note = care.save_draft(db, team.therapist, held, "v1", None)
    loaded = note.version  # both tabs load this version
    care.save_draft(db, team.therapist, held, "tab one", loaded)
    with pytest.raises(ConflictError, match="changed by someone else"):
        care.save_draft(db, team.therapist, held, "tab two", loaded)
    with pytest.raises(ConflictError):
        care.sign_note(db, team.therapist, held, loaded)  # signing what you did not see
    assert note.body == "tab one"


def test_only_author_writes_and_signs(db, team, held):
    with pytest.raises(PermissionDenied):
        care.save_draft(db, team.prescriber, held, "not mine", None)
    care.save_draft(db, team.therapist, held, "mine", None)
    with pytest.raises(PermissionDenied):
        care.sign_note(db, team.prescriber, held, held.note.version)


def test_sign_needs_content_and_a_held_session(db, team):
    upcoming = session_for(db, team, "integration", at(2))
    note = care.save_draft(db, team.therapist, upcoming, "prepared notes", None)
    with pytest.raises(RuleViolation, match="Complete the session"):
        care.sign_note(db, team.therapist, upcoming, note.version)
    past = session_for(db, team, "preparation", at(-2), "completed")
    empty = care.save_draft(db, team.therapist, past, "  ", None)
    with pytest.raises(RuleViolation, match="empty"):
        care.sign_note(db, team.therapist, past, empty.version)


def test_addendum_needs_signed_note_and_team(db, team, held):
    with pytest.raises(RuleViolation):
        care.add_addendum(db, team.therapist, held, "too early")
    note = care.save_draft(db, team.therapist, held, "done", None)
    care.sign_note(db, team.therapist, held, note.version)
    with pytest.raises(PermissionDenied):
        care.add_addendum(db, make_user(db, roles=("therapist",)), held, "outsider")


def test_process_notes_only_for_their_author(db, team, held):
    colleague = make_user(db, roles=("therapist",))
    note = care.save_process_note(db, team.therapist, team.patient, "Countertransference")
    assert care.get_process_note(db, team.therapist, note.id).body == "Countertransference"
    with pytest.raises(NotFound):
        care.get_process_note(db, colleague, note.id)
    with pytest.raises(NotFound):
        care.get_process_note(db, make_user(db, roles=("admin",)), note.id)
    assert care.my_process_notes(db, colleague, team.patient.id) == []
    with pytest.raises(PermissionDenied):
        care.save_process_note(db, team.prescriber, team.patient, "prescribers keep none")
    with pytest.raises(ConflictError):
        care.save_process_note(db, team.therapist, team.patient, "edit", note=note,
                               expected_version=note.version + 1)


def test_notes_due_lists_past_sessions_without_signed_note(db, team, held):
    upcoming = session_for(db, team, "integration", at(2))
    assert [s.id for s in care.notes_due(db, team.therapist)] == [held.id]
    note = care.save_draft(db, team.therapist, held, "done", None)
    assert [s.id for s in care.notes_due(db, team.therapist)] == [held.id]
    care.sign_note(db, team.therapist, held, note.version)
    assert care.notes_due(db, team.therapist) == []
    assert upcoming.id not in [s.id for s in care.notes_due(db, team.therapist)]


def test_notes_due_are_counted_and_paged_oldest_first(db, team, held):
    older = [session_for(db, team, "integration", at(-9 + i), status="completed")
             for i in range(3)]
    due = care.notes_due(db, team.therapist)
    assert [s.id for s in due] == [s.id for s in older] + [held.id]
    assert care.count_notes_due(db, team.therapist) == 4
    assert [s.id for s in care.notes_due(db, team.therapist, limit=2, offset=2)] == \
        [older[2].id, held.id]
    care.sign_note(db, team.therapist, held, care.save_draft(db, team.therapist, held, "ok",
                                                             None).version)
    assert care.count_notes_due(db, team.therapist) == 3


def test_billing_contract_carries_no_note_content(db, team, held):
    from dataclasses import fields
    from datetime import timedelta

    care.save_draft(db, team.therapist, held, "private narrative", None)
    rows = care.billable_sessions(db, team.patient.id, clinic_time.today() - timedelta(days=5),
                                  clinic_time.today())
    assert rows and "private narrative" not in repr(rows)
    assert {f.name for f in fields(rows[0])} == {
        "session_id", "service_date", "kind", "minutes", "modality", "clinician_id",
        "clinician_name", "held", "started_at", "ended_at", "setting", "monitoring_minutes",
        "monitoring_staff", "psychotherapy_minutes", "monitoring_clinicians", "missed"}
