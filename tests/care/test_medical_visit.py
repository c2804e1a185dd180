"""Psychotherapy given by the prescriber within a medical visit (intake, follow-up): recorded
when the visit is completed, refused where it cannot be true, carried by the care contract
(billing's add-on codes read it; tests/billing/test_care_link.py follows it to the bill)."""

from datetime import timedelta

import pytest

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.care.rules import psychotherapy_refusal
from kapms.errors import RuleViolation
from tests.care.factories import at, session_for


def _billed(db, team, cs):
    day = clinic_time.local_date(cs.scheduled_start)
    return {s.session_id: s for s in care.billable_sessions(
        db, team.patient.id, day - timedelta(days=1), day + timedelta(days=1),
        tz=clinic_time.zone())}[cs.id]


def test_the_prescriber_records_psychotherapy_within_an_intake(db, team):
    cs = session_for(db, team, "intake", at(-2), clinician=team.prescriber)
    care.complete_session(db, team.prescriber, cs, 60, psychotherapy_minutes=30)
    assert (cs.actual_minutes, cs.psychotherapy_minutes) == (60, 30)
    assert _billed(db, team, cs).psychotherapy_minutes == 30
    assert "30 min psychotherapy" in db.query(AuditEvent).filter_by(
        entity_type="care_session").order_by(AuditEvent.id.desc()).first().detail


@pytest.mark.parametrize("kind, minutes, psychotherapy, words", [
    ("follow_up", 30, 30, "part of the 30-minute visit"),
    ("follow_up", None, 200, "part of the"),  # the booked duration is the visit's length
    ("intake", 60, -1, "negative"),
    ("preparation", 60, 20, "medical visit"),
])
def test_refusals_save_nothing(db, team, kind, minutes, psychotherapy, words):
    clinician = team.prescriber if kind in ("intake", "follow_up") else team.therapist
    cs = session_for(db, team, kind, at(-2), clinician=clinician)
    with pytest.raises(RuleViolation, match=words) as refused:
        care.complete_session(db, clinician, cs, minutes, psychotherapy_minutes=psychotherapy)
    assert refused.value.field == "psychotherapy_minutes"
    assert cs.status == "scheduled" and cs.psychotherapy_minutes is None


def test_without_psychotherapy_the_contract_says_none(db, team):
    cs = session_for(db, team, "follow_up", at(-2), clinician=team.prescriber)
    care.complete_session(db, team.prescriber, cs, 25)
    assert _billed(db, team, cs).psychotherapy_minutes is None


def test_completed_over_http_with_psychotherapy_minutes(client, login, db, team):
    cs = session_for(db, team, "follow_up", at(-2), clinician=team.prescriber)
    db.commit()
    login(team.prescriber)
    page = client.get(f"/care/sessions/{cs.id}").get_data(as_text=True)
    assert 'data-testid="psychotherapy-minutes"' in page
    refused = client.post(f"/care/sessions/{cs.id}/complete",
                          data={"actual_minutes": "30", "psychotherapy_minutes": "45"},
                          follow_redirects=True).get_data(as_text=True)
    assert "separate from the medical evaluation" in refused
    page = client.post(f"/care/sessions/{cs.id}/complete",
                       data={"actual_minutes": "50", "psychotherapy_minutes": "20"},
                       follow_redirects=True).get_data(as_text=True)
    assert "20 min psychotherapy within the visit" in page
    db.expire_all()
    assert _billed(db, team, cs).psychotherapy_minutes == 20


def test_the_rule_in_plain_values():
    assert psychotherapy_refusal("intake", None, 60) is None
    assert psychotherapy_refusal("intake", 0, 60) is None
    assert psychotherapy_refusal("follow_up", 59, 60) is None
    assert "part of" in psychotherapy_refusal("follow_up", 60, 60)
    assert "medical visit" in psychotherapy_refusal("integration", 1, 60)
