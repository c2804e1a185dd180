"""Pure care-path rules, without a database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kapms.care import path
from kapms.care.rules import (
    DosingFacts,
    Thresholds,
    add_months,
    bp_rise_flag,
    clearance_is_current,
    clearance_refusal,
    dea_number_valid,
    dosing_refusal,
    hold_reason,
    monitoring_minutes,
    refill_refusal,
    refills_refusal,
)

T = Thresholds()
OK = DosingFacts(clearance_current=True, plan_count=6, administered_under_plan=0,
                 completed_preparations=1, last_dosing_needs_integration=False)


def test_dosing_allowed_when_everything_is_in_place():
    assert dosing_refusal(OK) is None


@pytest.mark.parametrize("change, words", [
    ({"clearance_current": False}, "clearance"),
    ({"completed_preparations": 0}, "preparation"),
    ({"last_dosing_needs_integration": True}, "integration"),
    ({"administered_under_plan": 6}, "plan"),
])
def test_dosing_refusals(change, words):
    facts = DosingFacts(**{**OK.__dict__, **change})
    assert words in dosing_refusal(facts)


@pytest.mark.parametrize("sys_, dia, held", [
    (159, 99, False), (160, 80, True), (120, 100, True), (170, 105, True)])
def test_hold_threshold_is_inclusive(sys_, dia, held):
    assert (hold_reason(sys_, dia, T) is not None) is held


def test_hold_threshold_is_a_setting():
    assert hold_reason(145, 85, Thresholds(hold_systolic=140, hold_diastolic=90))
    assert hold_reason(145, 85, T) is None


def test_new_contraindication_holds():
    assert "chest pain" in hold_reason(120, 80, T, "chest pain since yesterday")
    assert hold_reason(120, 80, T, "   ") is None


def test_bp_rise_flag():
    assert bp_rise_flag((120, 80), [("~40 minutes", 159, 104)], T) is None
    flag = bp_rise_flag((120, 80), [("~40 minutes", 160, 90)], T)
    assert "+40/+10" in flag
    assert bp_rise_flag((120, 80), [("Before discharge", 130, 105)], T)
    assert bp_rise_flag((120, 80), [("x", None, None)], T) is None


def test_clearance_refusals():
    assert clearance_refusal("maybe", "x", {}, None)
    assert "reason" in clearance_refusal("cleared", " ", {}, None)
    assert clearance_refusal("cleared", "ok", {"pregnancy": True}, None) is None  # relative
    refusal = clearance_refusal("cleared", "ok", {"psychosis": True}, None)
    assert "override" in refusal
    assert clearance_refusal("cleared", "ok", {"psychosis": True}, "remote, single episode") is None
    assert clearance_refusal("not_cleared", "psychosis", {"psychosis": True}, None) is None


def test_clearance_current():
    today = date(2026, 5, 1)
    assert clearance_is_current("cleared", today, False, today)
    assert not clearance_is_current("cleared", today - timedelta(days=1), False, today)
    assert not clearance_is_current("cleared", today, True, today)
    assert not clearance_is_current("deferred", today, False, today)


def test_add_months_clamps():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 1), 12) == date(2027, 3, 1)


def test_refills():
    assert refills_refusal(5) is None
    assert refills_refusal(6)
    issued = date(2026, 1, 31)
    assert refill_refusal(issued, 5, 0, date(2026, 7, 31)) is None
    assert "6 months" in refill_refusal(issued, 5, 0, date(2026, 8, 1))
    assert "used" in refill_refusal(issued, 2, 2, date(2026, 2, 1))
    assert refill_refusal(issued, 2, 0, date(2026, 1, 30))


def test_dea_check_digit():
    assert dea_number_valid("AB1234563")
    assert not dea_number_valid("AB1234564")
    assert not dea_number_valid("A11234563")


def test_monitoring_minutes():
    start = datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert monitoring_minutes(start, start + timedelta(minutes=125)) == 125
    assert monitoring_minutes(None, start) is None


@pytest.mark.parametrize("facts, stage", [
    (path.PathFacts(), "referral"),
    (path.PathFacts(has_care_team=True), "intake"),
    (path.PathFacts(has_care_team=True, clearance_decision="deferred"), "deferred"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=True,
                    plan_count=6), "preparation"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=True,
                    plan_count=6, administered=2), "dosing"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=False,
                    clearance_revoked=True, plan_count=6, administered=2), "intake"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=True,
                    plan_count=2, administered=2, integration_after_last=False), "dosing"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=True,
                    plan_count=2, administered=2), "follow_up"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=True,
                    plan_count=2, administered=2, follow_up_after_last=True), "completed"),
])
def test_derive_stage(facts, stage):
    assert path.derive_stage(facts) == stage


def test_timeline_and_next_due():
    facts = path.PathFacts(has_care_team=True, has_prescriber=True, clearance_decision="cleared",
                           clearance_current=True, plan_count=6, completed_preparations=1,
                           administered=1, held=1, integration_after_last=False)
    steps = {s["key"]: s["state"] for s in path.timeline(facts)}
    assert steps["clearance"] == "done" and steps["dosing"] == "current"
    assert steps["completed"] == "todo"
    assert path.next_due(facts) == ["Integration session after dosing 1."]
    assert "Invite a prescriber" in path.next_due(path.PathFacts(has_care_team=True))[0]


def test_next_due_warns_before_the_clearance_runs_out():
    from kapms.care.path import PathFacts, next_due

    facts = dict(has_care_team=True, has_prescriber=True, clearance_decision="cleared",
                 clearance_current=True, plan_count=6, completed_preparations=1,
                 administered=2, integration_after_last=True, follow_ups_after_first_dosing=1)
    assert not any("expires" in d for d in next_due(PathFacts(**facts, clearance_days_left=31)))
    warning = [d for d in next_due(PathFacts(**facts, clearance_days_left=1)) if "expires" in d]
    assert warning == ["The clearance expires in 1 day: the prescriber should review and renew "
                       "it before further dosing."]
