"""Pure care-path rules, without a database."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kapms.care import path
from kapms.care.rules import (
    SETTING_NAMES,
    DosingFacts,
    Thresholds,
    administration_refusal,
    bp_rise_flag,
    check_in_refusal,
    checkin_slots,
    clearance_is_current,
    clearance_refusal,
    dea_number_valid,
    discharge_refusal,
    dosing_refusal,
    future_refusal,
    hold_reason,
    max_dose,
    monitoring_minutes,
    phase_instant,
    plan_refusal,
    refill_refusal,
    refills_refusal,
    screen_refusal,
    sedating_taken,
    vitals_due,
    vitals_refusal,
)
from kapms.clinic_time import AmbiguousLocalTime, add_months
from kapms.config import Config

T = Thresholds()
LA = ZoneInfo("America/Los_Angeles")
OK = DosingFacts(clearance_current=True, plan_count=6, administered_before=0,
                 completed_preparations=1, last_dosing_needs_integration=False)
ALL_NO = {k: False for k in ("hypertension", "vascular", "breathing", "glaucoma",
                             "unstable_medical", "mania", "psychosis", "suicidality",
                             "substance_use", "allergy", "pregnancy")}


def test_thresholds_default_to_the_config_and_read_every_setting():
    assert T.hold_systolic == Config.BP_HOLD_SYSTOLIC == 160
    assert (T.min_monitoring_minutes, T.vitals_due_minutes, T.checkin_interval_minutes,
            T.follow_up_days) == (60, 40, 15, 30)
    config = {name: getattr(Config, name) for name in SETTING_NAMES.values()}
    assert Thresholds.from_config(config) == T
    assert Thresholds.from_config({**config, "MIN_MONITORING_MINUTES": 90}) \
        .min_monitoring_minutes == 90


def test_dosing_allowed_when_everything_is_in_place():
    assert dosing_refusal(OK) is None


@pytest.mark.parametrize("change, words", [
    ({"clearance_current": False}, "No current medical clearance"),
    ({"clearance_decided_before": False}, "decided after"),
    ({"completed_preparations": 0}, "preparation"),
    ({"last_dosing_needs_integration": True}, "integration"),
    ({"administered_before": 6}, "plan's 6 dosing sessions are all done"),
    ({"earlier_open": datetime(2026, 3, 3, tzinfo=UTC)}, "earlier dosing \\(Mar 03\\)"),
    ({"later_recorded": datetime(2026, 3, 9, tzinfo=UTC)}, "later dosing \\(Mar 09\\)"),
    ({"administered_before": 6, "maintenance_count": 2}, "follows the course's medical"),
    ({"administered_before": 8, "maintenance_before": 2, "maintenance_count": 2,
      "follow_up_after_course": True}, "and its 2 maintenance dosings"),
])
def test_dosing_refusals(change, words):
    facts = DosingFacts(**{**OK.__dict__, **change})
    assert dosing_refusal(facts) is not None
    import re
    assert re.search(words, dosing_refusal(facts))


def test_maintenance_dosing_after_the_course_and_its_follow_up():
    facts = DosingFacts(**{**OK.__dict__, "administered_before": 7, "maintenance_count": 2,
                           "maintenance_before": 1, "follow_up_after_course": True})
    assert facts.course_done and dosing_refusal(facts) is None


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


def test_check_in_refusals():
    answered = {"benzodiazepines": False, "sedative_hypnotics": False, "stimulants": False,
                "maois": True}
    assert check_in_refusal("office", None, None, answered, 1) is None
    assert "chaperone" in check_in_refusal("telehealth", "Sam", "", answered, 1)
    assert check_in_refusal("home", "Sam", "510", answered, 2) is None
    assert "MAOIs" in check_in_refusal("office", None, None, {**answered, "maois": None}, 1)
    assert "staff" in check_in_refusal("office", None, None, answered, 0)
    assert sedating_taken({**answered, "benzodiazepines": True}) == ["Benzodiazepines"]
    assert sedating_taken(answered) == []  # MAOIs are recorded, not a sedation warning


PLAN = ("ketamine_sl_lozenge", "sublingual", Decimal("200"))


@pytest.mark.parametrize("given, setting, words", [
    (("ketamine_sl_lozenge", "sublingual", Decimal("200")), "office", None),
    (("ketamine_sl_lozenge", "sublingual", Decimal("150")), "home", None),
    (("ketamine_sl_tablet", "sublingual", Decimal("200")), "office", "plan change"),
    (("ketamine_sl_lozenge", "sublingual", Decimal("200.01")), "office", "above the plan"),
    (("ketamine_sl_lozenge", "sublingual", Decimal("0")), "office", "dose in mg"),
])
def test_administration_against_the_plan(given, setting, words):
    refusal = administration_refusal(PLAN, *given, setting, T)
    assert (refusal is None) if words is None else (words in refusal)


def test_injections_are_given_by_staff_in_the_office():
    plan = ("ketamine_injection", "intramuscular", Decimal("50"))
    given = ("ketamine_injection", "intramuscular", Decimal("50"))
    assert administration_refusal(plan, *given, "office", T) is None
    for setting in ("telehealth", "home"):
        assert "never at a" in administration_refusal(plan, *given, setting, T)
    sub = ("ketamine_injection", "subcutaneous", Decimal("50"))
    assert "never at a" in administration_refusal(sub, *sub, "home", T)


def test_dose_tolerance():
    assert max_dose(Decimal("200"), T) == Decimal("200.00")
    assert max_dose(Decimal("200"), Thresholds(dose_tolerance_percent=10)) == Decimal("220.00")
    assert max_dose(Decimal("33.33"), Thresholds(dose_tolerance_percent=10)) == Decimal("36.66")


def test_bp_rise_flag():
    assert bp_rise_flag((120, 80), [("~40 minutes", 159, 104)], T) is None
    flag = bp_rise_flag((120, 80), [("~40 minutes", 160, 90)], T)
    assert "+40/+10" in flag
    assert bp_rise_flag((120, 80), [("Before discharge", 130, 105)], T)
    assert bp_rise_flag((120, 80), [("x", None, None)], T) is None
    assert bp_rise_flag((None, None), [("x", 200, 120)], T) is None


def test_vitals_refusal():
    ok = {"systolic": 120, "diastolic": 80, "heart_rate": 70}
    assert vitals_refusal(ok) is None
    assert "Heart rate" in vitals_refusal({**ok, "heart_rate": None})
    assert "SpO2 % must be between 50 and 100" in vitals_refusal({**ok, "spo2": 101})
    assert vitals_refusal({**ok, "spo2": 100}) is None


def test_vitals_due_and_overdue():
    given = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert vitals_due(given, False, given + timedelta(minutes=39), T).state == "upcoming"
    assert vitals_due(given, False, given + timedelta(minutes=40), T).state == "due"
    assert vitals_due(given, False, given + timedelta(minutes=50), T).state == "overdue"
    assert vitals_due(given, True, given + timedelta(minutes=90), T).state == "done"
    custom = vitals_due(given, False, given, Thresholds(vitals_due_minutes=30,
                                                       vitals_overdue_minutes=35))
    assert custom.due_at == given + timedelta(minutes=30)


def test_checkin_slots_while_monitoring_and_once_closed():
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    minutes = lambda m: start + timedelta(minutes=m)  # noqa: E731
    slots = checkin_slots(start, minutes(35), [minutes(14)], 15)
    assert [(s.due_at, s.state) for s in slots] == [(minutes(15), "done"),
                                                    (minutes(30), "pending")]
    # within half an interval either side of its time, a check-in counts for the slot
    assert checkin_slots(start, minutes(35), [minutes(14), minutes(37)], 15)[1].state == "done"
    slots = checkin_slots(start, minutes(40), [minutes(14)], 15)
    assert [s.state for s in slots] == ["done", "missed"]
    closed = checkin_slots(start, minutes(60), [minutes(14)], 15, closed=True)
    assert [s.state for s in closed] == ["done", "missed", "missed"]  # not the 60 at discharge
    assert checkin_slots(start, minutes(10), [], 15) == []


def test_discharge_refusals():
    given = datetime(2026, 3, 1, 10, tzinfo=UTC)
    ok = dict(given_at=given, discharged_at=given + timedelta(minutes=60), mid_vitals=True,
              discharge_vitals=True, stable=True, ride_home=True, no_driving=True, t=T)
    assert discharge_refusal(**ok) is None
    assert "59 minutes" in discharge_refusal(**{**ok, "discharged_at": given
                                                 + timedelta(minutes=59)})
    assert "~40-minute" in discharge_refusal(**{**ok, "mid_vitals": False})
    assert "stable" in discharge_refusal(**{**ok, "no_driving": False})
    assert "before the dose" in discharge_refusal(**{**ok, "discharged_at": given
                                                      - timedelta(minutes=1)})


def test_phase_times_belong_to_the_sessions_day_or_the_night_after():
    morning = datetime(2026, 3, 2, 9, 30, tzinfo=LA)
    assert phase_instant(morning, time(9, 35), LA) == datetime(2026, 3, 2, 9, 35, tzinfo=LA)
    assert phase_instant(morning, time(8, 50), LA) == datetime(2026, 3, 2, 8, 50, tzinfo=LA)
    late = datetime(2026, 3, 2, 22, 30, tzinfo=LA)
    assert phase_instant(late, time(0, 40), LA) == datetime(2026, 3, 3, 0, 40, tzinfo=LA)
    assert phase_instant(late, time(23, 10), LA) == datetime(2026, 3, 2, 23, 10, tzinfo=LA)
    assert phase_instant(late, time(11, 0), LA) == datetime(2026, 3, 2, 11, 0, tzinfo=LA)
    after_midnight = datetime(2026, 3, 3, 0, 10, tzinfo=LA)
    assert phase_instant(after_midnight, time(23, 50), LA) == \
        datetime(2026, 3, 2, 23, 50, tzinfo=LA)


def test_phase_time_in_the_hour_skipped_in_spring_is_refused():
    # 8 March 2026: clocks go from 02:00 to 03:00 in California.
    night = datetime(2026, 3, 8, 1, 0, tzinfo=LA)
    with pytest.raises(ValueError, match="does not exist"):
        phase_instant(night, time(2, 30), LA)
    assert phase_instant(night, time(3, 5), LA).astimezone(UTC) == \
        datetime(2026, 3, 8, 10, 5, tzinfo=UTC)
    # 1 November 2026: 01:30 happens twice; the form asks which (kapms.clinic_time).
    fall = datetime(2026, 11, 1, 0, 30, tzinfo=LA)
    with pytest.raises(AmbiguousLocalTime, match="happens twice"):
        phase_instant(fall, time(1, 30), LA)
    assert phase_instant(fall, time(1, 30), LA, fold=0).astimezone(UTC) == \
        datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert phase_instant(fall, time(1, 30), LA, fold=1).astimezone(UTC) == \
        datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def test_future_times_are_refused_beyond_a_small_clock_skew():
    now = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert future_refusal(now + timedelta(minutes=5), now, "dose") is None
    assert "future" in future_refusal(now + timedelta(minutes=6), now, "dose")


def test_clearance_refusals():
    assert "Choose the decision" in clearance_refusal("", "x", ALL_NO, None, (120, 80), 70)
    assert "reason" in clearance_refusal("cleared", " ", ALL_NO, None, (120, 80), 70)
    assert clearance_refusal("cleared", "ok", ALL_NO, None, (120, 80), 70) is None
    for item in ("pregnancy", "unstable_medical", "psychosis"):
        refusal = clearance_refusal("cleared", "ok", {**ALL_NO, item: True}, None, (120, 80), 70)
        assert "override" in refusal
        assert clearance_refusal("cleared", "ok", {**ALL_NO, item: True}, "discussed",
                                 (120, 80), 70) is None
    assert "baseline vitals" in clearance_refusal("cleared", "ok", ALL_NO, None, (120, None), 70)
    assert "baseline vitals" in clearance_refusal("cleared", "ok", ALL_NO, None, (120, 80), None)
    assert clearance_refusal("not_cleared", "psychosis", {"psychosis": True}, None) is None


def test_screen_refusal_names_what_is_unanswered():
    assert screen_refusal(ALL_NO) is None
    refusal = screen_refusal({**ALL_NO, "glaucoma": None})
    assert "Uncontrolled glaucoma" in refusal and "hypertension" not in refusal


def test_plan_refusal():
    today = date(2026, 3, 1)
    ok = (6, "ketamine_sl_lozenge", "sublingual", Decimal("200"), date(2027, 3, 1), today)
    assert plan_refusal(*ok) is None
    assert "between 1 and 36" in plan_refusal(0, *ok[1:])
    assert "expiry" in plan_refusal(*ok[:4], today, today)
    assert "Maintenance" in plan_refusal(*ok, maintenance_dosings=40)


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


CLEARED = dict(has_care_team=True, clearance_decision="cleared", clearance_current=True)


@pytest.mark.parametrize("facts, stage", [
    (path.PathFacts(), "referral"),
    (path.PathFacts(has_care_team=True), "intake"),
    (path.PathFacts(has_care_team=True, clearance_decision="deferred"), "deferred"),
    (path.PathFacts(**CLEARED, plan_count=6), "preparation"),
    (path.PathFacts(**CLEARED, plan_count=6, administered=2), "dosing"),
    (path.PathFacts(has_care_team=True, clearance_decision="cleared", clearance_current=False,
                    clearance_revoked=True, plan_count=6, administered=2), "intake"),
    (path.PathFacts(**CLEARED, plan_count=2, administered=2, integration_after_last=False),
     "dosing"),
    (path.PathFacts(**CLEARED, plan_count=2, administered=2), "follow_up"),
    (path.PathFacts(**CLEARED, plan_count=2, administered=2, follow_up_after_course=True),
     "completed"),
    (path.PathFacts(**CLEARED, plan_count=2, maintenance_count=1, administered=2,
                    follow_up_after_course=True), "maintenance"),
    (path.PathFacts(**CLEARED, plan_count=2, maintenance_count=1, administered=3,
                    maintenance_administered=1, follow_up_after_course=True,
                    integration_after_last=False), "maintenance"),
    (path.PathFacts(**CLEARED, plan_count=2, maintenance_count=1, administered=3,
                    maintenance_administered=1, follow_up_after_course=True), "completed"),
])
def test_derive_stage(facts, stage):
    assert path.derive_stage(facts) == stage


def test_timeline_and_next_due():
    facts = path.PathFacts(has_care_team=True, has_prescriber=True, clearance_decision="cleared",
                           clearance_current=True, plan_count=6, completed_preparations=1,
                           administered=1, held=1, integration_after_last=False)
    steps = {s["key"]: s["state"] for s in path.timeline(facts)}
    assert steps["clearance"] == "done" and steps["dosing"] == "current"
    assert steps["completed"] == "todo" and "maintenance" not in steps
    assert path.next_due(facts, 2, 30, 30) == ["Integration session after dosing 1."]
    assert "Invite a prescriber" in path.next_due(path.PathFacts(has_care_team=True),
                                                  2, 30, 30)[0]


@pytest.mark.parametrize("changes, due", [
    ({"administered": 1, "days_since_first_dosing": 29}, None),
    ({"administered": 1, "days_since_first_dosing": 30}, "30 days after the first dosing"),
    ({"administered": 2, "days_since_first_dosing": 3}, "due after dosing 2"),
    ({"administered": 2, "follow_ups_after_first_dosing": 1}, None),
    ({"administered": 6, "follow_ups_after_first_dosing": 1}, "after the course's last"),
    ({"administered": 0}, None),
])
def test_follow_up_due(changes, due):
    facts = path.PathFacts(**CLEARED, plan_count=6, **changes)
    result = path.follow_up_due(facts, 2, 30)
    assert (result is None) if due is None else (due in result)


def test_next_due_warns_before_the_clearance_runs_out():
    facts = dict(has_care_team=True, has_prescriber=True, clearance_decision="cleared",
                 clearance_current=True, plan_count=6, completed_preparations=1,
                 administered=2, integration_after_last=True, follow_ups_after_first_dosing=1)
    assert not any("expires" in d for d in path.next_due(
        path.PathFacts(**facts, clearance_days_left=31), 2, 30, 30))
    warning = [d for d in path.next_due(path.PathFacts(**facts, clearance_days_left=1),
                                        2, 30, 30) if "expires" in d]
    assert warning == ["The clearance expires in 1 day: the prescriber should review and renew "
                       "it before further dosing."]
