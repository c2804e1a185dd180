"""Fee schedules by date, benefits history and the saved, versioned course estimate."""

from datetime import date
from decimal import Decimal

import pytest

from kapms.audit.models import AuditEvent
from kapms.billing.services import benefits as benefits_svc
from kapms.billing.services import estimates as est_svc
from kapms.billing.services.fees import schedule_on, schedules_for
from kapms.errors import RuleViolation
from tests.billing.care_record import CareRecord
from tests.billing.helpers import SIMPLE_FEES, make_benefits, make_patient, make_plan, make_schedule
from tests.factories import make_user

START = date(2026, 2, 2)  # a Monday; Presidents Day (Feb 16) moves one preparation a day
TODAY = date(2026, 1, 20)
CLINIC_TODAY = TODAY

# The high scenario (8 dosings, 3 preparation sessions) worked out by hand, in date order.
# Fees: 99204 $200, 90837 $150, 99214 $120, 96127 $5 (two measures at intake, follow-up and
# after dosings 2, 4, 6), ketamine $40 (not covered); dosings billed as psychotherapy.
# Benefits: $300 deductible left, 20% coinsurance, $800 out-of-pocket left, $25 office copay
# outside the deductible. (code, units, allowed, patient)
HIGH_BY_HAND = [
    ("99204", 1, 20000, 2500),       # copay; running 25
    ("96127", 2, 1000, 1000),        # deductible (290 left) -> 35
    ("90837", 1, 15000, 15000),      # prep 1: deductible (140 left) -> 185
    ("90837", 1, 15000, 14200),      # prep 2: 140 deductible + 20% of 10 -> 327
    ("90837", 1, 15000, 3000),       # prep 3: 20% -> 357
    ("90837", 1, 15000, 3000),       # dosing 1 -> 387
    ("MED-KETAMINE", 1, 4000, 4000),  # not covered: patient pays, outside the cap
    ("99214", 1, 12000, 2500),       # follow-up (day 30) copay -> 412
    ("96127", 2, 1000, 200),         # -> 414
    ("90837", 1, 15000, 3000),       # integration 1 -> 444
] + [
    line for n in range(2, 8) for line in (  # dosings 2-7 -> 474 ... 780, then 800
        ("90837", 1, 15000, 3000), ("MED-KETAMINE", 1, 4000, 4000),
        ("90837", 1, 15000, 2000 if n == 7 else 3000),  # integration 7 meets the maximum
        *([("96127", 2, 1000, 200)] if n in (2, 4, 6) else []))
] + [
    ("90837", 1, 15000, 0),          # dosing 8: out-of-pocket maximum reached
    ("MED-KETAMINE", 1, 4000, 4000),
    ("90837", 1, 15000, 0),          # integration 8
]


@pytest.fixture
def insured(db):
    plan = make_plan(db)
    make_schedule(db, plan, dosing_billed_as="psychotherapy")
    patient = make_patient(db, plan)
    return patient


def test_default_course_estimate_matches_the_hand_computation(db, insured):
    clerk = make_user(db, roles=["billing"])
    make_benefits(db, insured)
    estimate = est_svc.create_estimate(db, clerk, insured, est_svc.EstimateRequest(START), TODAY)

    high = estimate.scenario("high")
    assert [(x.code, x.units, x.allowed_cents, x.patient_cents) for x in high] == HIGH_BY_HAND
    assert all(line.plan_cents == line.allowed_cents - line.patient_cents for line in high)
    assert [line.service_date for line in high] == sorted(line.service_date for line in high)
    assert {line.plan_year_start for line in high} == {date(2026, 1, 1)}
    assert estimate.total("high", "patient_cents") == 80000 + 8 * 4000
    assert estimate.total("high", "plan_cents") == 354000 - 112000
    # Low: 6 dosings, 1 preparation: 25 + 10 + 150 + 142 (dosing 1) + 25 + 11 x 30 + 4 x 2
    # = 690, + 6 x 40 medication.
    assert estimate.total("low", "patient_cents") == 69000 + 6 * 4000
    assert estimate.total("low", "allowed_cents") == 20000 + 5 * 1000 + 13 * 15000 + 12000 \
        + 6 * 4000
    assert (estimate.version, estimate.self_pay, estimate.in_network) == (1, False, True)
    days = [line.service_date for line in high]
    assert date(2026, 6, 1) <= days[-1] <= date(2026, 7, 2)  # about 5 months (source 003: 4-6)


def test_a_course_across_1_january_resets_the_plan_year_and_takes_the_new_fees(db, insured):
    # The 2026 deductible is met and most of the maximum; the 2027 schedule pays more.
    make_schedule(db, insured.plan, start=date(2027, 1, 1), dosing_billed_as="psychotherapy",
                  amounts=SIMPLE_FEES | {"90837": 16000})
    make_benefits(db, insured, as_of=date(2026, 10, 1), deductible_met_cents=50000,
                  oop_met_cents=90000)
    estimate = est_svc.create_estimate(db, None, insured,
                                       est_svc.EstimateRequest(date(2026, 10, 5)),
                                       date(2026, 10, 1))
    high = estimate.scenario("high")
    years = estimate.plan_years("high")
    assert [year for year, _ in years] == [date(2026, 1, 1), date(2027, 1, 1)]
    in_2026, in_2027 = (lines for _, lines in years)
    covered = [x for x in in_2026 if x.code != "MED-KETAMINE"]
    assert sum(x.patient_cents for x in covered) == 10000  # the $100 left of the maximum
    assert all(x.deductible_cents == 0 for x in in_2026)
    first_2027 = next(x for x in in_2027 if x.code == "90837")
    # A new deductible ($500) in 2027: the first session is the patient's in full, at the
    # 2027 fee.
    assert (first_2027.allowed_cents, first_2027.deductible_cents,
            first_2027.patient_cents) == (16000, 16000, 16000)
    assert all(x.allowed_cents == 15000 for x in in_2026 if x.code == "90837")
    assert sum(x.deductible_cents for x in in_2027) == 50000
    assert {x.schedule_id for x in in_2026} != {x.schedule_id for x in in_2027}
    assert len(high) == len(in_2026) + len(in_2027)


def test_out_of_network_side_by_side_with_balance_billing(db, insured):
    make_schedule(db, None, amounts=SIMPLE_FEES | {"90837": 20000})  # the practice's fees
    make_benefits(db, insured, oon_covered=True, oon_deductible_cents=100000,
                  oon_deductible_met_cents=100000, oon_coinsurance=Decimal("0.4"),
                  oon_oop_max_cents=1000000, oon_oop_met_cents=0,
                  oon_allowed_share=Decimal("0.6"))
    estimate = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(
        START, compare_networks=True), TODAY)
    assert estimate.networks == ["in", "out"]
    out = [x for x in estimate.scenario("high", "out") if x.code == "90837"]
    # charge $200, allowed 60% = $120, 40% coinsurance = $48, balance bill $80
    assert {(x.charge_cents, x.allowed_cents, x.coinsurance_cents, x.balance_bill_cents,
             x.plan_cents, x.patient_cents) for x in out} == {(20000, 12000, 4800, 8000, 7200,
                                                               12800)}
    assert estimate.total("high", "patient_cents", "out") > estimate.total("high",
                                                                           "patient_cents")
    with_schedule = make_schedule(db, insured.plan, network="out",
                                  amounts=SIMPLE_FEES | {"90837": 13000},
                                  dosing_billed_as="psychotherapy")
    second = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(
        START, compare_networks=True), TODAY)
    out = [x for x in second.scenario("high", "out") if x.code == "90837"]
    assert {(x.allowed_cents, x.balance_bill_cents, x.schedule_id) for x in out} == {
        (13000, 7000, with_schedule.id)}


def test_a_plan_without_out_of_network_benefits_pays_nothing_there(db, insured):
    make_schedule(db, None)
    make_benefits(db, insured)
    estimate = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(
        START, compare_networks=True), TODAY)
    assert estimate.total("high", "plan_cents", "out") == 0
    assert estimate.total("high", "patient_cents", "out") == sum(
        x.charge_cents for x in estimate.scenario("high", "out"))


def test_recomputing_saves_a_new_version_and_keeps_the_old_one(db, insured):
    make_benefits(db, insured)
    first = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START), TODAY)
    old_total = first.total("high", "patient_cents")
    # A new year's schedule with higher fees arrives; the saved estimate does not change.
    make_schedule(db, insured.plan, start=date(2027, 1, 1),
                  amounts={c: a * 2 for c, a in SIMPLE_FEES.items()})
    second = est_svc.create_estimate(db, None, insured,
                                     est_svc.EstimateRequest(date(2027, 2, 1)), TODAY)
    db.expire_all()
    assert second.version == 2
    assert first.total("high", "patient_cents") == old_total
    assert second.total("high", "allowed_cents") > first.total("high", "allowed_cents")
    assert [e.version for e in est_svc.patient_estimates(db, insured.id)] == [2, 1]


def test_no_benefits_on_file_is_said_not_guessed(db, insured):
    with pytest.raises(RuleViolation, match="No benefits on file"):
        est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START), TODAY)
    assert "No benefits on file" in est_svc.missing_facts(db, insured, TODAY)


def test_benefits_recorded_after_the_date_do_not_count(db, insured):
    make_benefits(db, insured, as_of=date(2026, 3, 1))
    assert benefits_svc.benefits_as_of(db, insured, TODAY) is None
    with pytest.raises(RuleViolation):
        est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START), TODAY)


def test_latest_benefits_as_of_a_date_are_used_and_history_kept(db, insured):
    older = make_benefits(db, insured, as_of=date(2026, 1, 2))
    newer = make_benefits(db, insured, as_of=date(2026, 1, 10), deductible_met_cents=50000)
    assert benefits_svc.benefits_as_of(db, insured, date(2026, 1, 5)).id == older.id
    assert benefits_svc.benefits_as_of(db, insured, TODAY).id == newer.id
    assert len(benefits_svc.benefits_history(db, None, insured)) == 2
    estimate = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START), TODAY)
    assert estimate.benefits_id == newer.id


def test_self_pay_is_priced_on_private_fees_without_benefits(db):
    make_schedule(db, None, amounts={c: a + 1000 for c, a in SIMPLE_FEES.items()})
    patient = make_patient(db)
    estimate = est_svc.create_estimate(db, None, patient, est_svc.EstimateRequest(START), TODAY)
    assert estimate.self_pay and estimate.benefits_id is None
    lines = estimate.scenario("high")
    assert all(line.patient_cents == line.allowed_cents and line.plan_cents == 0 for line in lines)
    assert lines[0].allowed_cents == 21000


def test_self_pay_patients_cannot_have_benefits(db):
    with pytest.raises(RuleViolation, match="self-pay"):
        make_benefits(db, make_patient(db))


def test_no_fee_schedule_in_effect_is_refused(db, insured):
    make_benefits(db, insured)
    with pytest.raises(RuleViolation, match="No fee schedule"):
        est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(date(2025, 6, 1)),
                                TODAY)


def test_estimate_from_the_treatment_plan(db, insured):
    make_benefits(db, insured)
    with pytest.raises(RuleViolation, match="no treatment plan"):
        est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START, basis="plan"),
                                TODAY)
    CareRecord(db, insured).clear(TODAY, dosings=6)
    estimate = est_svc.create_estimate(db, None, insured,
                                       est_svc.EstimateRequest(START, basis="plan"), TODAY)
    assert (estimate.low_dosings, estimate.high_dosings) == (6, 6)
    assert sum(line.code == "MED-KETAMINE" for line in estimate.scenario("high")) == 6


def test_dosings_are_billed_as_the_schedule_says_by_their_length(db):
    plan = make_plan(db)
    make_schedule(db, plan, dosing_billed_as="monitoring")
    patient = make_patient(db, plan)
    make_benefits(db, patient)
    estimate = est_svc.create_estimate(
        db, None, patient, est_svc.EstimateRequest(START, dosing_minutes=180), TODAY)
    monitoring = [line for line in estimate.scenario("high") if line.code == "0820T"]
    assert len(monitoring) == 8 and all(line.units == 3 and line.allowed_cents == 48000
                                        for line in monitoring)
    remote = est_svc.create_estimate(db, None, patient, est_svc.EstimateRequest(
        START, dosing_minutes=180, dosing_setting="telehealth"), TODAY)
    assert not any(line.code == "0820T" for line in remote.scenario("high"))


def test_estimate_reads_are_audited(db, insured):
    make_benefits(db, insured)
    clerk = make_user(db, roles=["billing"])
    estimate = est_svc.create_estimate(db, clerk, insured, est_svc.EstimateRequest(START), TODAY)
    est_svc.get_estimate(db, clerk, estimate.id, action="print")
    actions = [(e.action, e.entity_type) for e in db.query(AuditEvent)
               .filter(AuditEvent.entity_type == "estimate")]
    assert actions == [("create", "estimate"), ("print", "estimate")]


def test_new_schedule_closes_the_open_one_and_overlaps_are_refused(db):
    plan = make_plan(db)
    first = make_schedule(db, plan)
    second = make_schedule(db, plan, start=date(2027, 1, 1))
    assert first.effective_to == date(2026, 12, 31) and second.effective_to is None
    assert schedule_on(db, plan.id, date(2026, 12, 31)).id == first.id
    assert schedule_on(db, plan.id, date(2027, 1, 1)).id == second.id
    with pytest.raises(RuleViolation, match="Overlaps"):
        make_schedule(db, plan, start=date(2026, 6, 1), end=date(2026, 7, 1))
    with pytest.raises(RuleViolation, match="end date"):
        make_schedule(db, plan, start=date(2028, 6, 1), end=date(2028, 1, 1))
    assert [s.id for s in schedules_for(db, plan.id)] == [second.id, first.id]
    assert schedule_on(db, None, date(2026, 5, 1)) is None  # private pay is separate


def test_schedule_needs_every_code(db):
    amounts = dict(SIMPLE_FEES)
    del amounts["96127"]
    with pytest.raises(RuleViolation, match="missing"):
        make_schedule(db, make_plan(db), amounts=amounts)


def test_session_lengths_change_codes_and_therapy_hours(db, insured):
    make_benefits(db, insured)
    default = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(START), TODAY)
    assert (default.low_therapy_minutes, default.high_therapy_minutes) == (19 * 60, 27 * 60)
    shorter = est_svc.create_estimate(db, None, insured, est_svc.EstimateRequest(
        START, session_minutes=45, dosing_minutes=180), TODAY)
    codes = {line.code for line in shorter.scenario("high")}
    assert "90834" in codes and "90837" in codes  # 45-minute sessions, 3-hour dosings
    assert "0820T" not in codes  # this plan's schedule bills dosings as psychotherapy
    assert shorter.high_therapy_minutes == 3 * 45 + 8 * 180 + 8 * 45
    with pytest.raises(RuleViolation, match="session length"):
        est_svc.create_estimate(db, None, insured,
                                est_svc.EstimateRequest(START, session_minutes=10), TODAY)
