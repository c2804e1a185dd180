"""Two people (or tabs) saving the same record at the same moment: the database-level
version check (version_id_col) refuses the second save even when both passed the form's
version check, so nothing is silently overwritten."""

import pytest
from sqlalchemy.orm import Session

from kapms.care import services as care
from kapms.care.models import CareSession, ProgressNote
from kapms.errors import ConflictError
from kapms.patients.models import Patient
from kapms.patients.services import PatientInput, update_patient
from tests.care.factories import at, session_for


def test_concurrent_note_saves_second_is_refused(db, team):
    cs = session_for(db, team, "preparation", at(-1), "completed")
    note = care.save_draft(db, team.therapist, cs, "v1", None)
    db.commit()
    version = note.version
    with Session(db.get_bind()) as other:
        # The second editor loads the same version before the first one saves.
        other_cs = other.get(CareSession, cs.id)
        other_therapist = other.merge(team.therapist, load=True)
        assert other_cs.note.version == version
        care.save_draft(db, team.therapist, cs, "first save wins", version)
        db.commit()
        with pytest.raises(ConflictError, match="changed by someone else"):
            care.save_draft(other, other_therapist, other_cs, "second save", version)
        other.rollback()
    db.expire_all()
    assert db.get(ProgressNote, note.id).body == "first save wins"


def test_concurrent_patient_edits_second_is_refused(db, team):
    patient = team.patient
    data = dict(first_name=patient.first_name, last_name=patient.last_name,
                date_of_birth=patient.date_of_birth, address_line1="1 Main St",
                city="Oakland", state="CA", postal_code="94610")
    version = patient.version
    with Session(db.get_bind()) as other:
        other_patient = other.get(Patient, patient.id)
        other_actor = other.merge(team.therapist, load=True)
        update_patient(db, team.therapist, patient, PatientInput(**{**data, "city": "Berkeley"}),
                       version)
        db.commit()
        with pytest.raises(ConflictError):
            update_patient(other, other_actor, other_patient,
                           PatientInput(**{**data, "city": "Alameda"}), version)
        other.rollback()
    db.expire_all()
    assert db.get(Patient, patient.id).city == "Berkeley"


def test_concurrent_reschedules_second_is_refused(db, team):
    cs = session_for(db, team, "preparation", at(1))
    db.commit()
    version = cs.version
    with Session(db.get_bind()) as other:
        # The second editor loads the same version before the first one saves.
        other_cs = other.get(CareSession, cs.id)
        other_actor = other.merge(team.therapist, load=True)
        assert other_cs.version == version
        care.reschedule_session(db, team.therapist, cs, start=at(2), duration_minutes=60,
                                modality="office", clinician=team.therapist,
                                expected_version=version)
        db.commit()
        with pytest.raises(ConflictError, match="changed by someone else"):
            care.reschedule_session(other, other_actor, other_cs, start=at(3),
                                    duration_minutes=60, modality="office",
                                    clinician=other_actor, expected_version=version)
        other.rollback()
    db.expire_all()
    assert db.get(CareSession, cs.id).scheduled_start == at(2)
