"""A dosing that cannot end in a discharge: transferred to emergency care, the patient left
against advice, or ended early otherwise. The record closes honestly (how, why, where to,
the monitoring time as it was), the prescriber is told, and the safety rules still hold.

Times are given to the services explicitly (``now=``): no test depends on the wall clock.
"""

from datetime import timedelta

import pytest

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.models import PrescriberReview
from kapms.care.rules import end_early_refusal
from kapms.errors import ConflictError, RuleViolation
from tests.care.factories import (
    THRESHOLDS,
    administer,
    at,
    check_in,
    discharge,
    later,
    ready_for_dosing,
    session_for,
    vitals,
)


def _in_monitoring(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    administer(db, team, cs)
    return cs


def _end(db, team, cs, minutes=25, **kwargs):
    values = dict(ended_at=cs.dosing.given_at + timedelta(minutes=minutes),
                  kind="emergency_transfer", reason="Chest pain, BP 190/110; 911 called",
                  transferred_to="St. Mary's emergency department")
    values.update(kwargs)
    return care.end_early(db, team.therapist, cs, care.EndEarlyInput(**values), THRESHOLDS,
                          cs.dosing.version, now=later(cs))


def test_an_emergency_transfer_closes_the_record_and_tells_the_prescriber(db, team):
    cs = _in_monitoring(db, team)
    care.add_adverse_event(db, team.therapist, cs, care.AdverseEventInput(
        occurred_at=cs.dosing.given_at + timedelta(minutes=20), kind="other",
        severity="severe", serious=True, notes="Chest pain"), cs.dosing.version,
        now=later(cs))
    dosing = _end(db, team, cs, systolic=190, diastolic=110, heart_rate=120)
    assert dosing.closed and dosing.ended_early and dosing.phase == "closed"
    assert dosing.end_kind_label == "Transferred to emergency care"
    # the record says how long monitoring really lasted (no minimum for an early end)
    assert dosing.monitoring_minutes == 25 and dosing.discharge_stable is False
    assert cs.status == "completed" and cs.ended_at == dosing.monitoring_end
    end = dosing.reading("end")
    assert (end.systolic, end.diastolic, end.taken_at) == (190, 110, dosing.monitoring_end)
    kinds = {r.kind: r for r in db.query(PrescriberReview).filter_by(patient_id=team.patient.id)}
    assert set(kinds) >= {"ended_early", "serious_ae", "bp_rise"}
    assert "St. Mary's" in kinds["ended_early"].summary and "25 minutes" in \
        kinds["ended_early"].summary
    # the administered dose counts; the record is closed to new phase entries
    assert care.administered_dosing_count(db, team.patient.id) == 1
    with pytest.raises(RuleViolation, match="closed"):
        vitals(db, team, cs, kind="extra")
    with pytest.raises(RuleViolation, match="closed"):
        discharge(db, team, cs)


@pytest.mark.parametrize("changes, words, field", [
    ({"kind": "home"}, "Choose how", "kind"),
    ({"reason": "  "}, "Describe what happened", "reason"),
    ({"transferred_to": ""}, "where the patient was transferred", "transferred_to"),
    ({"kind": "left_against_advice", "no_driving_advised": False}, "not to drive",
     "no_driving_advised"),
    ({"minutes": -5}, "last entry", "ended_at"),
    ({"systolic": 120}, "Diastolic", "systolic"),
])
def test_refusals_save_nothing(db, team, changes, words, field):
    cs = _in_monitoring(db, team)
    version = cs.dosing.version
    with pytest.raises(RuleViolation, match=words) as refused:
        _end(db, team, cs, **changes)
    assert refused.value.field == field
    assert cs.dosing.monitoring_end is None and cs.dosing.end_kind is None
    assert cs.status == "in_progress" and cs.dosing.version == version
    assert not db.query(PrescriberReview).filter_by(kind="ended_early").count()


def test_nothing_can_be_after_the_end_and_not_in_the_future(db, team):
    cs = _in_monitoring(db, team)
    vitals(db, team, cs, minutes=40)
    with pytest.raises(RuleViolation, match="last entry"):  # before the 40-minute vitals
        _end(db, team, cs, minutes=35)
    with pytest.raises(RuleViolation, match="future"):
        care.end_early(db, team.therapist, cs, care.EndEarlyInput(
            ended_at=later(cs) + timedelta(minutes=30), kind="ended_early", reason="x",
            no_driving_advised=True), THRESHOLDS, cs.dosing.version, now=later(cs))


def test_a_patient_who_leaves_is_told_not_to_drive_and_the_ride_is_recorded(db, team):
    cs = _in_monitoring(db, team)
    dosing = _end(db, team, cs, kind="left_against_advice", transferred_to="ignored",
                  reason="Insisted on leaving at 30 minutes", no_driving_advised=True,
                  ride_home=False, minutes=30)
    assert dosing.transferred_to is None  # only a transfer has a destination
    assert (dosing.ride_home, dosing.no_driving_advised) == (False, True)


def test_only_in_monitoring_and_a_stale_save_is_a_conflict(db, team):
    ready_for_dosing(db, team)
    cs = session_for(db, team, "dosing", at(-1))
    check_in(db, team, cs)
    with pytest.raises(RuleViolation, match="not been given"):  # before the dose: hold
        care.end_early(db, team.therapist, cs, care.EndEarlyInput(
            ended_at=later(cs), kind="ended_early", reason="x"), THRESHOLDS,
            cs.dosing.version, now=later(cs))
    loaded = cs.dosing.version
    administer(db, team, cs)
    with pytest.raises(ConflictError):
        care.end_early(db, team.therapist, cs, care.EndEarlyInput(
            ended_at=cs.dosing.given_at + timedelta(minutes=5), kind="ended_early",
            reason="x", no_driving_advised=True), THRESHOLDS, loaded, now=later(cs))


def test_an_ended_record_is_corrected_by_amendment_under_its_own_rule(db, team):
    cs = _in_monitoring(db, team)
    dosing = _end(db, team, cs)
    targets = {a.target for a in care.amendable_values(dosing)}
    assert {"monitoring_end", "end_reason", "transferred_to"} <= targets
    assert "ready_to_leave_at" not in targets
    with pytest.raises(RuleViolation, match="where the patient"):
        care.amend_dosing(db, team.therapist, cs, "transferred_to", "", "typo", THRESHOLDS,
                          dosing.version, now=later(cs))
    end = (dosing.given_at + timedelta(minutes=35)).astimezone(clinic_time.zone())
    care.amend_dosing(db, team.therapist, cs, "monitoring_end", f"{end:%H:%M}",
                      "Transfer left later", THRESHOLDS, dosing.version, now=later(cs))
    assert dosing.monitoring_minutes == 35 and cs.ended_at == dosing.monitoring_end
    review = db.query(PrescriberReview).filter_by(kind="ended_early").one()
    assert "35 minutes" in review.summary


def test_the_rule_in_plain_values():
    given = at(-1)
    ok = dict(kind="emergency_transfer", reason="x", transferred_to="ED", no_driving=False,
              given_at=given, ended_at=given)
    assert end_early_refusal(**ok) is None
    assert "before the dose" in end_early_refusal(**{**ok, "ended_at": given
                                                     - timedelta(minutes=1)})
    assert end_early_refusal(**{**ok, "kind": "ended_early", "no_driving": True}) is None
    assert "not to drive" in end_early_refusal(**{**ok, "kind": "ended_early"})


@pytest.mark.parametrize("staff, clinicians, refused", [(2, 2, False), (2, 1, False),
                                                          (2, 3, True), (2, 0, True),
                                                          (1, None, True)])
def test_clinicians_monitoring_are_part_of_the_staff(staff, clinicians, refused):
    from kapms.care.rules import check_in_refusal

    answer = check_in_refusal("office", None, None, {"benzodiazepines": False,
                                                     "sedative_hypnotics": False,
                                                     "stimulants": False, "maois": False},
                              staff, clinicians)
    assert (answer is not None) is refused
    if refused:
        assert "qualified clinicians" in answer
