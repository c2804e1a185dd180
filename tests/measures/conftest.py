"""Fixtures for the measures tests: patients with care teams, answers that score to a
chosen total."""

from itertools import count

import pytest

from tests import factories
from tests.factories import make_user

_seq = count(1)


def make_patient(session, therapist=None, *, diagnosis="F33.1", first_name=None):
    """A patient (flushed), with ``therapist`` on the care team when given."""
    names = {"first_name": first_name} if first_name else {}
    return factories.make_patient(session, therapist, diagnosis_code=diagnosis, **names)


def phq9(total: int, *, item3: int | None = None, item9: int = 0) -> list[int]:
    """PHQ-9 answers summing to ``total`` with the given item 3 and item 9."""
    answers = [0] * 9
    answers[8] = item9
    if item3 is not None:
        answers[2] = item3
    rest = total - sum(answers)
    assert rest >= 0
    for i in (0, 1, 3, 4, 5, 6, 7, 2):
        if item3 is not None and i == 2:
            continue
        add = min(3 - answers[i], rest)
        answers[i] += add
        rest -= add
    assert rest == 0, "total not reachable"
    return answers


def mbi(exhaustion: int, cynicism: int, efficacy: int) -> list[int]:
    """MBI-GS answers whose subscale sums are the given integers (items 1-16)."""
    answers = [0] * 16
    for items, total in (((1, 2, 3, 4, 6), exhaustion), ((8, 9, 13, 14, 15), cynicism),
                         ((5, 7, 10, 11, 12, 16), efficacy)):
        for n in items:
            add = min(6, total)
            answers[n - 1] = add
            total -= add
        assert total == 0
    return answers


@pytest.fixture
def therapist(db):
    """A therapist (flushed)."""
    return make_user(db, roles=("therapist",))


@pytest.fixture
def patient(db, therapist):
    """A patient with ``therapist`` on the care team."""
    return make_patient(db, therapist)


def add_dosing(session, patient, clinician, day, number, *, held=False, route="sublingual",
               setting="office", events=(), bp_flag=False):
    """Dosing ``number`` of the course on ``day`` (a date): its session and live dosing
    record, written directly (the care services' rules are theirs to test): held (the
    number it would have had), or administered with ``events`` as (kind, serious) pairs
    and a blood-pressure rise flag."""
    from datetime import UTC, datetime, timedelta

    from kapms.care.models import AdverseEvent, CareSession, DosingRecord

    start = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
    care_session = CareSession(patient_id=patient.id, kind="dosing", clinician_id=clinician.id,
                               scheduled_start=start, duration_minutes=120,
                               modality="office" if setting == "office" else "telehealth",
                               status="held" if held else "completed")
    session.add(care_session)
    session.flush()
    given = start + timedelta(minutes=20)
    record = DosingRecord(
        session_id=care_session.id, dosing_number=number, checked_in_at=start,
        setting=setting, outcome="held" if held else "administered",
        hold_reason="Pre-dose blood pressure at or above the hold threshold" if held else None,
        route=None if held else route, given_at=None if held else given,
        bp_flag="Systolic rose 40 mmHg or more" if bp_flag else None,
        adverse_events=[AdverseEvent(kind=kind, severity="mild", serious=serious,
                                     occurred_at=given) for kind, serious in events])
    session.add(record)
    session.flush()
    return record
