"""Payment plans and payments, Good Faith Estimates, and superbills through the services."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from kapms.billing.services import DEFAULT_POLICY, Practice
from kapms.billing.services import gfe as gfe_svc
from kapms.billing.services import plans as plan_svc
from kapms.billing.services.superbills import build_superbill
from kapms.billing.services.watch import check_gfe, gfe_watch, standing
from kapms.errors import RuleViolation
from tests.billing.care_record import CareRecord
from tests.billing.helpers import make_patient, make_plan, make_schedule

PRACTICE = Practice("Harbor KAP Clinic", "1234567893", "94-1234567", "1 Bay St, Oakland, CA")
ZONE = ZoneInfo("America/Los_Angeles")
TODAY = date(2026, 3, 1)
CLINIC_TODAY = TODAY


def new_plan(db, patient, balance=100000, upfront=12000, count=4, first_due=date(2026, 1, 15)):
    return plan_svc.create_plan(db, None, patient, balance_cents=balance, upfront_cents=upfront,
                                installments=count, first_due=first_due)


def pay(db, plan, cents, on=date(2026, 1, 15)):
    return plan_svc.record_payment(db, None, plan, amount_cents=cents, paid_on=on,
                                   method="card", reference=None, today=TODAY)


def test_plan_schedule_upfront_then_monthly(db):
    plan = new_plan(db, make_patient(db))
    assert [(i.number, i.due_date, i.amount_cents) for i in plan.installments] == [
        (0, date(2026, 1, 15), 12000), (1, date(2026, 2, 15), 22000),
        (2, date(2026, 3, 15), 22000), (3, date(2026, 4, 15), 22000),
        (4, date(2026, 5, 15), 22000)]


def test_payments_paid_due_overdue_and_balance(db):
    plan = new_plan(db, make_patient(db))
    pay(db, plan, 12000)
    pay(db, plan, 10000, on=date(2026, 2, 20))
    ledger = plan_svc.ledger(plan, TODAY)
    assert (ledger.paid, ledger.overdue, ledger.due_now, ledger.balance) == (
        22000, 12000, 12000, 78000)


def test_overpayment_is_refused_and_nothing_is_saved(db):
    plan = new_plan(db, make_patient(db))
    with pytest.raises(RuleViolation, match=r"more than the balance of \$1,000.00"):
        pay(db, plan, 100001)
    assert plan.payments == []


def test_paying_off_closes_the_plan_and_later_payments_are_refused(db):
    plan = new_plan(db, make_patient(db))
    pay(db, plan, 100000)
    assert plan.status == "closed" and plan.closed_at is not None
    with pytest.raises(RuleViolation, match="closed"):
        pay(db, plan, 100)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"amount_cents": 0}, "amount"),
    ({"paid_on": date(2026, 3, 2)}, "paid_on"),
    ({"method": "bitcoin"}, "method"),
])
def test_bad_payments_are_refused(db, kwargs, field):
    plan = new_plan(db, make_patient(db))
    args = dict(amount_cents=100, paid_on=TODAY, method="cash", reference=None, today=TODAY)
    args.update(kwargs)
    with pytest.raises(RuleViolation) as error:
        plan_svc.record_payment(db, None, plan, **args)
    assert error.value.field == field


@pytest.mark.parametrize(("balance", "upfront", "count"),
                         [(0, 0, 3), (1000, 2000, 3), (1000, 0, 0), (1000, 0, 37)])
def test_impossible_plans_are_refused(db, balance, upfront, count):
    with pytest.raises(RuleViolation):
        new_plan(db, make_patient(db), balance=balance, upfront=upfront, count=count)


def test_gfe_has_itemised_lines_deadline_and_provider(db):
    make_schedule(db, None)
    patient = make_patient(db, diagnosis_code="F43.10")
    request = gfe_svc.GfeRequest(primary_service_date=date(2026, 3, 16),
                                 scheduled_on=date(2026, 3, 2), requested_on=None, dosings=6)
    gfe = gfe_svc.create_gfe(db, None, patient, request, PRACTICE, date(2026, 3, 3))
    # 10 business days ahead -> within 3 business days of scheduling.
    assert gfe.issue_by == date(2026, 3, 5)
    prescriber = "The patient's prescriber (not yet named)"
    therapist = "The patient's therapist (not yet named)"
    # Grouped by provider, code and charge, in the order they first happen; dosings are
    # 2 hours of monitoring each (the private-pay schedule bills dosings per hour).
    assert [(line.provider_name, line.code, line.quantity, line.charge_cents)
            for line in gfe.lines] == [
        (prescriber, "99204", 1, 20000), (prescriber, "96127", 4, 4 * 500),
        (therapist, "90837", 7, 7 * 15000), (therapist, "0820T", 12, 12 * 16000),
        (therapist, "MED-KETAMINE", 6, 6 * 4000), (prescriber, "99214", 1, 12000),
        (therapist, "96127", 6, 6 * 500)]
    assert gfe.total_cents == 20000 + 2000 + 105000 + 192000 + 24000 + 12000 + 3000
    assert gfe.by_provider() == [(None, prescriber, None, 34000),
                                 (None, therapist, None, 324000)]
    assert (gfe.dosing_minutes, gfe.dosing_setting) == (120, "office")
    assert {line.diagnosis_code for line in gfe.lines} == {"F43.10"}
    assert (gfe.provider_npi, gfe.provider_tin, gfe.patient_dob) == (
        "1234567893", "94-1234567", date(1985, 5, 6))


def test_gfe_short_notice_deadline(db):
    make_schedule(db, None)
    request = gfe_svc.GfeRequest(primary_service_date=date(2026, 3, 9),
                                 scheduled_on=date(2026, 3, 2), requested_on=None)
    gfe = gfe_svc.create_gfe(db, None, make_patient(db), request, PRACTICE, date(2026, 3, 2))
    assert gfe.issue_by == date(2026, 3, 3)  # 5 business days ahead -> 1 business day


def test_gfe_refused_for_insured_unless_they_elect_self_pay(db):
    make_schedule(db, None)
    patient = make_patient(db, make_plan(db))
    request = gfe_svc.GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None)
    with pytest.raises(RuleViolation, match="insurance on file"):
        gfe_svc.create_gfe(db, None, patient, request, PRACTICE, TODAY)
    elected = gfe_svc.GfeRequest(date(2026, 3, 16), date(2026, 3, 2), None,
                                 self_pay_election=True)
    assert gfe_svc.create_gfe(db, None, patient, elected, PRACTICE, TODAY).id


def test_gfe_needs_a_scheduling_or_request_date(db):
    make_schedule(db, None)
    with pytest.raises(RuleViolation, match="scheduled or the date"):
        gfe_svc.create_gfe(db, None, make_patient(db),
                           gfe_svc.GfeRequest(date(2026, 3, 16), None, None), PRACTICE, TODAY)


def test_a_gfe_prices_the_dosing_length_as_the_practice_bills(db):
    make_schedule(db, None)
    patient = make_patient(db)
    hour, three = (gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
        date(2026, 3, 16), date(2026, 3, 2), None, dosings=2, dosing_minutes=minutes),
        PRACTICE, TODAY) for minutes in (60, 180))
    assert three.total_cents - hour.total_cents == 2 * 2 * 16000  # two more hours, twice
    telehealth = gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
        date(2026, 3, 16), date(2026, 3, 2), None, dosings=2, dosing_minutes=180,
        dosing_setting="telehealth"), PRACTICE, TODAY)
    assert "0820T" not in {line.code for line in telehealth.lines}
    with pytest.raises(RuleViolation, match="dosing length"):
        gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
            date(2026, 3, 16), date(2026, 3, 2), None, dosing_minutes=45), PRACTICE, TODAY)


def test_bill_over_gfe_by_400_is_flagged_per_provider(db):
    make_schedule(db, None)
    patient = make_patient(db)
    record = CareRecord(db, patient)
    gfe = gfe_svc.create_gfe(db, None, patient, gfe_svc.GfeRequest(
        date(2026, 3, 16), date(2026, 3, 2), None, dosings=1, dosing_minutes=60), PRACTICE,
        TODAY)
    # Therapist: 1 preparation + 1 integration (90837 $150) + 1 hour of monitoring $160 +
    # ketamine $40 = $500; prescriber: 99204 $200 + 99214 $120 + 4 measures $20 = $340.
    therapist, prescriber = record.therapist, record.prescriber
    expected = {p.clinician_id: p.estimated_cents
                for p in check_gfe(db, gfe, date(2026, 4, 1), ZONE).providers}
    assert expected == {therapist.id: 50000, prescriber.id: 34000}
    for day in range(5):  # five integrations, $750: $250 over the therapist's estimate
        record.visit("integration", date(2026, 3, 16 + day), 60)
    check = check_gfe(db, gfe, date(2026, 4, 1), ZONE)
    assert check.state == "ok"
    record.visit("integration", date(2026, 3, 23), 60)  # $900: $400 over
    record.visit("intake", date(2026, 3, 16), 60, hour=14)  # the prescriber's $200: within estimate
    check = check_gfe(db, gfe, date(2026, 4, 1), ZONE)
    by_id = {p.clinician_id: p for p in check.providers}
    assert (by_id[therapist.id].billed_cents, by_id[therapist.id].state) == (90000, "over")
    assert by_id[therapist.id].over_by_cents == 40000
    assert (by_id[prescriber.id].billed_cents, by_id[prescriber.id].state) == (20000, "ok")
    assert check.state == "over"
    # Watch margin: $350 over is "near" with the default $100 margin.
    assert standing(50000, 85000, DEFAULT_POLICY) == "near"
    assert standing(50000, 79999, DEFAULT_POLICY) == "ok"
    assert standing(50000, 90000, DEFAULT_POLICY) == "over"
    watch = gfe_watch(db, None, date(2026, 4, 1), ZONE)
    assert [c.gfe.id for c in watch.checks] == [gfe.id] and watch.total == 1


def test_superbill_lines_charges_and_paid(db):
    make_schedule(db, None)
    patient = make_patient(db, make_plan(db))
    record = CareRecord(db, patient)
    record.visit("intake", date(2026, 1, 20), 60)
    record.clear(date(2026, 1, 20))
    record.visit("preparation", date(2026, 2, 2), 55)
    record.dose(date(2026, 2, 9), 120)
    record.visit("integration", date(2026, 2, 11), 50, setting="telehealth")
    record.visit("integration", date(2026, 3, 2), 50)  # after the range: not on this bill
    plan = new_plan(db, patient)
    pay(db, plan, 12000)
    pay(db, plan, 15000, on=date(2026, 2, 3))
    bill = build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    # Payments ($270) go to the January intake ($200) first, then $70 to February.
    assert [(line.code, line.units, line.charge_cents, line.paid_cents) for line in bill.lines] == [
        ("90837", 1, 15000, 7000), ("0820T", 2, 32000, 0), ("MED-KETAMINE", 1, 4000, 0),
        ("90834", 1, 10000, 0)]
    assert (bill.total_charge_cents, bill.total_paid_cents, bill.balance_cents) == (
        61000, 7000, 54000)
    assert {line.diagnosis_code for line in bill.lines} == {"F41.1"}
    assert [(line.place_of_service, line.modifier) for line in bill.lines] == [
        ("11", ""), ("11", ""), ("11", ""), ("10", "95")]
    assert bill.member_id == "M123" and bill.clinicians == (("Maya Okafor, LMFT", None),)
    assert {line.clinician_name for line in bill.lines} == {"Maya Okafor, LMFT"}


def test_superbill_range_is_checked(db):
    patient = make_patient(db)
    with pytest.raises(RuleViolation, match="before the start"):
        build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 1, 1), PRACTICE)
    with pytest.raises(RuleViolation, match="one year"):
        build_superbill(db, None, patient, date(2024, 2, 1), date(2026, 1, 1), PRACTICE)


def test_superbill_without_sessions_is_empty(db):
    bill = build_superbill(db, None, make_patient(db), date(2026, 1, 1), date(2026, 2, 1),
                           PRACTICE)
    assert bill.lines == () and bill.total_charge_cents == 0


def test_a_payment_on_a_plan_changed_meanwhile_fails_the_version_check(db):
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from kapms.billing.models import PaymentPlan

    plan = new_plan(db, make_patient(db))
    db.commit()
    # Another clerk's payment bumped the version after this plan was loaded.
    assert plan.version == 1  # this clerk loaded the plan at version 1
    db.execute(update(PaymentPlan).where(PaymentPlan.id == plan.id)
               .values(version=PaymentPlan.version + 1).execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        pay(db, plan, 100)
    db.rollback()


def test_superbill_needs_fees_for_its_range_but_not_for_older_care(db):
    make_schedule(db, None, start=date(2026, 2, 1))
    patient = make_patient(db)
    record = CareRecord(db, patient)
    record.visit("intake", date(2026, 1, 20), 60)
    record.visit("preparation", date(2026, 2, 2), 55)
    bill = build_superbill(db, None, patient, date(2026, 2, 1), date(2026, 2, 28), PRACTICE)
    assert [line.code for line in bill.lines] == ["90837"]
    with pytest.raises(RuleViolation, match="No practice fee for 99204 on 2026-01-20"):
        build_superbill(db, None, patient, date(2026, 1, 1), date(2026, 2, 28), PRACTICE)


def test_voiding_a_payment_restores_the_balance_and_reopens_the_plan(db):
    plan = new_plan(db, make_patient(db))
    payment = pay(db, plan, 100000)
    assert plan.status == "closed"
    with pytest.raises(RuleViolation, match="why"):
        plan_svc.void_payment(db, None, payment, "  ")
    plan_svc.void_payment(db, None, payment, "keyed the wrong amount")
    assert plan.status == "open" and plan_svc.ledger(plan, TODAY).paid == 0
    assert plan_svc.patient_payments(db, plan.patient_id, TODAY) == []
    with pytest.raises(RuleViolation, match="already voided"):
        plan_svc.void_payment(db, None, payment, "again")
    pay(db, plan, 12000)
    assert plan_svc.ledger(plan, TODAY).paid == 12000
