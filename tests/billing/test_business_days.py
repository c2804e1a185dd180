"""Business days, US federal holidays and the Good Faith Estimate deadline (45 CFR 149.610)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapms.billing.business_days import (
    _nth_weekday,
    add_business_days,
    business_days_between,
    gfe_due_date,
    is_business_day,
    us_federal_holidays,
    us_federal_holidays_between,
)

MON = date(2025, 3, 3)  # a week with no federal holiday
FRI = date(2025, 3, 7)
HOLIDAYS_2025 = us_federal_holidays(2025)


def test_add_business_days_skips_weekends():
    assert add_business_days(FRI, 1) == date(2025, 3, 10)
    assert add_business_days(date(2025, 3, 8), 1) == date(2025, 3, 10)  # from a Saturday
    assert add_business_days(MON, 0) == MON
    assert add_business_days(MON, 5) == date(2025, 3, 10)
    assert add_business_days(MON, -1) == date(2025, 2, 28)


def test_add_business_days_skips_holidays():
    # Friday 23 May 2025 + 1 is Tuesday: Monday 26 May is Memorial Day.
    assert add_business_days(date(2025, 5, 23), 1, HOLIDAYS_2025) == date(2025, 5, 27)
    assert not is_business_day(date(2025, 5, 26), HOLIDAYS_2025)


def test_business_days_between():
    assert business_days_between(MON, date(2025, 3, 6)) == 3  # Tue, Wed, Thu
    assert business_days_between(FRI, date(2025, 3, 10)) == 1
    assert business_days_between(MON, MON) == 0
    assert business_days_between(MON, date(2025, 3, 14)) == 9
    assert business_days_between(MON, date(2025, 3, 17)) == 10
    assert business_days_between(date(2025, 3, 6), MON) == -3
    assert business_days_between(date(2025, 5, 23), date(2025, 5, 27), HOLIDAYS_2025) == 1


def test_add_business_days_rejects_non_int():
    with pytest.raises(ValueError):
        add_business_days(MON, 1.0)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 40))
def test_property_between_inverts_add(d, n):
    holidays = us_federal_holidays_between(date(2020, 1, 1), date(2031, 12, 31))
    assert business_days_between(d, add_business_days(d, n, holidays), holidays) == n


@pytest.mark.parametrize(
    ("service", "due"),
    [
        (date(2025, 3, 5), None),  # 2 business days ahead: no deadline set by the rule
        (date(2025, 3, 6), date(2025, 3, 4)),  # 3 ahead: 1 business day
        (date(2025, 3, 14), date(2025, 3, 4)),  # 9 ahead (Friday week): 1 business day
        (date(2025, 3, 17), date(2025, 3, 6)),  # 10 ahead (Monday fortnight): 3 business days
        (date(2025, 6, 2), date(2025, 3, 6)),  # far ahead: 3 business days
        (MON, None),  # same day
    ],
)
def test_gfe_deadline_at_the_3_9_10_business_day_edges(service, due):
    assert gfe_due_date(MON, service) == due


def test_gfe_deadline_across_a_weekend():
    # Scheduled Friday: 3 business days ahead is Wednesday; 1 business day after is Monday.
    assert gfe_due_date(FRI, date(2025, 3, 12)) == date(2025, 3, 10)
    # Scheduled Thursday, 10+ ahead: Fri, Mon, Tue.
    assert gfe_due_date(date(2025, 3, 6), date(2025, 3, 31)) == date(2025, 3, 11)


def test_gfe_deadline_across_a_holiday():
    scheduled = date(2025, 5, 23)  # Friday before Memorial Day
    # Thursday 29 May is 3 business days ahead with the holiday (Tue, Wed, Thu): due Tuesday.
    assert gfe_due_date(scheduled, date(2025, 5, 29), holidays=HOLIDAYS_2025) == date(2025, 5, 27)
    # Wednesday 28 May is only 2 ahead with the holiday, 3 without it.
    assert gfe_due_date(scheduled, date(2025, 5, 28), holidays=HOLIDAYS_2025) is None
    assert gfe_due_date(scheduled, date(2025, 5, 28)) == date(2025, 5, 26)


def test_gfe_on_request():
    # Requested Thursday 3 July 2025; Friday 4 July is a holiday: Mon, Tue, Wed.
    requested = date(2025, 7, 3)
    assert gfe_due_date(None, None, requested, HOLIDAYS_2025) == date(2025, 7, 9)


def test_gfe_request_and_scheduling_take_the_earlier_deadline():
    assert gfe_due_date(MON, date(2025, 3, 6), requested_on=FRI) == date(2025, 3, 4)
    assert gfe_due_date(FRI, date(2025, 3, 31), requested_on=MON) == date(2025, 3, 6)
    # Scheduled too close for a scheduling deadline, but the request's still applies.
    assert gfe_due_date(FRI, date(2025, 3, 10), requested_on=MON) == date(2025, 3, 6)


def test_gfe_invalid_input():
    with pytest.raises(ValueError, match="scheduling date or a request"):
        gfe_due_date(None, None)
    with pytest.raises(ValueError, match="before scheduling"):
        gfe_due_date(MON, date(2025, 3, 1))
    with pytest.raises(ValueError, match="service date"):
        gfe_due_date(MON, None)


def test_federal_holidays_2024():
    assert sorted(us_federal_holidays(2024)) == [
        date(2024, 1, 1),
        date(2024, 1, 15),
        date(2024, 2, 19),
        date(2024, 5, 27),
        date(2024, 6, 19),
        date(2024, 7, 4),
        date(2024, 9, 2),
        date(2024, 10, 14),
        date(2024, 11, 11),
        date(2024, 11, 28),
        date(2024, 12, 25),
    ]


def test_federal_holidays_observed_on_weekdays():
    h2023 = us_federal_holidays(2023)
    assert date(2023, 1, 2) in h2023  # 1 Jan 2023 was a Sunday
    assert date(2023, 11, 10) in h2023  # 11 Nov 2023 was a Saturday
    h2021 = us_federal_holidays(2021)
    assert {date(2021, 6, 18), date(2021, 7, 5), date(2021, 12, 24)} <= h2021
    assert date(2021, 12, 31) in h2021  # New Year 2022 (a Saturday) observed in 2021
    assert not any(d.month == 1 and d.day < 10 for d in us_federal_holidays(2022))
    assert all(d.weekday() < 5 for y in range(2020, 2031) for d in us_federal_holidays(y))
    assert len(us_federal_holidays(2024)) == 11


def test_juneteenth_only_from_2021():
    assert date(2020, 6, 19) not in us_federal_holidays(2020)
    assert len(us_federal_holidays(2020)) == 10


def test_federal_holidays_between_crosses_the_year_end():
    assert us_federal_holidays_between(date(2021, 12, 1), date(2022, 1, 31)) == {
        date(2021, 12, 24),
        date(2021, 12, 31),
        date(2022, 1, 17),
    }


# Worked out by hand from 5 U.S.C. 6103 and the weekday each date falls on (a Saturday
# holiday is observed the Friday before, a Sunday one the Monday after).
HOLIDAYS_2026 = {
    date(2026, 1, 1),  # New Year's Day, a Thursday
    date(2026, 1, 19),  # MLK: Mondays of January 5, 12, 19
    date(2026, 2, 16),  # Presidents: Mondays 2, 9, 16
    date(2026, 5, 25),  # Memorial: the last Monday of May (1 June is a Monday)
    date(2026, 6, 19),  # Juneteenth, a Friday
    date(2026, 7, 3),  # Independence Day is a Saturday: the Friday before
    date(2026, 9, 7),  # Labor: the first Monday
    date(2026, 10, 12),  # Columbus: Mondays 5, 12
    date(2026, 11, 11),  # Veterans Day, a Wednesday
    date(2026, 11, 26),  # Thanksgiving: Thursdays 5, 12, 19, 26
    date(2026, 12, 25),  # Christmas, a Friday
}
HOLIDAYS_2027 = {
    date(2027, 1, 1),  # a Friday
    date(2027, 1, 18),
    date(2027, 2, 15),  # 1 February is a Monday: 1, 8, 15
    date(2027, 5, 31),  # 31 May is itself the last Monday
    date(2027, 6, 18),  # Juneteenth is a Saturday
    date(2027, 7, 5),  # Independence Day is a Sunday: the Monday after
    date(2027, 9, 6),
    date(2027, 10, 11),
    date(2027, 11, 11),
    date(2027, 11, 25),
    date(2027, 12, 24),  # Christmas is a Saturday
    date(2027, 12, 31),  # New Year's Day 2028 is a Saturday: observed in 2027
}


def test_federal_holidays_2026_and_2027():
    assert us_federal_holidays(2026) == HOLIDAYS_2026
    assert us_federal_holidays(2027) == HOLIDAYS_2027


def test_holidays_between_include_both_ends():
    assert us_federal_holidays_between(date(2026, 12, 25), date(2027, 1, 1)) == {
        date(2026, 12, 25), date(2027, 1, 1)}
    assert us_federal_holidays_between(date(2026, 12, 26), date(2026, 12, 31)) == set()


def test_counting_backwards_skips_the_holidays_too():
    # Fri 3 July 2026 is observed Independence Day: after Thu 2 up to Mon 6 only the Monday
    # is a business day (2 without the holiday).
    holidays = us_federal_holidays(2026)
    assert business_days_between(date(2026, 7, 6), date(2026, 7, 2), holidays) == -1
    assert business_days_between(date(2026, 7, 2), date(2026, 7, 6), holidays) == 1


def test_the_three_day_gfe_deadline_skips_holidays():
    # Scheduled Wed 1 July 2026 for a service weeks ahead: 3 business days after, skipping
    # Fri 3 July (observed) and the weekend, is Tue 7 July.
    holidays = us_federal_holidays(2026)
    assert gfe_due_date(date(2026, 7, 1), date(2026, 8, 3), holidays=holidays) == date(2026, 7, 7)


@pytest.mark.parametrize("args, message", [
    ((None, None), "a GFE deadline needs a scheduling date or a request date"),
    ((date(2026, 3, 2), None), "a scheduled service needs its service date"),
    ((date(2026, 3, 2), date(2026, 3, 1)), "service date 2026-03-01 is before scheduling 2026-03-02"),
])
def test_gfe_refusals_in_words(args, message):
    with pytest.raises(ValueError) as refused:
        gfe_due_date(*args)
    assert str(refused.value) == message


def test_add_business_days_names_a_bad_count():
    with pytest.raises(ValueError) as refused:
        add_business_days(date(2026, 3, 2), 1.0)
    assert str(refused.value) == "n must be an int, not float 1.0"


@pytest.mark.parametrize(("month", "weekday", "n", "expected"), [
    (12, 3, -1, date(2026, 12, 31)),  # the last Thursday of a year's last month is its last day
    (12, 4, -1, date(2026, 12, 25)),  # the last Friday, a week before
    (5, 0, -1, date(2026, 5, 25)),  # Memorial Day
    (11, 3, 4, date(2026, 11, 26)),  # Thanksgiving
    (1, 0, 1, date(2026, 1, 5)),
])
def test_nth_and_last_weekday_of_a_month(month, weekday, n, expected):
    assert _nth_weekday(2026, month, weekday, n) == expected
