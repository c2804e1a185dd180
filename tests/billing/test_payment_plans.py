"""Payment plans: upfront + monthly installments, month-end dates, cent remainders, errors."""

import calendar
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapms.billing.payment_plans import installment_schedule
from kapms.clinic_time import add_months


def test_upfront_then_installments_from_31_january_in_a_leap_year():
    schedule = installment_schedule(150000, 12000, 6, date(2024, 1, 31))
    assert schedule == [
        (date(2024, 1, 31), 12000),
        (date(2024, 2, 29), 23000),
        (date(2024, 3, 31), 23000),  # back to the 31st: dates never drift
        (date(2024, 4, 30), 23000),
        (date(2024, 5, 31), 23000),
        (date(2024, 6, 30), 23000),
        (date(2024, 7, 31), 23000),
    ]


def test_31_january_in_a_common_year_gives_28_february():
    dates = [d for d, _ in installment_schedule(300, 0, 3, date(2025, 1, 31))]
    assert dates == [date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_cent_remainder_goes_on_the_earliest_installments():
    assert [c for _, c in installment_schedule(100, 0, 3, date(2025, 1, 15))] == [34, 33, 33]
    assert [c for _, c in installment_schedule(101, 0, 3, date(2025, 1, 15))] == [34, 34, 33]


def test_fewer_cents_than_installments_leaves_zero_installments_at_the_end():
    assert [c for _, c in installment_schedule(2, 0, 3, date(2025, 1, 15))] == [1, 1, 0]


def test_zero_upfront_is_left_out():
    assert installment_schedule(5000, 0, 1, date(2025, 3, 10)) == [(date(2025, 4, 10), 5000)]


def test_zero_installments_when_upfront_pays_everything():
    assert installment_schedule(12000, 12000, 0, date(2025, 3, 10)) == [(date(2025, 3, 10), 12000)]


def test_one_installment_after_upfront():
    assert installment_schedule(20000, 12000, 1, date(2025, 12, 31)) == [
        (date(2025, 12, 31), 12000),
        (date(2026, 1, 31), 8000),
    ]


def test_nothing_owed_gives_empty_schedule():
    assert installment_schedule(0, 0, 0, date(2025, 3, 10)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 200, 2), "more than the balance"),
        ((-100, 0, 2), "must not be negative"),
        ((100, -1, 2), "must not be negative"),
        ((100, 0, -1), "must not be negative"),
        ((100.0, 0, 2), "whole cents"),
        ((100, True, 2), "whole cents"),
        ((100, 0, 2.0), "count must be an int"),
        ((100, 0, True), "count must be an int"),
        ((100, 40, 0), "60 cents would remain"),
        ((100, 0, 0), "100 cents would remain"),
    ],
)
def test_invalid_input_raises_value_error(args, message):
    with pytest.raises(ValueError, match=message):
        installment_schedule(*args, date(2025, 1, 1))


def test_first_due_must_be_a_date():
    with pytest.raises(ValueError, match="first_due"):
        installment_schedule(100, 0, 1, datetime(2025, 1, 1, 9, 0))
    with pytest.raises(ValueError, match="first_due"):
        installment_schedule(100, 0, 1, "2025-01-01")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 15), -13, date(2023, 12, 15)),
        (date(2025, 5, 31), 0, date(2025, 5, 31)),
    ],
)
def test_add_months_clamps_to_month_end(start, n, expected):
    assert add_months(start, n) == expected


def test_add_months_rejects_non_int_and_out_of_calendar():
    with pytest.raises(ValueError):
        add_months(date(2025, 1, 1), 1.0)
    with pytest.raises(ValueError):
        add_months(date(9999, 12, 1), 1)


@given(
    balance=st.integers(min_value=0, max_value=10**8),
    upfront_share=st.fractions(min_value=0, max_value=1),
    count=st.integers(min_value=1, max_value=60),
    first_due=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
)
def test_property_schedule_sums_to_balance_and_is_even(balance, upfront_share, count, first_due):
    upfront = int(balance * upfront_share)
    schedule = installment_schedule(balance, upfront, count, first_due)
    installments = [c for _, c in schedule[-count:]]
    assert sum(c for _, c in schedule) == balance
    assert len(installments) == count
    assert max(installments) - min(installments) <= 1
    assert installments == sorted(installments, reverse=True)  # extra cents first
    dates = [d for d, _ in schedule]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    for d, _ in schedule[-count:]:
        last = calendar.monthrange(d.year, d.month)[1]
        assert d.day == min(first_due.day, last)


@pytest.mark.parametrize("args, message", [
    ((-100, 0, 2), "balance_cents must not be negative, got -100"),
    ((100, -1, 2), "upfront_cents must not be negative, got -1"),
    ((100.0, 0, 2), "balance_cents must be whole cents (int), not float 100.0"),
    ((100, 200, 2), "upfront 200 cents is more than the balance 100 cents"),
    ((100, 0, -1), "count must not be negative, got -1"),
    ((100, 0, 2.0), "count must be an int, not float 2.0"),
    ((100, 40, 0), "no installments but 60 cents would remain after the upfront payment"),
])
def test_refusals_name_the_amount_in_words(args, message):
    with pytest.raises(ValueError) as refused:
        installment_schedule(*args, date(2025, 1, 1))
    assert str(refused.value) == message
