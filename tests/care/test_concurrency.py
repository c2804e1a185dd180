"""Two people (or tabs) saving the same record at the same moment: the database-level
version check (version_id_col) refuses the second save even when both passed the form's
version check, so nothing is silently overwritten."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from kapms.care import services as care
from kapms.care.models import (
    CareSession,
    Clearance,
    DosingRecord,
    PlanChangeRequest,
    ProgressNote,
)
from kapms.errors import ConflictError, RuleViolation
from kapms.patients.models import Patient
from kapms.patients.services import PatientInput, update_patient
from tests.care.factories import THRESHOLDS, at, session_for


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


# --- the live dosing record, plans and bookings -------------------------------------------

def _other(db, *objects):
    """A second database session (another worker) with its own copies of ``objects``."""
    other = Session(db.get_bind())
    return other, [other.merge(o, load=True) for o in objects]


def test_racing_check_ins_second_is_a_conflict(db, team):
    from tests.care.factories import check_in_input, later, ready_for_dosing

    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    db.commit()
    other, (other_cs, other_therapist) = _other(db, cs, team.therapist)
    with other:
        assert other_cs.dosing is None  # both loaded the session before either saved
        care.check_in(db, team.therapist, cs, check_in_input(cs.scheduled_start), THRESHOLDS,
                      now=later(cs))
        db.commit()
        with pytest.raises(ConflictError, match="checked in by someone else"):
            care.check_in(other, other_therapist, other_cs,
                          check_in_input(cs.scheduled_start), THRESHOLDS, now=later(cs))
        other.rollback()
    db.expire_all()
    assert db.query(DosingRecord).count() == 1


def test_racing_phase_saves_second_is_a_conflict_at_the_database(db, team):
    from tests.care.factories import administer, check_in, later, ready_for_dosing

    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    db.commit()
    version = cs.dosing.version
    other, (other_cs, other_therapist) = _other(db, cs, team.therapist)
    with other:
        assert other_cs.dosing.version == version
        care.add_vitals(db, team.therapist, cs, care.VitalsInput(
            taken_at=cs.dosing.given_at + timedelta(minutes=40), systolic=130, diastolic=85,
            heart_rate=72), THRESHOLDS, version, now=later(cs))
        db.commit()
        # The second tab passed its own version check (it saw the same version), and the
        # database refuses the stale UPDATE: a conflict, never a silent second reading.
        with pytest.raises(ConflictError, match="changed by someone else"):
            care.add_vitals(other, other_therapist, other_cs, care.VitalsInput(
                taken_at=other_cs.dosing.given_at + timedelta(minutes=41), systolic=131,
                diastolic=85, heart_rate=72), THRESHOLDS, version, now=later(cs))
        other.rollback()
    db.expire_all()
    assert len(db.get(DosingRecord, cs.dosing.id).vitals) == 2  # pre-dose and one ~40 min


def test_racing_plan_revisions_second_is_a_conflict(db, team):
    from tests.care.factories import clear

    clearance = clear(db, team)
    db.commit()
    other, (other_clearance, other_prescriber, other_patient) = _other(
        db, clearance, team.prescriber, team.patient)
    with other:
        assert other_clearance.plan.number == 1

        def plan(dose):
            p = clearance.plan
            return care.PlanInput(dosing_count=p.dosing_count, product=p.product,
                                  route=p.route, dose_mg=Decimal(dose),
                                  expires_on=p.expires_on)
        care.revise_plan(db, team.prescriber, team.patient, clearance, plan("250"),
                         "Higher dose", expected_number=1)
        db.commit()
        # The second prescriber's page showed version 1 too: refused, not stored.
        with pytest.raises(ConflictError, match="changed by someone else"):
            care.revise_plan(other, other_prescriber, other_patient, other_clearance,
                             plan("300"), "Even higher", expected_number=1)
        other.rollback()
    db.expire_all()
    assert [(p.number, p.dose_mg) for p in db.get(Clearance, clearance.id).plans] == [
        (1, Decimal("200")), (2, Decimal("250"))]


def _race(db, first, second):
    """Run ``first`` in the test's session (not committed), then ``second`` in another
    worker's session and thread; check the worker waits for the first transaction, commit
    it, and return what the worker's ``second(session)`` raised or returned."""
    from flask import current_app

    app, outcome = current_app._get_current_object(), {}

    def worker():
        with app.app_context(), Session(db.get_bind()) as other:
            try:
                outcome["result"] = second(other)
                other.commit()
            except Exception as error:  # noqa: BLE001 - handed back to the test
                other.rollback()
                outcome["result"] = error

    first()
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # waiting for the first transaction
    db.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    return outcome["result"]


def test_double_submitted_plan_requests_file_one(db, team):
    """Both requests pass the "one open request" check before either commits; the
    database's partial unique index refuses the second: a conflict, not a 500."""
    from tests.care.factories import clear

    clear(db, team)
    db.commit()
    data = care.PlanRequestInput(reason="Higher dose", dose_mg=Decimal("250"))

    def second(other):
        return care.request_plan_change(other, other.merge(team.therapist, load=True),
                                        other.merge(team.patient, load=True), data)
    result = _race(db, lambda: care.request_plan_change(db, team.therapist, team.patient,
                                                        data), second)
    assert isinstance(result, ConflictError) and "already waiting" in result.message
    assert db.query(PlanChangeRequest).count() == 1


def test_two_workers_cannot_double_book_a_clinician(db, team):
    """A double submit, or two workers racing: the calendar lock makes the second booking
    wait for the first and then see it (SQLite and PostgreSQL)."""
    start = at(2)
    db.commit()

    def book(session, therapist, patient):
        return care.schedule_session(session, therapist, patient, kind="preparation",
                                     clinician=therapist, start=start, duration_minutes=60)
    result = _race(db, lambda: book(db, team.therapist, team.patient),
                   lambda other: book(other, other.merge(team.therapist, load=True),
                                      other.merge(team.patient, load=True)))
    assert isinstance(result, RuleViolation) and "already has a session" in result.message
    db.expire_all()
    assert db.query(CareSession).filter_by(scheduled_start=start).count() == 1
