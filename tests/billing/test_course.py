"""Codes, the course laid out over its months, and the whole-course estimate across fee
changes, plan years and networks."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapms.billing.business_days import us_federal_holidays
from kapms.billing.codes import (
    SERVICE_CODES,
    SERVICE_TYPES,
    billing_units,
    label,
    psychotherapy_code,
)
from kapms.billing.coding import Visit
from kapms.billing.course import (
    Benefits,
    CoursePlan,
    FeeTable,
    NetworkBenefits,
    PricedLine,
    code_course,
    course_visits,
    low_high_plans,
    plan_year_of,
    price_course,
    table_on,
)
from kapms.clinic_time import add_months
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


def kinds(visits, kind):
    return [v for v in visits if v.kind == kind]


def test_default_course_follows_the_source():
    plan = CoursePlan()
    visits = course_visits(plan, START)
    assert len(kinds(visits, "intake")) + len(kinds(visits, "follow_up")) == 2  # 2 consults
    assert len(kinds(visits, "dosing")) == 8  # medication for 8 dosings
    assert plan.therapist_minutes == 25 * 60  # ~25 hours of psychotherapy
    low, high = low_high_plans()
    assert (low.dosings, high.dosings) == (6, 8)
    assert (low.therapist_minutes, high.therapist_minutes) == (19 * 60, 27 * 60)


@settings(max_examples=60, deadline=None)
@given(start=st.dates(date(2025, 1, 1), date(2030, 12, 31)), dosings=st.integers(6, 8),
       preparation=st.integers(1, 3), months=st.integers(4, 6))
def test_course_spans_its_months_in_care_path_order(start, dosings, preparation, months):
    holidays = us_federal_holidays(start.year) | us_federal_holidays(start.year + 1)
    visits = course_visits(CoursePlan(dosings=dosings, preparation=preparation), start,
                           months=months, holidays=holidays)
    first, last = visits[0].service_date, visits[-1].service_date
    assert visits[0].kind == "intake" and first - start < timedelta(days=5)
    # source 003: a course runs 4-6 months; it ends in the month the setting gives
    assert add_months(first, months - 1) < last <= add_months(first, months) + timedelta(days=4)
    assert all(v.service_date.weekday() < 5 and v.service_date not in holidays for v in visits)
    dosing_days = [v.service_date for v in kinds(visits, "dosing")]
    integrations = [v.service_date for v in kinds(visits, "integration")]
    assert max(v.service_date for v in kinds(visits, "preparation")) < dosing_days[0]
    for i, day in enumerate(dosing_days):  # each integration after its dosing, before the next
        assert day < integrations[i]
        assert i + 1 == len(dosing_days) or integrations[i] < dosing_days[i + 1]
    assert [v.service_date for v in visits] == sorted(v.service_date for v in visits)


def test_measures_are_planned_at_baseline_after_dosings_2_4_6_and_follow_up():
    visits = course_visits(CoursePlan(measures_per_visit=2), START)
    measured = [(v.kind, v.measures) for v in visits if v.measures]
    assert measured == [("intake", 2), ("follow_up", 2), ("integration", 2), ("integration", 2),
                        ("integration", 2)]


def test_a_bad_plan_is_refused():
    with pytest.raises(ValueError, match="dosings"):
        CoursePlan(dosings=-1)
    with pytest.raises(ValueError, match="setting"):
        CoursePlan(dosing_setting="car")
    with pytest.raises(ValueError, match="months"):
        course_visits(CoursePlan(), START, months=0)


ALL = {code: 10000 for code in SERVICE_CODES}


def tables(dosing_as="monitoring", **changes_2027):
    return [FeeTable(1, date(2026, 1, 1), date(2026, 12, 31), ALL, dosing_as),
            FeeTable(2, date(2027, 1, 1), None, {**ALL, **changes_2027}, dosing_as)]


def codes(lines):
    return [(line.code, line.units) for line in lines]


def test_dosing_length_is_priced_as_the_fee_schedule_bills_dosings():
    plan = CoursePlan(dosings=1, dosing_minutes=180, measures_per_visit=0)
    dosing = kinds(course_visits(plan, date(2026, 3, 2)), "dosing")
    assert codes(code_course(dosing, tables("monitoring"))) == [("0820T", 3),
                                                                ("MED-KETAMINE", 1)]
    assert codes(code_course(dosing, tables("psychotherapy"))) == [("90837", 1),
                                                                   ("MED-KETAMINE", 1)]
    at_home = kinds(course_visits(CoursePlan(dosings=1, dosing_minutes=180,
                                             dosing_setting="home"), date(2026, 3, 2)), "dosing")
    assert codes(code_course(at_home, tables("monitoring"))) == [("90837", 1),
                                                                 ("MED-KETAMINE", 1)]


def test_the_schedule_in_force_on_each_date_prices_its_lines():
    lines = code_course(course_visits(CoursePlan(), date(2026, 11, 2)), tables())
    estimate = price_course(lines, network="self", charges=tables(**{"90837": 12500}))
    for line in estimate.lines:
        expected = 12500 if line.code == "90837" and line.date.year == 2027 else 10000
        assert line.charge == expected * line.units
        assert line.schedule_id == (1 if line.date.year == 2026 else 2)
    with pytest.raises(ValueError, match="no fee schedule in force on 2025-12-31"):
        table_on(tables(), date(2025, 12, 31))


def test_plan_years_start_on_their_anniversary():
    anchor = date(2026, 7, 1)
    assert plan_year_of(date(2026, 7, 1), anchor) == anchor
    assert plan_year_of(date(2027, 6, 30), anchor) == anchor
    assert plan_year_of(date(2027, 7, 1), anchor) == date(2027, 7, 1)
    assert plan_year_of(date(2026, 3, 1), anchor) == date(2025, 7, 1)
    assert plan_year_of(date(2025, 2, 28), date(2024, 2, 29)) == date(2025, 2, 28)


def visit(day, kind="integration", minutes=60):
    return Visit(None, day, kind, minutes)


IN_NETWORK = NetworkBenefits(deductible=150000, deductible_met=150000, coinsurance=Decimal("0.2"),
                             oop_max=400000, oop_met=100000)


def test_the_deductible_starts_again_in_the_new_plan_year():
    # The 2026 deductible is met: a December visit costs 20%; the first 2027 one the whole
    # allowed amount (the issue: it was charged $30 instead of $150).
    lines = code_course([visit(date(2026, 12, 14)), visit(date(2027, 1, 4))],
                        tables(**{"90837": 15000}))
    fees = tables(**{"90837": 15000})
    benefits = Benefits(date(2026, 1, 1), IN_NETWORK)
    estimate = price_course(lines, network="in", charges=fees, allowed=fees, benefits=benefits)
    assert [(x.plan_year, x.allowed, x.deductible, x.coinsurance, x.patient) for x in
            estimate.lines] == [(date(2026, 1, 1), 10000, 0, 2000, 2000),
                                (date(2027, 1, 1), 15000, 15000, 0, 15000)]
    assert estimate.plan_years() == [date(2026, 1, 1), date(2027, 1, 1)]


def test_the_out_of_pocket_maximum_starts_again_in_the_new_plan_year():
    # 2026's maximum is met: 2026 lines cost nothing, 2027 lines pay the new deductible first.
    met = NetworkBenefits(deductible=50000, deductible_met=50000, coinsurance=Decimal("0.2"),
                          oop_max=100000, oop_met=100000)
    days = [date(2026, 12, 1) + timedelta(days=7 * k) for k in range(10)]
    lines = code_course([visit(d) for d in days], tables())
    estimate = price_course(lines, network="in", charges=tables(), allowed=tables(),
                            benefits=Benefits(date(2026, 1, 1), met))
    in_2026 = [x.patient for x in estimate.lines if x.date.year == 2026]
    in_2027 = [x.patient for x in estimate.lines if x.date.year == 2027]
    assert set(in_2026) == {0} and len(in_2026) == 5
    assert in_2027 == [10000, 10000, 10000, 10000, 10000]  # all to the $500 deductible


OUT = NetworkBenefits(deductible=200000, deductible_met=190000, coinsurance=Decimal("0.4"),
                      oop_max=800000, oop_met=0)


def test_out_of_network_shares_the_allowed_amount_and_balance_bills_the_rest():
    charges = [FeeTable(9, date(2026, 1, 1), None, {**ALL, "90837": 20000})]
    lines = code_course([visit(date(2026, 3, 2)), visit(date(2026, 3, 9))], charges)
    benefits = Benefits(date(2026, 1, 1), IN_NETWORK, OUT, oon_allowed_share=Decimal("0.6"))
    estimate = price_course(lines, network="out", charges=charges, benefits=benefits)
    # allowed 60% of $200 = $120; the first visit meets the last $100 of the deductible
    assert [(x.charge, x.allowed, x.deductible, x.coinsurance, x.balance_bill, x.plan, x.patient)
            for x in estimate.lines] == [(20000, 12000, 10000, 800, 8000, 1200, 18800),
                                         (20000, 12000, 0, 4800, 8000, 7200, 12800)]
    oon_schedule = [FeeTable(5, date(2026, 1, 1), None, {**ALL, "90837": 25000})]
    capped = price_course(lines, network="out", charges=charges, allowed=oon_schedule,
                          benefits=benefits)
    assert [(x.allowed, x.balance_bill, x.schedule_id) for x in capped.lines] == [
        (20000, 0, 5), (20000, 0, 5)]  # never more than the charge
    no_benefits = price_course(lines, network="out", charges=charges,
                               benefits=Benefits(date(2026, 1, 1), IN_NETWORK))
    assert no_benefits.total_plan == 0 and no_benefits.total_patient == 40000


def test_not_covered_services_are_the_patients_and_count_towards_nothing():
    fees = tables()
    side = NetworkBenefits(deductible=0, deductible_met=0, coinsurance=Decimal("0.2"),
                           oop_max=1000, oop_met=0, not_covered=frozenset({"medication"}))
    lines = code_course(kinds(course_visits(CoursePlan(dosings=2, measures_per_visit=0),
                                            date(2026, 3, 2)), "dosing"), fees)
    estimate = price_course(lines, network="in", charges=fees, allowed=fees,
                            benefits=Benefits(date(2026, 1, 1), side))
    medication = [x.patient for x in estimate.lines if x.code == "MED-KETAMINE"]
    assert medication == [10000, 10000]
    assert sum(x.patient for x in estimate.lines if x.code == "0820T") == 1000  # the maximum


def test_self_pay_pays_every_charge_and_insured_estimates_need_benefits():
    lines = code_course(course_visits(CoursePlan(dosings=2), date(2026, 3, 2)), tables())
    estimate = price_course(lines, network="self", charges=tables())
    assert estimate.total_plan == 0 and estimate.total_patient == estimate.total_allowed
    with pytest.raises(ValueError, match="benefits"):
        price_course(lines, network="in", charges=tables(), allowed=tables())
    with pytest.raises(ValueError, match="network"):
        price_course(lines, network="sideways", charges=tables())


def test_a_missing_fee_names_the_code():
    fees = [FeeTable(1, date(2025, 1, 1), None, {k: v for k, v in ALL.items() if k != "0820T"})]
    lines = code_course(course_visits(CoursePlan(dosings=1), START), fees)
    with pytest.raises(ValueError, match="0820T") as caught:
        price_course(lines, network="self", charges=fees)
    assert not isinstance(caught.value, KeyError)


@pytest.mark.parametrize("change", [
    {"coinsurance": 0.2}, {"deductible": -1}, {"oop_met": 1.5}, {"copays": {"massage": 100}},
    {"copays": {"psychotherapy": -1}}, {"not_covered": frozenset({"massage"})}])
def test_benefits_validation(change):
    with pytest.raises(ValueError):
        NetworkBenefits(**{**IN_NETWORK.__dict__, **change})


def test_default_course_lands_in_the_source_range():
    # A plausible schedule, $1,000 deductible left, 20% coinsurance, ketamine paid in cash,
    # dosings billed as psychotherapy (as most payers pay them).
    fees = [FeeTable(1, date(2025, 1, 1), None, {**ALL, "99204": 25000, "99214": 15000,
                                                 "90837": 16000, "MED-KETAMINE": 3000,
                                                 "96127": 500}, "psychotherapy")]
    side = NetworkBenefits(deductible=150000, deductible_met=50000, coinsurance=Decimal("0.2"),
                           oop_max=500000, oop_met=0, not_covered=frozenset({"medication"}))
    low, high = low_high_plans()
    totals = [price_course(code_course(course_visits(plan, date(2025, 3, 3)), fees),
                           network="in", charges=fees, allowed=fees,
                           benefits=Benefits(date(2025, 1, 1), side)).total_patient
              for plan in (low, CoursePlan(), high)]
    assert totals[0] < totals[1] < totals[2]
    assert 140000 <= totals[1] <= 190000  # source 003: $1,400-$1,900 with insurance


# --- the property: each plan year's maximum holds; each line priced by its schedule ----------

cents = st.integers(0, 400000)


@st.composite
def networks(draw):
    deductible, oop_max = draw(cents), draw(cents)
    return NetworkBenefits(
        deductible=deductible, deductible_met=draw(st.integers(0, deductible)),
        coinsurance=draw(st.decimals(0, 1, places=2)), oop_max=oop_max,
        oop_met=draw(st.integers(0, oop_max)),
        copays=draw(st.dictionaries(st.sampled_from(["office_visit", "psychotherapy",
                                                     "monitoring"]), st.integers(0, 8000))),
        copay_bypasses_deductible=draw(st.booleans()),
        not_covered=draw(st.frozensets(st.sampled_from(SERVICE_TYPES), max_size=2)))


@st.composite
def fee_tables(draw):
    """1-4 back-to-back schedules from 2025 on, with random amounts."""
    starts = sorted(draw(st.sets(st.dates(date(2025, 1, 2), date(2028, 12, 31)), max_size=3)))
    starts = [date(2025, 1, 1), *starts]
    ends = [*(s - timedelta(days=1) for s in starts[1:]), None]
    return [FeeTable(i + 1, s, e, draw(st.fixed_dictionaries(
        {code: st.integers(0, 40000) for code in SERVICE_CODES})),
        draw(st.sampled_from(["monitoring", "psychotherapy"])))
        for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


@settings(max_examples=150, deadline=None)
@given(fees=fee_tables(), charges=fee_tables(), inside=networks(), outside=networks(),
       share=st.decimals(0, 1, places=2), start=st.dates(date(2025, 1, 1), date(2028, 6, 30)),
       anchor=st.dates(date(2024, 1, 1), date(2026, 12, 31)), dosings=st.integers(1, 12),
       minutes=st.sampled_from([45, 60, 120, 180]),
       setting=st.sampled_from(["office", "telehealth"]), network=st.sampled_from(["in", "out"]))
def test_property_each_plan_year_keeps_its_maximum_and_every_line_its_schedule(
        fees, charges, inside, outside, share, start, anchor, dosings, minutes, setting, network):
    benefits = Benefits(anchor, inside, outside, oon_allowed_share=share)
    plan = CoursePlan(dosings=dosings, dosing_minutes=minutes, dosing_setting=setting)
    lines = code_course(course_visits(plan, start), fees if network == "in" else charges)
    estimate = price_course(lines, network=network, charges=charges,
                            allowed=fees if network == "in" else (), benefits=benefits)
    side = inside if network == "in" else outside
    first_year = plan_year_of(anchor, anchor)
    for year in estimate.plan_years():
        shared = sum(x.deductible + x.coinsurance + x.copay for x in estimate.lines
                     if x.plan_year == year)
        _, oop_left = side.remaining(year == first_year)
        assert shared <= oop_left  # never above that plan year's out-of-pocket maximum
    for x in estimate.lines:
        charge_table = table_on(charges, x.date)
        assert x.charge == charge_table.amounts[x.code] * x.units
        if network == "in":
            table = table_on(fees, x.date)
            assert x.schedule_id == table.schedule_id
            assert x.allowed == table.amounts[x.code] * x.units
        else:
            assert x.allowed <= x.charge and x.balance_bill == (x.charge - x.allowed
                                                                if x.plan else x.balance_bill)
        assert x.plan >= 0 and x.patient >= 0
        assert x.plan + x.patient == (x.allowed + x.balance_bill if x.allowed else x.patient)


# --- every field of a priced line, per network (hand-worked) ---------------------------------

PRACTICE = [FeeTable(1, date(2026, 1, 1), None, {**ALL, "90837": 20000})]
PLAN_FEES = [FeeTable(7, date(2026, 1, 1), None, {**ALL, "90837": 15000})]
MAYA = (4, "Maya Okafor")


def one_line(kind="integration", minutes=60, day=date(2026, 3, 2), **kw):
    return code_course([Visit(None, day, kind, minutes, clinician_id=MAYA[0],
                              clinician_name=MAYA[1], **kw)], PRACTICE)


def priced(**kw):
    base = dict(date=date(2026, 3, 2), code="90837", label=label("90837"), units=1,
                network="in", plan_year=date(2026, 1, 1), charge=20000, allowed=15000,
                plan=0, patient=0, balance_bill=0, deductible=0, coinsurance=0, copay=0,
                schedule_id=7, clinician_id=4, clinician_name="Maya Okafor")
    return PricedLine(**{**base, **kw})


def test_an_in_network_line_with_a_copay_after_the_deductible():
    side = NetworkBenefits(deductible=1000, deductible_met=0, coinsurance=Decimal("0.2"),
                           oop_max=10**7, oop_met=0, copays={"psychotherapy": 3000},
                           copay_bypasses_deductible=False)
    estimate = price_course(one_line(), network="in", charges=PRACTICE, allowed=PLAN_FEES,
                            benefits=Benefits(date(2026, 1, 1), side))
    assert estimate.network == "in"
    assert estimate.lines == (priced(plan=11000, patient=4000, deductible=1000, copay=3000),)


def test_an_in_network_line_not_covered_costs_the_contracted_amount():
    side = NetworkBenefits(deductible=0, deductible_met=0, coinsurance=Decimal("0.2"),
                           oop_max=10**7, oop_met=0, not_covered=frozenset({"psychotherapy"}))
    estimate = price_course(one_line(), network="in", charges=PRACTICE, allowed=PLAN_FEES,
                            benefits=Benefits(date(2026, 1, 1), side))
    assert estimate.lines == (priced(patient=15000),)


def test_an_in_network_estimate_without_a_practice_schedule_shows_the_allowed_as_charge():
    estimate = price_course(one_line(), network="in", charges=[], allowed=PLAN_FEES,
                            benefits=Benefits(date(2026, 1, 1), IN_NETWORK))
    assert estimate.lines[0].charge == 15000 and estimate.lines[0].patient == 3000


def test_units_multiply_the_fee_in_every_network():
    monitoring = [x for x in one_line("dosing", 180) if x.code == "0820T"]
    assert monitoring[0].units == 3
    in_net = price_course(monitoring, network="in", charges=PRACTICE, allowed=PLAN_FEES,
                          benefits=Benefits(date(2026, 1, 1), IN_NETWORK))
    assert (in_net.lines[0].charge, in_net.lines[0].allowed) == (30000, 30000)
    oon_fees = [FeeTable(5, date(2026, 1, 1), None, {**ALL, "0820T": 8000})]
    out = price_course(monitoring, network="out", charges=PRACTICE, allowed=oon_fees,
                       benefits=Benefits(date(2026, 1, 1), IN_NETWORK, OUT))
    assert (out.lines[0].charge, out.lines[0].allowed) == (30000, 24000)


def test_out_of_network_not_covered_and_no_out_of_network_benefits():
    side = NetworkBenefits(deductible=0, deductible_met=0, coinsurance=Decimal("0.2"),
                           oop_max=10**7, oop_met=0, not_covered=frozenset({"psychotherapy"}))
    benefits = Benefits(date(2026, 1, 1), IN_NETWORK, side, oon_allowed_share=Decimal("0.5"))
    estimate = price_course(one_line(), network="out", charges=PRACTICE, benefits=benefits)
    assert estimate.lines == (priced(network="out", allowed=0, patient=20000, charge=20000,
                                     schedule_id=1),)
    none_there = price_course(one_line(), network="out", charges=PRACTICE,
                              benefits=Benefits(date(2026, 1, 1), IN_NETWORK))
    assert none_there.lines == (priced(network="out", allowed=0, patient=20000, schedule_id=1),)


def test_a_self_pay_line():
    estimate = price_course(one_line(), network="self", charges=PRACTICE)
    assert estimate.network == "self"
    assert estimate.lines == (priced(network="self", plan_year=None, allowed=20000,
                                     patient=20000, schedule_id=1),)


def test_out_of_network_without_a_schedule_or_a_share_says_so():
    with pytest.raises(ValueError) as refused:
        price_course(one_line(), network="out", charges=PRACTICE,
                     benefits=Benefits(date(2026, 1, 1), IN_NETWORK, OUT))
    assert str(refused.value) == ("out of network needs an out-of-network fee schedule or the "
                                  "share of the charge the plan allows")
    with pytest.raises(ValueError) as refused:
        price_course(one_line(), network="in", charges=PRACTICE, allowed=PLAN_FEES)
    assert str(refused.value) == "an insured estimate needs the plan's benefits"


def test_schedules_in_force_from_their_first_to_their_last_day():
    old = FeeTable(1, date(2026, 1, 1), date(2026, 6, 30), ALL)
    new = FeeTable(2, date(2026, 7, 1), None, ALL)
    overlapping = FeeTable(3, date(2026, 3, 1), None, ALL)
    assert table_on([old, new], date(2026, 6, 30)) is old
    assert table_on([old, new], date(2026, 7, 1)) is new
    assert table_on([old, new], date(2026, 1, 1)) is old
    assert table_on([overlapping, old], date(2026, 3, 1)) is overlapping  # the latest start
    assert table_on([old, overlapping], date(2026, 3, 1)) is overlapping


def test_the_planned_clinicians_are_named_on_their_visits():
    visits = course_visits(CoursePlan(dosings=1), date(2026, 3, 2), therapist=(4, "Maya"),
                           prescriber=(9, "Sam"))
    assert {(v.kind, v.clinician_id, v.clinician_name) for v in visits} == {
        ("intake", 9, "Sam"), ("follow_up", 9, "Sam"), ("preparation", 4, "Maya"),
        ("dosing", 4, "Maya"), ("integration", 4, "Maya")}


def test_a_course_starting_on_a_closed_day_starts_on_the_next_business_day():
    holidays = us_federal_holidays(2026)
    visits = course_visits(CoursePlan(dosings=1), date(2026, 7, 3), holidays=holidays)
    assert visits[0].kind == "intake" and visits[0].service_date == date(2026, 7, 6)
    saturday = course_visits(CoursePlan(dosings=1), date(2026, 3, 7))
    assert saturday[0].service_date == date(2026, 3, 9)


def test_course_months_from_1_to_12_and_5_by_default():
    plan = CoursePlan(dosings=8, preparation=1)
    for months in (1, 12):
        assert course_visits(plan, date(2026, 3, 2), months=months)
    for months in (0, 13, True, 5.0):
        with pytest.raises(ValueError, match="months must be from 1 to 12"):
            course_visits(plan, date(2026, 3, 2), months=months)
    assert course_visits(plan, date(2026, 3, 2)) == course_visits(plan, date(2026, 3, 2),
                                                                  months=5)
    assert course_visits(plan, date(2026, 3, 2)) != course_visits(plan, date(2026, 3, 2),
                                                                  months=6)


def test_the_low_and_high_plans_carry_the_session_lengths_and_setting():
    low, high = low_high_plans(dosing_minutes=90, session_minutes=45, dosing_setting="home",
                               dosings=(4, 10))
    assert (low.dosings, low.preparation, high.dosings, high.preparation) == (4, 1, 10, 3)
    for plan in (low, high):
        assert (plan.dosing_minutes, plan.session_minutes, plan.dosing_setting) == (
            90, 45, "home")
    assert [len(kinds(course_visits(p, START), "preparation")) for p in (low, high)] == [1, 3]


def test_held_dosings_are_billed_unless_the_clinic_says_not():
    held = [Visit(None, date(2026, 3, 2), "dosing", 60, held=True)]
    assert codes(code_course(held, PRACTICE)) == [("90837", 1)]
    assert codes(code_course(held, PRACTICE, bill_held_dosings=False)) == []


def test_a_yes_is_not_a_count():
    with pytest.raises(ValueError, match="dosings must be a whole number from 0, got True"):
        CoursePlan(dosings=True)


def test_benefit_refusals_in_words():
    def refusal(**change):
        with pytest.raises(ValueError) as refused:
            NetworkBenefits(**{**IN_NETWORK.__dict__, **change})
        return str(refused.value)

    assert refusal(oop_met=-1) == "oop_met must not be negative, got -1"
    assert refusal(coinsurance=0.2) == ("coinsurance must be a Decimal fraction such as "
                                        "Decimal('0.2'), not float 0.2")
    assert refusal(copays={"massage": 1}) == "copay for unknown service type 'massage'"
    assert refusal(copays={"psychotherapy": -1}) == "copay for psychotherapy must not be negative, got -1"
    assert refusal(copays={"psychotherapy": None}) == (
        "copay for psychotherapy must be whole cents (int), not NoneType None")
    assert refusal(not_covered=frozenset({"massage"})) == (
        "unknown service types not covered: ['massage']")
    with pytest.raises(ValueError) as refused:
        Benefits(date(2026, 1, 1), IN_NETWORK, oon_allowed_share=Decimal(2))
    assert str(refused.value) == "oon_allowed_share must be between 0 and 1, got 2"
    with pytest.raises(ValueError) as refused:
        price_course(one_line(), network="self",
                     charges=[FeeTable(1, date(2026, 1, 1), None, {**ALL, "90837": -5})])
    assert str(refused.value) == "amount for 90837 must not be negative, got -5"


def test_out_of_network_without_benefits_at_all_is_refused_in_words():
    with pytest.raises(ValueError, match="out of network needs an out-of-network fee schedule"):
        price_course(one_line(), network="out", charges=PRACTICE)
