"""Codes, course templates, course dating and the whole-course estimate."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kapms.billing.business_days import us_federal_holidays
from kapms.billing.codes import (
    SERVICE_CODES,
    SERVICE_TYPES,
    billing_units,
    psychotherapy_code,
)
from kapms.billing.course import (
    DEFAULT_COURSE,
    Benefits,
    PlannedService,
    course_template,
    expand_course,
    low_high_templates,
    price_course,
    therapy_minutes,
)
from kapms.icd10 import ICD10_LABELS

START = date(2025, 3, 3)  # a Monday


@pytest.mark.parametrize(
    ("minutes", "plain", "with_em"),
    [(16, "90832", "90833"), (37, "90832", "90833"), (38, "90834", "90836")]
    + [(52, "90834", "90836"), (53, "90837", "90838"), (120, "90837", "90838")],
)
def test_psychotherapy_code_by_minutes(minutes, plain, with_em):
    assert psychotherapy_code(minutes) == plain
    assert psychotherapy_code(minutes, with_em=True) == with_em


@pytest.mark.parametrize("minutes", [15, 0, -5, 30.0, True])
def test_psychotherapy_code_rejects_short_or_non_int(minutes):
    with pytest.raises(ValueError):
        psychotherapy_code(minutes)


def test_code_tables_are_complete():
    expected = "90791 90792 99204 99214 90832 90834 90837 90833 90836 90838 0820T 0821T 0822T"
    assert set(SERVICE_CODES) == set(expected.split()) | {"96127", "MED-KETAMINE"}
    assert all(kind in SERVICE_TYPES for _, kind in SERVICE_CODES.values())
    diagnoses = "F41.1 F43.10 F43.12 F33.1 F32.0 F32.1 F32.2 F32.3 F32.4 F32.5 F32.9 F32.A Z73.0"
    assert set(diagnoses.split()) <= set(ICD10_LABELS)


def test_monitoring_units_follow_the_midpoint_rule():
    assert [billing_units("0820T", m) for m in (31, 90, 91, 120, 151)] == [1, 1, 2, 2, 3]
    assert billing_units("90837", 120) == 1
    with pytest.raises(ValueError):
        billing_units("0820T", 30)


def test_default_course_follows_the_source():
    by_code = {}
    for service in DEFAULT_COURSE:
        by_code[service.code] = by_code.get(service.code, 0) + service.count
    assert by_code["99204"] + by_code["99214"] == 2  # two medical consultations
    assert by_code["MED-KETAMINE"] == 8  # medication for 8 dosings
    assert therapy_minutes(DEFAULT_COURSE) == 25 * 60  # ~25 hours of psychotherapy


def test_low_and_high_templates():
    low, high = low_high_templates()
    doses = [sum(s.count for s in t if s.code == "MED-KETAMINE") for t in (low, high)]
    assert doses == [6, 8]
    assert therapy_minutes(low) < therapy_minutes(DEFAULT_COURSE) < therapy_minutes(high)


def test_in_office_template_bills_monitoring_per_hour():
    template = course_template(in_office_monitoring=True, dosing_minutes=120)
    lines = expand_course(template, START)
    monitoring = [line for line in lines if line.code == "0820T"]
    assert len(monitoring) == 8 and all(line.units == 2 for line in monitoring)


def test_planned_service_validation():
    with pytest.raises(ValueError, match="not billed as 90837"):
        PlannedService("preparation", "90837", 1, 45)
    with pytest.raises(ValueError, match="unknown phase"):
        PlannedService("aftercare", "90837", 1, 60)
    with pytest.raises(ValueError, match="unknown service code"):
        PlannedService("intake", "99999", 1)
    with pytest.raises(ValueError, match="count"):
        PlannedService("intake", "99204", -1)


def test_expand_course_order_and_spacing():
    lines = expand_course(DEFAULT_COURSE, START, weeks=20)
    assert len(lines) == sum(s.count for s in DEFAULT_COURSE)
    assert lines[0].code == "99204" and lines[0].date == START
    dosings = [line.date for line in lines if line.phase == "dosing" and line.code == "90837"]
    integrations = [line.date for line in lines if line.phase == "integration"]
    prep = [line.date for line in lines if line.phase == "preparation"]
    assert max(prep) < dosings[0]
    for i, dose in enumerate(dosings):  # each integration after its dosing, before the next
        assert dose < integrations[i]
        assert i + 1 == len(dosings) or integrations[i] < dosings[i + 1]
    [follow_up] = [line.date for line in lines if line.code == "99214"]
    assert follow_up == START + timedelta(days=30)
    assert integrations[-1] < START + timedelta(weeks=20)
    assert all(line.date.weekday() < 5 for line in lines)
    assert [line.date for line in lines] == sorted(line.date for line in lines)


def test_expand_course_moves_off_weekends_and_holidays():
    holidays = us_federal_holidays(2025)
    lines = expand_course(DEFAULT_COURSE, date(2025, 3, 1), holidays=holidays)  # a Saturday
    assert lines[0].date == START
    assert not any(line.date in holidays for line in lines)  # e.g. Memorial Day 26 May
    with pytest.raises(ValueError):
        expand_course(DEFAULT_COURSE, START, weeks=0)


# A small in-office course, priced by hand.
FEES = {"99204": 25000, "99214": 15000, "90837": 16000, "0820T": 9000, "MED-KETAMINE": 3500}
SMALL = course_template(dosings=2, in_office_monitoring=True)
BENEFITS = Benefits(
    in_network=True,
    deductible_remaining=30000,
    coinsurance=Decimal("0.2"),
    oop_remaining=40000,
    copays={"psychotherapy": 2500},
    copay_bypasses_deductible=True,
    not_covered=frozenset({"medication"}),
)


def test_course_estimate_computed_by_hand():
    estimate = price_course(expand_course(SMALL, START, weeks=8), FEES, BENEFITS)
    rows = [(x.date, x.code, x.units, x.allowed, x.plan, x.patient) for x in estimate.lines]
    assert rows == [
        # intake: all 25000 to the deductible (5000 left); OOP left 15000
        (date(2025, 3, 3), "99204", 1, 25000, 0, 25000),
        # preparation: psychotherapy copay, deductible untouched; OOP left 12500
        (date(2025, 3, 10), "90837", 1, 16000, 13500, 2500),
        # dosing 1, 2 hours of monitoring: 5000 deductible + 20% of 13000; OOP left 4900
        (date(2025, 3, 17), "0820T", 2, 18000, 10400, 7600),
        # medication is not covered: patient pays it all, outside deductible and OOP
        (date(2025, 3, 17), "MED-KETAMINE", 1, 3500, 0, 3500),
        # integration 1: copay; OOP left 2400
        (date(2025, 3, 19), "90837", 1, 16000, 13500, 2500),
        # follow-up on day 30: 20% of 15000 = 3000, capped at the 2400 left
        (date(2025, 4, 2), "99214", 1, 15000, 12600, 2400),
        # dosing 2 (gap (8 - 2 - 1) weeks): out-of-pocket maximum met
        (date(2025, 4, 21), "0820T", 2, 18000, 18000, 0),
        (date(2025, 4, 21), "MED-KETAMINE", 1, 3500, 0, 3500),
        (date(2025, 4, 23), "90837", 1, 16000, 16000, 0),
    ]
    assert estimate.total_allowed == 131000
    assert estimate.total_patient == 47000
    assert estimate.total_plan == 84000
    assert estimate.in_network is True and not estimate.self_pay
    assert estimate.lines[0].label == SERVICE_CODES["99204"][0]


def test_self_pay_patient_pays_every_line():
    estimate = price_course(expand_course(SMALL, START, weeks=8), FEES, None)
    assert estimate.self_pay and estimate.total_plan == 0
    assert estimate.total_patient == estimate.total_allowed == 131000


def test_default_course_lands_in_the_source_range():
    # A plausible fee schedule, $1,000 deductible left, 20% coinsurance, ketamine paid in cash.
    fees = {"99204": 25000, "99214": 15000, "90837": 16000, "MED-KETAMINE": 3000}
    benefits = Benefits(True, 100000, Decimal("0.2"), 500000, not_covered=frozenset({"medication"}))
    estimates = [
        price_course(expand_course(t, START), fees, benefits)
        for t in (*low_high_templates(), DEFAULT_COURSE)
    ]
    low, high, typical = (e.total_patient for e in estimates)
    # covered 250 + 150 + 17 x 160 = 3120: 1000 + 20% of 2120 = 1424, plus 8 x 30 medication
    assert typical == 166400
    assert 140000 <= typical <= 190000  # source 003: $1,400-$1,900 with insurance
    assert low < typical < high


def test_missing_fee_names_the_code_and_is_not_a_key_error():
    fees = {k: v for k, v in FEES.items() if k != "0820T"}
    with pytest.raises(ValueError, match="0820T") as caught:
        price_course(expand_course(SMALL, START), fees, BENEFITS)
    assert not isinstance(caught.value, KeyError)


@pytest.mark.parametrize(
    "change",
    [
        {"coinsurance": 0.2},
        {"deductible_remaining": -1},
        {"oop_remaining": 1.5},
        {"copays": {"massage": 100}},
        {"copays": {"psychotherapy": -1}},
        {"not_covered": frozenset({"massage"})},
    ],
)
def test_benefits_validation(change):
    fields = {**BENEFITS.__dict__, **change}
    with pytest.raises(ValueError):
        Benefits(**fields)


def test_bad_fee_amount_is_rejected():
    with pytest.raises(ValueError, match="allowed amount for 99204"):
        price_course(expand_course(SMALL, START), {**FEES, "99204": 250.0}, None)
