"""The care-path refusals word for word, and the boundaries of each rule (kapms/care/rules.py).

A refusal is what the clinician reads on the form (docs/care.md, "The dosing day" and
"Clearance"): every message is written out here by hand, so a refusal that says the wrong
thing, or the right thing for the wrong reason, fails. Boundaries come from docs/care.md and
domain.md: plans of 1-36 dosings and 0-36 maintenance dosings, BP holds at or above the
threshold, rises of 40/25 flagged, check-ins counted within half an interval, discharge after
the minimum monitoring time.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kapms.care.rules import (
    DosingFacts,
    Thresholds,
    administration_refusal,
    bp_rise_flag,
    check_in_refusal,
    checkin_slots,
    clearance_refusal,
    discharge_refusal,
    dosing_refusal,
    end_early_refusal,
    hold_reason,
    is_maintenance,
    monitoring_minutes,
    phase_instant,
    plan_refusal,
    psychotherapy_refusal,
    vitals_due,
    vitals_refusal,
)

T = Thresholds()
LA = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
OK = DosingFacts(clearance_current=True, plan_count=6, completed_preparations=1)
ANSWERED = {"benzodiazepines": False, "sedative_hypnotics": False, "stimulants": False,
            "maois": False}
ALL_NO = {k: False for k in ("hypertension", "vascular", "breathing", "glaucoma",
                             "unstable_medical", "mania", "psychosis", "suicidality",
                             "substance_use", "allergy", "pregnancy")}


def facts(**changes) -> DosingFacts:
    return DosingFacts(**{**OK.__dict__, **changes})


# --- the dosing preconditions -------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"earlier_open": datetime(2026, 3, 3, 9, tzinfo=UTC)},
     "An earlier dosing (Mar 03) is still open: record it, or cancel it if it did not happen, "
     "before this one. Dosings are recorded in the order they happen."),
    ({"later_recorded": datetime(2026, 3, 9, 9, tzinfo=UTC)},
     "A later dosing (Mar 09) is already recorded: a dosing cannot be slotted in before it. "
     "Cancel this session or reschedule it after that one."),
    ({"clearance_decided_before": False},
     "The clearance was decided after this dosing's time: a clearance counts only for "
     "dosings after its decision."),
    ({"clearance_current": False},
     "No current medical clearance: a prescriber must clear the patient (cleared, not "
     "expired, not revoked) before any dosing."),
    ({"completed_preparations": 0},
     "At least one completed preparation session is needed before the first dosing."),
    ({"administered_before": 1, "last_dosing_needs_integration": True},
     "The previous dosing has no integration session after it yet: hold an integration "
     "session before the next dosing."),
    ({"administered_before": 6},
     "The treatment plan's 6 dosing sessions are all done: the prescriber must amend the "
     "plan or issue a new clearance."),
    ({"administered_before": 8, "maintenance_before": 2, "maintenance_count": 2,
      "follow_up_after_course": True},
     "The treatment plan's 6 dosing sessions are all done (and its 2 maintenance dosings): "
     "the prescriber must amend the plan or issue a new clearance."),
    ({"administered_before": 6, "maintenance_count": 2},
     "Maintenance dosing follows the course's medical follow-up: the prescriber sees the "
     "patient first."),
    ({"administered_before": 5}, None),
    ({"administered_before": 6, "maintenance_count": 2, "follow_up_after_course": True}, None),
    ({"administered_before": 7, "maintenance_before": 1, "maintenance_count": 2,
      "follow_up_after_course": True}, None),
    ({"plan_count": None, "administered_before": 9}, None),  # no plan count: nothing to exceed
])
def test_dosing_refusal_words(changes, message):
    assert dosing_refusal(facts(**changes)) == message


@pytest.mark.parametrize("changes, maintenance", [
    ({"administered_before": 5}, False), ({"administered_before": 6}, True),
    ({"administered_before": 7, "maintenance_before": 1}, True),
    ({"administered_before": 6, "maintenance_before": 1}, False),  # 5 course dosings so far
    ({"plan_count": None, "administered_before": 6}, False),
])
def test_a_dosing_after_the_course_is_maintenance(changes, maintenance):
    assert is_maintenance(facts(**changes)) is maintenance


# --- check-in -----------------------------------------------------------------------------

def test_hold_reasons_in_words():
    assert hold_reason(160, 80, T) == (
        "Pre-dose blood pressure 160/80 mmHg is at or above the hold threshold 160/100.")
    assert hold_reason(120, 80, T, "  chest pain  ") == "New contraindication reported: chest pain"
    assert hold_reason(170, 101, Thresholds(hold_systolic=140, hold_diastolic=90), "rash") == (
        "Pre-dose blood pressure 170/101 mmHg is at or above the hold threshold 140/90. "
        "New contraindication reported: rash")
    assert hold_reason(None, 120, T) is None  # an incomplete reading decides nothing
    assert hold_reason(200, None, T) is None
    assert hold_reason(120, 80, T, None) is None


CHAPERONE = ("A telehealth or at-home dosing needs the chaperone's (peer treatment monitor's) "
             "name and phone.")


@pytest.mark.parametrize("args, message", [
    (("clinic", None, None, ANSWERED, 1), "Choose the setting: in office, telehealth or at home."),
    (("telehealth", "Sam Lee", None, ANSWERED, 1), CHAPERONE),
    (("home", None, "510-555-0100", ANSWERED, 1), CHAPERONE),
    (("home", "  ", "510-555-0100", ANSWERED, 1), CHAPERONE),
    (("home", "Sam Lee", " ", ANSWERED, 1), CHAPERONE),
    (("home", "Sam Lee", "510-555-0100", ANSWERED, 1), None),
    (("office", None, None, {**ANSWERED, "stimulants": None, "maois": None}, 1),
     "Answer yes or no for each co-medication taken today: Stimulants; MAOIs."),
    (("office", None, None, {}, 1),
     "Answer yes or no for each co-medication taken today: Benzodiazepines; Other "
     "sedative-hypnotics; Stimulants; MAOIs."),
    (("office", None, None, ANSWERED, 0),
     "Give the number of staff monitoring the patient (at least 1)."),
    (("office", None, None, ANSWERED, None),
     "Give the number of staff monitoring the patient (at least 1)."),
    (("office", None, None, ANSWERED, -1),
     "Give the number of staff monitoring the patient (at least 1)."),
    (("office", None, None, ANSWERED, 3), None),
])
def test_check_in_refusal_words(args, message):
    assert check_in_refusal(*args) == message


# --- the plan and the administration --------------------------------------------------------

TODAY = date(2026, 3, 1)
PLAN_OK = dict(dosing_count=6, product="ketamine_sl_lozenge", route="sublingual",
               dose_mg=Decimal("200"), expires_on=date(2027, 3, 1), today=TODAY)
COUNT = "The plan needs between 1 and 36 dosing sessions."
MAINTENANCE = "Maintenance dosings must be between 0 and 36."
PRODUCT_ROUTE = "Choose the product and route of the plan."
DOSE = "Give the planned dose in mg."
EXPIRY = "The plan's expiry must be after today."


@pytest.mark.parametrize("changes, message", [
    ({"dosing_count": 1}, None), ({"dosing_count": 36}, None),
    ({"dosing_count": 0}, COUNT), ({"dosing_count": 37}, COUNT), ({"dosing_count": None}, COUNT),
    ({"dosing_count": -1}, COUNT),
    ({"maintenance_dosings": 0}, None), ({"maintenance_dosings": 36}, None),
    ({"maintenance_dosings": None}, None),
    ({"maintenance_dosings": 37}, MAINTENANCE), ({"maintenance_dosings": -1}, MAINTENANCE),
    ({"product": "esketamine"}, PRODUCT_ROUTE), ({"route": "oral"}, PRODUCT_ROUTE),
    ({"product": None, "route": None}, PRODUCT_ROUTE),
    ({"dose_mg": Decimal("0.5")}, None), ({"dose_mg": Decimal("0")}, DOSE),
    ({"dose_mg": Decimal("-10")}, DOSE), ({"dose_mg": None}, DOSE),
    ({"expires_on": date(2026, 3, 2)}, None), ({"expires_on": TODAY}, EXPIRY),
    ({"expires_on": date(2026, 2, 28)}, EXPIRY), ({"expires_on": None}, EXPIRY),
])
def test_plan_refusal_words_and_bounds(changes, message):
    args = {**PLAN_OK, **changes}
    maintenance = args.pop("maintenance_dosings", 0)
    assert plan_refusal(*args.values(), maintenance_dosings=maintenance) == message


def test_plan_maintenance_defaults_to_none():
    assert plan_refusal(*PLAN_OK.values()) is None


LOZENGE = ("ketamine_sl_lozenge", "sublingual", Decimal("200"))
CHOOSE_GIVEN = "Choose the product and route given."
ELSEWISE = ("The plan is Ketamine sublingual lozenge (troche), sublingual: anything else "
            "needs a plan change from the prescriber.")


@pytest.mark.parametrize("given, setting, t, message", [
    (("ketamine_sl_lozenge", "sublingual", Decimal("200")), "home", T, None),
    (("ketamine_sl_lozenge", "sublingual", Decimal("1")), "office", T, None),
    (("ketamine_sl_lozenge", "sublingual", Decimal("0.5")), "office", T, None),
    (("esketamine", "sublingual", Decimal("200")), "office", T, CHOOSE_GIVEN),
    (("ketamine_sl_lozenge", "oral", Decimal("200")), "office", T, CHOOSE_GIVEN),
    (("ketamine_sl_tablet", "sublingual", Decimal("200")), "office", T, ELSEWISE),
    (("ketamine_sl_lozenge", "subcutaneous", Decimal("200")), "office", T, ELSEWISE),
    (("ketamine_sl_lozenge", "sublingual", Decimal("0")), "office", T, "Give the dose in mg."),
    (("ketamine_sl_lozenge", "sublingual", Decimal("-5")), "office", T, "Give the dose in mg."),
    (("ketamine_sl_lozenge", "sublingual", None), "office", T, "Give the dose in mg."),
    (("ketamine_sl_lozenge", "sublingual", Decimal("200.50")), "office", T,
     "200.5 mg is above the plan's dose (200 mg): a higher dose needs the prescriber "
     "(request a plan change)."),
    (("ketamine_sl_lozenge", "sublingual", Decimal("220")), "office",
     Thresholds(dose_tolerance_percent=10), None),
    (("ketamine_sl_lozenge", "sublingual", Decimal("221")), "office",
     Thresholds(dose_tolerance_percent=10),
     "221 mg is above the plan's dose (200 mg + 10% = 220 mg): a higher dose needs the "
     "prescriber (request a plan change)."),
])
def test_administration_refusal_words(given, setting, t, message):
    assert administration_refusal(LOZENGE, *given, setting, t) == message


def test_an_injection_outside_the_office_in_words():
    plan = ("ketamine_injection", "intramuscular", Decimal("50"))
    assert administration_refusal(plan, *plan, "telehealth", T) == (
        "Intramuscular (in office) is given by staff in the office, never at a telehealth or "
        "at-home dosing.")
    other = ("ketamine_injection", "subcutaneous", Decimal("50"))
    assert administration_refusal(plan, *other, "office", T) == (
        "The plan is Ketamine HCl injection, intramuscular (in office): anything else needs a "
        "plan change from the prescriber.")


# --- monitoring -----------------------------------------------------------------------------

def test_bp_rise_flag_words():
    readings = [("~40 minutes", 160, 90), ("Additional", None, 120), ("Before discharge", 130, 105)]
    assert bp_rise_flag((120, 80), readings, T) == (
        "Post-dose blood pressure rise: ~40 minutes: 160/90 (+40/+10 over pre-dose 120/80); "
        "Before discharge: 130/105 (+10/+25 over pre-dose 120/80)")
    # An incomplete reading is skipped, and the readings after it still count.
    assert bp_rise_flag((120, 80), [("x", 190, None), ("y", 161, 80)], T) == (
        "Post-dose blood pressure rise: y: 161/80 (+41/+0 over pre-dose 120/80)")
    assert bp_rise_flag((120, None), [("x", 200, 130)], T) is None
    assert bp_rise_flag((None, 80), [("x", 200, 130)], T) is None
    assert bp_rise_flag((120, 80), [("x", 159, 104)], T) is None
    assert bp_rise_flag((120, 80), [("x", 150, 95)], Thresholds(rise_systolic=30)) == (
        "Post-dose blood pressure rise: x: 150/95 (+30/+15 over pre-dose 120/80)")


@pytest.mark.parametrize("seconds, minutes", [(0, 0), (59, 0), (60, 1), (119, 1), (7500, 125),
                                              (-600, 0)])
def test_monitoring_minutes_are_whole_minutes_never_negative(seconds, minutes):
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert monitoring_minutes(start, start + timedelta(seconds=seconds)) == minutes
    assert monitoring_minutes(start, None) is None


def test_vitals_due_and_overdue_times():
    given = datetime(2026, 3, 1, 10, tzinfo=UTC)
    due = vitals_due(given, False, given + timedelta(minutes=49, seconds=59), T)
    assert (due.due_at, due.overdue_at, due.state) == (
        given + timedelta(minutes=40), given + timedelta(minutes=50), "due")


@pytest.mark.parametrize("values, message", [
    ({"systolic": 120, "diastolic": 80, "heart_rate": 70}, None),
    ({"systolic": None, "diastolic": None, "heart_rate": 70}, "Enter Systolic BP, Diastolic BP."),
    ({"systolic": 301, "diastolic": 80, "heart_rate": 70},
     "Systolic BP must be between 40 and 300."),
    ({"systolic": 300, "diastolic": 200, "heart_rate": 250, "spo2": 50}, None),
    ({"systolic": 40, "diastolic": 20, "heart_rate": 20, "spo2": 100}, None),
    ({"systolic": 120, "diastolic": 19, "heart_rate": 70},
     "Diastolic BP must be between 20 and 200."),
    ({"systolic": 120, "diastolic": 80, "heart_rate": 251},
     "Heart rate must be between 20 and 250."),
    ({"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 49},
     "SpO2 % must be between 50 and 100."),
])
def test_vitals_refusal_words(values, message):
    assert vitals_refusal(values) == message


def test_checkin_slot_windows_are_half_an_interval_either_side():
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    at = lambda m: start + timedelta(minutes=m)  # noqa: E731
    # The 15-minute slot's window is (7.5, 22.5]: 7.5 itself belongs to nothing before.
    assert checkin_slots(start, at(40), [at(7.5)], 15)[0].state == "missed"
    assert checkin_slots(start, at(40), [at(22.5)], 15)[0].state == "done"
    # While monitoring, a slot due exactly now is pending; once closed, a slot due at the
    # discharge itself is not counted.
    assert [(s.due_at, s.state) for s in checkin_slots(start, at(30), [at(15)], 15)] == [
        (at(15), "done"), (at(30), "pending")]
    assert [s.due_at for s in checkin_slots(start, at(30), [at(15)], 15, closed=True)] == [
        at(15)]
    # A slot whose window closed exactly now is missed, not pending.
    assert checkin_slots(start, at(37.5), [], 15)[1].state == "missed"
    assert checkin_slots(start, at(37.4), [], 15)[1].state == "pending"


# --- discharge ----------------------------------------------------------------------------

GIVEN = datetime(2026, 3, 1, 10, tzinfo=UTC)
DISCHARGE_OK = dict(given_at=GIVEN, discharged_at=GIVEN + timedelta(minutes=60), mid_vitals=True,
                    discharge_vitals=True, stable=True, ride_home=True, no_driving=True, t=T)
READY = ("Discharge needs the patient stable, a safe ride home arranged and told not to drive "
         "until the next day.")


@pytest.mark.parametrize("changes, message", [
    ({}, None),
    ({"discharged_at": GIVEN - timedelta(minutes=1)},
     "Discharge cannot be before the dose was given."),
    ({"discharged_at": GIVEN},  # at the dose itself: not before it, but far too soon
     "Monitoring has lasted 0 minutes: the clinic's minimum is 60 minutes from the dose."),
    ({"mid_vitals": False}, "Record the ~40-minute vitals before discharge."),
    ({"discharge_vitals": False}, "Record the vitals before discharge."),
    ({"stable": False}, READY), ({"ride_home": False}, READY), ({"no_driving": False}, READY),
    ({"discharged_at": GIVEN + timedelta(minutes=59, seconds=59)},
     "Monitoring has lasted 59 minutes: the clinic's minimum is 60 minutes from the dose."),
    ({"t": Thresholds(min_monitoring_minutes=90)},
     "Monitoring has lasted 60 minutes: the clinic's minimum is 90 minutes from the dose."),
])
def test_discharge_refusal_words(changes, message):
    assert discharge_refusal(**{**DISCHARGE_OK, **changes}) == message


# --- clearance ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (("maybe", "x", ALL_NO, None, (120, 80), 70),
     "Choose the decision: cleared, not cleared or deferred."),
    (("cleared", None, ALL_NO, None, (120, 80), 70), "Give the reason for the decision."),
    (("deferred", "  ", {}, None), "Give the reason for the decision."),
    (("deferred", "needs an ECG", {}, None), None),  # a deferral may leave the screen half done
    (("not_cleared", "psychosis", {}, None), None),
    (("cleared", "ok", {**ALL_NO, "glaucoma": None, "allergy": None}, None, (120, 80), 70),
     "Answer every item of the contraindication screen with yes or no: Uncontrolled glaucoma; "
     "Ketamine allergy or hypersensitivity."),
    (("cleared", "ok", ALL_NO, None, (None, 80), 70),
     "Clearing needs the baseline vitals: blood pressure and heart rate."),
    (("cleared", "ok", {**ALL_NO, "glaucoma": True, "pregnancy": True}, "  ", (120, 80), 70),
     "A contraindication was answered yes (Uncontrolled glaucoma; Pregnancy or "
     "breastfeeding). Clearing needs an explicit override reason."),
    (("cleared", "ok", {**ALL_NO, "glaucoma": True}, "treated; pressure normal", (120, 80), 70),
     None),
])
def test_clearance_refusal_words(args, message):
    assert clearance_refusal(*args) == message


# --- times of day ---------------------------------------------------------------------------

def test_phase_instants_are_returned_in_utc():
    start = datetime(2026, 3, 2, 9, 30, tzinfo=LA)  # 17:30 UTC
    instant = phase_instant(start, time(10, 15), LA)
    assert instant.tzinfo == UTC and instant == datetime(2026, 3, 2, 18, 15, tzinfo=UTC)


def test_phase_instants_in_a_zone_ahead_of_utc():
    # 08:00 in Tokyo is 23:00 UTC the day before: the session's day is the clinic's.
    start = datetime(2026, 3, 2, 8, 0, tzinfo=TOKYO)
    assert phase_instant(start, time(7, 50), TOKYO) == datetime(2026, 3, 1, 22, 50, tzinfo=UTC)
    late = datetime(2026, 3, 2, 23, 0, tzinfo=TOKYO)
    assert phase_instant(late, time(0, 40), TOKYO) == datetime(2026, 3, 2, 15, 40, tzinfo=UTC)


def test_the_hour_skipped_in_spring_in_words():
    night = datetime(2026, 3, 8, 1, 0, tzinfo=LA)
    with pytest.raises(ValueError) as refused:
        phase_instant(night, time(2, 30), LA)
    assert str(refused.value) == ("2:30 AM on Sun Mar 8, 2026 does not exist at the clinic: "
                                  "clocks go forward an hour that night. Enter the time as "
                                  "the clock showed it.")


@pytest.fixture
def server_far_east(monkeypatch):
    """The server's own clock zone set far from the clinic's (UTC+14)."""
    import time as clock

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    clock.tzset()
    yield
    monkeypatch.undo()
    clock.tzset()


def test_phase_instants_do_not_depend_on_the_servers_zone(server_far_east):
    start = datetime(2026, 3, 2, 22, 30, tzinfo=LA)
    instant = phase_instant(start, time(0, 40), LA)
    assert instant == datetime(2026, 3, 3, 8, 40, tzinfo=UTC) and instant.utcoffset() == timedelta(0)
    assert str(instant.tzinfo) == "UTC"
    # 11:30 in California is already the next day on the server: a check-in at 23:50 the
    # evening before (11 h 40 before the start) is still found.
    late_morning = datetime(2026, 3, 2, 11, 30, tzinfo=LA)
    assert phase_instant(late_morning, time(23, 50), LA) == datetime(2026, 3, 1, 23, 50, tzinfo=LA)
    night = datetime(2026, 3, 8, 1, 0, tzinfo=LA)
    with pytest.raises(ValueError):
        phase_instant(night, time(2, 30), LA)


def test_a_time_twelve_hours_from_the_start_is_the_earlier_one():
    # Midnight is as far before a noon session as after it: the session's own day is meant.
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=LA)
    assert phase_instant(noon, time(0, 0), LA) == datetime(2026, 3, 2, 0, 0, tzinfo=LA)


# --- closing a dosing early, psychotherapy within a medical visit (from the gaps merge) ----

GIVEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _end(**change):
    args = dict(kind="left_against_advice", reason="Wanted to leave", transferred_to=None,
                no_driving=True, given_at=GIVEN, ended_at=GIVEN + timedelta(minutes=20))
    return end_early_refusal(**{**args, **change})


def test_closing_early_refusals_in_words():
    assert _end() is None
    assert _end(kind="ended_early") is None
    assert _end(kind="emergency_transfer", transferred_to="Mercy ED", no_driving=False) is None
    assert _end(ended_at=GIVEN) is None  # ending the minute the dose was given
    assert _end(kind=None) == _end(kind="discharged") == "Choose how the session ended."
    assert _end(reason="  ") == _end(reason=None) == (
        "Describe what happened and why the session ended early.")
    assert _end(ended_at=GIVEN - timedelta(minutes=1)) == (
        "The session cannot end before the dose was given.")
    assert _end(kind="emergency_transfer", transferred_to=" ") == (
        "Say where the patient was transferred (e.g. the emergency department).")
    assert _end(kind="emergency_transfer", transferred_to=None) == _end(
        kind="emergency_transfer", transferred_to=" ")
    assert _end(no_driving=False) == _end(kind="ended_early", no_driving=False) == (
        "A patient who leaves before discharge must be told not to drive until the next day: "
        "confirm it.")


def test_psychotherapy_within_a_medical_visit_in_words():
    assert psychotherapy_refusal("follow_up", None, 30) is None
    assert psychotherapy_refusal("preparation", None, 60) is None
    assert psychotherapy_refusal("intake", 0, 60) is None
    assert psychotherapy_refusal("follow_up", 29, 30) is None
    assert psychotherapy_refusal("integration", 20, 60) == (
        "Psychotherapy minutes are recorded on a medical visit (intake or follow-up); this "
        "session's minutes are its psychotherapy.")
    assert psychotherapy_refusal("intake", -1, 60) == "Psychotherapy minutes cannot be negative."
    assert psychotherapy_refusal("follow_up", 30, 30) == (
        "Psychotherapy (30 min) must be a part of the 30-minute visit, separate from the "
        "medical evaluation.")
