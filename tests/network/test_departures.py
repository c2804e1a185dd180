"""Leaving a care team: removal and transfer with a reason and an effective day; the
scheduled sessions moved to the successor or cancelled with notice; history kept; access
ends; nothing half-saved when a step is refused."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from kapms import clinic_time
from kapms.audit.models import AuditEvent
from kapms.care import services as care
from kapms.care.models import CareSession
from kapms.errors import NotFound, PermissionDenied, RuleViolation
from kapms.network.services import care_teams, departures
from kapms.patients.models import CareTeamMember
from kapms.patients.services import get_patient
from tests.factories import make_user
from tests.network.helpers import make_clinician, make_patient, make_plan


def at(days: int, hour: int = 10) -> datetime:
    """``days`` from the clinic's today at ``hour`` clinic time, in UTC."""
    day = clinic_time.today() + timedelta(days=days)
    return datetime.combine(day, time(hour), clinic_time.zone()).astimezone(UTC)


@pytest.fixture
def team(db):
    plan = make_plan(db)
    t = type("Team", (), {})()
    t.plan, t.admin = plan, make_user(db, roles=("admin",))
    t.patient = make_patient(db, plan=plan)
    t.leaving = make_clinician(db, name="Lee Ving", plans=[plan])
    t.successor = make_clinician(db, name="Sue Cessor", plans=[plan])
    t.member = care_teams.assign_member(db, t.admin, t.patient, t.leaving, "therapist")
    t.past = care.schedule_session(db, t.admin, t.patient, kind="preparation",
                                   clinician=t.leaving, start=at(-3), duration_minutes=60,
                                   record_past=True)
    care.complete_session(db, t.leaving, t.past)
    t.upcoming = [care.schedule_session(db, t.admin, t.patient, kind=kind, clinician=t.leaving,
                                        start=at(days), duration_minutes=60)
                  for kind, days in (("preparation", 2), ("integration", 9))]
    return t


def leave(**kw) -> departures.Departure:
    values = dict(reason="Moving practice", effective=clinic_time.today(), sessions="reassign",
                  notice="")
    values.update(kw)
    return departures.Departure(**values)


def test_transfer_moves_the_sessions_and_keeps_the_history(db, team):
    place = departures.transfer_member(db, team.admin, team.member, team.successor, leave())
    assert place.joined_via == "transfer" and place.user_id == team.successor.id
    assert [s.clinician_id for s in team.upcoming] == [team.successor.id] * 2
    assert team.past.clinician_id == team.leaving.id  # held sessions stay as they were
    ended = team.member
    assert not ended.active and ended.ends_on == clinic_time.today()
    assert (ended.removal_reason, ended.successor_id, ended.removed_by_id) == (
        "Moving practice", team.successor.id, team.admin.id)
    assert ended.handover == "2 scheduled session(s) moved to Sue Cessor."
    assert [m.user_id for m in team.patient.care_team] == [team.successor.id]
    history = care_teams.team_history(db, team.patient)
    assert [(m.user_id, m.active) for m in history] == [(team.successor.id, True),
                                                       (team.leaving.id, False)]
    with pytest.raises(NotFound):  # access ends when the departure is recorded
        get_patient(db, team.leaving, team.patient.id)
    details = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.entity_type == "care_team", AuditEvent.user_id == team.admin.id)).all()
    assert any("removed therapist" in d and "Moving practice" in d for d in details)


def test_removal_cancels_with_notice_and_the_patient_waits_again(db, team):
    departures.remove_member(db, team.admin, team.member, leave(
        sessions="cancel", notice="Your therapist has left; we will call you this week."))
    assert [s.status for s in team.upcoming] == ["cancelled", "cancelled"]
    assert team.upcoming[0].cancel_reason == "Your therapist has left; we will call you this week."
    assert team.member.handover == "2 cancelled with notice."
    assert team.patient.care_team == [] and team.patient.stage == "referral"


def test_removal_hands_sessions_to_another_member_of_the_role(db, team):
    care_teams.assign_member(db, team.admin, team.patient, team.successor, "therapist")
    with pytest.raises(RuleViolation, match="Choose another therapist"):
        departures.remove_member(db, team.admin, team.member, leave(reassign_to_id=None))
    departures.remove_member(db, team.admin, team.member,
                             leave(reassign_to_id=team.successor.id))
    assert {s.clinician_id for s in team.upcoming} == {team.successor.id}


def test_sessions_before_the_effective_day_stay(db, team):
    """Backdated: the clinician left two days ago; only sessions from that day on move."""
    team.member.added_at -= timedelta(days=30)
    earlier = care.schedule_session(db, team.admin, team.patient, kind="preparation",
                                    clinician=team.leaving, start=at(-5, 15),
                                    duration_minutes=60, record_past=True)
    effective = clinic_time.today() - timedelta(days=2)
    departures.transfer_member(db, team.admin, team.member, team.successor,
                               leave(effective=effective))
    assert earlier.clinician_id == team.leaving.id
    assert {s.clinician_id for s in team.upcoming} == {team.successor.id}


def test_refusals_save_nothing(db, team):
    db.commit()
    today = clinic_time.today()
    cases = [
        (team.leaving, leave(), PermissionDenied, "coordinator"),
        (team.admin, leave(reason=" "), RuleViolation, "Say why"),
        (team.admin, leave(effective=today + timedelta(days=1)), RuleViolation,
         "on or after the day"),
        (team.admin, leave(effective=today - timedelta(days=30)), RuleViolation,
         "before the clinician joined"),
        (team.admin, leave(sessions="cancel"), RuleViolation, "notice"),
        (team.admin, leave(sessions="shred"), RuleViolation, "scheduled sessions"),
    ]
    for actor, departure, error, message in cases:
        with pytest.raises(error, match=message):
            departures.transfer_member(db, actor, team.member, team.successor, departure)
        db.rollback()
    # The successor is busy at the time of one session: the whole transfer is refused.
    other = make_patient(db, plan=team.plan)
    care_teams.assign_member(db, team.admin, other, team.successor, "therapist")
    care.schedule_session(db, team.admin, other, kind="preparation", clinician=team.successor,
                          start=team.upcoming[1].scheduled_start, duration_minutes=60)
    db.commit()
    with pytest.raises(RuleViolation, match="Sue Cessor already has a session"):
        departures.transfer_member(db, team.admin, team.member, team.successor, leave())
    db.rollback()
    db.expire_all()
    assert team.member.active and team.patient.members("therapist") == [team.leaving]
    assert {s.clinician_id for s in db.scalars(select(CareSession).where(
        CareSession.patient_id == team.patient.id))} == {team.leaving.id}


def test_the_successor_must_be_eligible_unless_overridden(db, team):
    oregon = make_clinician(db, name="Ore Gon", states=("OR",), plans=[team.plan])
    with pytest.raises(RuleViolation, match="holds no current licence in CA"):
        departures.transfer_member(db, team.admin, team.member, oregon, leave())
    place = departures.transfer_member(db, team.admin, team.member, oregon, leave(),
                                       override_reason="Temporary cover; CA licence filed")
    assert place.override_reason == "Temporary cover; CA licence filed"


def test_a_clinician_may_rejoin_later_as_a_new_place(db, team):
    departures.remove_member(db, team.admin, team.member, leave(sessions="cancel",
                                                                 notice="Sorry"))
    again = care_teams.assign_member(db, team.admin, team.patient, team.leaving, "therapist")
    assert again.id != team.member.id and again.active
    rows = db.scalars(select(CareTeamMember).where(
        CareTeamMember.patient_id == team.patient.id,
        CareTeamMember.user_id == team.leaving.id)).all()
    assert sorted(r.active for r in rows) == [False, True]


def test_the_database_allows_one_active_place_per_person_and_role(db, team):
    from sqlalchemy.exc import IntegrityError

    db.add(CareTeamMember(patient_id=team.patient.id, user_id=team.leaving.id,
                          role="therapist", active=False))
    db.flush()  # an ended place beside the active one is history
    db.add(CareTeamMember(patient_id=team.patient.id, user_id=team.leaving.id,
                          role="therapist"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
