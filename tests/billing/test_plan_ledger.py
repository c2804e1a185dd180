"""Where a payment plan stands: payments applied oldest first, overdue and due amounts."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapms.billing.payment_plans import installment_schedule
from kapms.billing.plan_ledger import exceeds_estimate, plan_ledger

SCHEDULE = [(date(2026, 1, 10), 12000), (date(2026, 2, 10), 5000), (date(2026, 3, 10), 5000)]


def test_nothing_paid_before_anything_is_due():
    ledger = plan_ledger(SCHEDULE, 0, date(2026, 1, 1))
    assert (ledger.total, ledger.paid, ledger.balance) == (22000, 0, 22000)
    assert (ledger.due_now, ledger.overdue) == (0, 0)
    assert [i.state for i in ledger.installments] == ["upcoming"] * 3
    assert ledger.next_due.number == 0


def test_partial_payment_settles_the_oldest_first_and_the_rest_is_overdue():
    ledger = plan_ledger(SCHEDULE, 14000, date(2026, 2, 11))
    assert [i.paid for i in ledger.installments] == [12000, 2000, 0]
    assert [i.state for i in ledger.installments] == ["paid", "overdue", "upcoming"]
    assert (ledger.overdue, ledger.due_now, ledger.balance) == (3000, 3000, 8000)


def test_due_today_is_due_but_not_overdue():
    ledger = plan_ledger(SCHEDULE, 12000, date(2026, 2, 10))
    assert ledger.installments[1].state == "due"
    assert (ledger.due_now, ledger.overdue) == (5000, 0)


def test_fully_paid_plan_has_no_next_due():
    ledger = plan_ledger(SCHEDULE, 22000, date(2027, 1, 1))
    assert ledger.balance == 0 and ledger.next_due is None and ledger.overdue == 0


@pytest.mark.parametrize("paid", [22001, -1, 1.5])
def test_impossible_paid_amounts_are_refused(paid):
    with pytest.raises(ValueError):
        plan_ledger(SCHEDULE, paid, date(2026, 1, 1))


@pytest.mark.parametrize(("estimate", "billed", "over"),
                         [(100000, 139999, False), (100000, 140000, True), (100000, 90000, False)])
def test_bill_over_estimate_by_the_threshold(estimate, billed, over):
    assert exceeds_estimate(estimate, billed, 40000) is over


@given(balance=st.integers(1, 10_000_00), upfront=st.integers(0, 200_00),
       count=st.integers(1, 24), paid_share=st.floats(0, 1), days=st.integers(-40, 800))
def test_ledger_invariants(balance, upfront, count, paid_share, days):
    upfront = min(upfront, balance)
    first = date(2026, 1, 31)
    schedule = installment_schedule(balance, upfront, count, first)
    paid = int(balance * paid_share)  # a share of the balance; the float only picks a test case
    ledger = plan_ledger(schedule, paid, first + timedelta(days=days))
    assert sum(i.paid for i in ledger.installments) == paid
    assert ledger.balance == balance - paid
    assert 0 <= ledger.overdue <= ledger.due_now <= ledger.balance
    # Payments fill installments in order: no unpaid installment before a paid one.
    unpaid_seen = False
    for i in ledger.installments:
        if unpaid_seen:
            assert i.paid == 0
        unpaid_seen = unpaid_seen or i.unpaid > 0


def test_every_installment_keeps_its_due_date_and_number():
    ledger = plan_ledger(SCHEDULE, 0, date(2026, 1, 1))
    assert [(i.number, i.due_date, i.amount) for i in ledger.installments] == [
        (0, date(2026, 1, 10), 12000), (1, date(2026, 2, 10), 5000), (2, date(2026, 3, 10), 5000)]


@pytest.mark.parametrize("schedule, paid, message", [
    (SCHEDULE, 22001, "paid 22001 cents is more than the plan's 22000 cents"),
    (SCHEDULE, -1, "paid_cents must not be negative, got -1"),
    (SCHEDULE, 1.5, "paid_cents must be whole cents (int), not float 1.5"),
    ([(date(2026, 1, 10), -5)], 0, "installment must not be negative, got -5"),
])
def test_impossible_ledgers_are_refused_in_words(schedule, paid, message):
    with pytest.raises(ValueError) as refused:
        plan_ledger(schedule, paid, date(2026, 1, 1))
    assert str(refused.value) == message


@pytest.mark.parametrize("args, message", [
    ((-1, 0, 40000), "estimate_cents must not be negative, got -1"),
    ((0, -1, 40000), "billed_cents must not be negative, got -1"),
    ((0, 0, -1), "threshold_cents must not be negative, got -1"),
])
def test_the_gfe_comparison_names_a_bad_amount(args, message):
    with pytest.raises(ValueError) as refused:
        exceeds_estimate(*args)
    assert str(refused.value) == message
