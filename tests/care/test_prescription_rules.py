"""Controlled-substance prescription rules (kapms/care/rules.py), from the regulations.

- DEA registration number: two letters (the second may be 9) and seven digits, the last a
  check digit: (1st + 3rd + 5th) + 2 x (2nd + 4th + 6th), its last digit (DEA's published
  formula; the worked example AB1234563 is the one in most references). Each number below is
  worked out by hand beside it, and chosen so that the usual wrong formulas (doubling the odd
  digits instead, not doubling, a digit off by one) give another check digit.
- Schedule III refills (21 CFR 1306.22(a)): at most 5, and none more than 6 months after the
  date of issue.
"""

from datetime import date

import pytest

from kapms.care.rules import dea_number_valid, refill_refusal, refills_refusal
from kapms.clinic_time import add_months


@pytest.mark.parametrize("number", [
    "AB1234563",  # (1+3+5) + 2(2+4+6) = 9 + 24 = 33 -> 3
    "BM7049186",  # (7+4+1) + 2(0+9+8) = 12 + 34 = 46 -> 6; doubled odd: 41 -> 1; plain: 29 -> 9
    "FN5623740",  # (5+2+7) + 2(6+3+4) = 14 + 26 = 40 -> 0; doubled odd: 41 -> 1; plain: 27 -> 7
    "MK3860257",  # (3+6+2) + 2(8+0+5) = 11 + 26 = 37 -> 7; doubled odd: 35 -> 5; plain: 24 -> 4
])
def test_valid_dea_numbers(number):
    assert dea_number_valid(number)


@pytest.mark.parametrize("number", [
    "AB1234564",  # check digit off by one
    "BM7049181",  # the check digit of the doubled-odd formula (41 -> 1)
    "BM7049189",  # the check digit of the no-doubling formula (29 -> 9)
    "FN5623741",  # doubled-odd formula
    "FN5623747",  # no-doubling formula
    "BM0749186",  # two digits swapped: (0+4+1) + 2(7+9+8) = 5 + 48 = 53 -> 3, not 6
])
def test_wrong_check_digits_are_refused(number):
    assert not dea_number_valid(number)


def test_the_second_character_may_be_9_but_no_other_digit():
    assert dea_number_valid("A91234563")
    assert not dea_number_valid("A11234563")
    assert not dea_number_valid("1B1234563")


@pytest.mark.parametrize("number, valid", [
    (" bm7049186 ", True),  # typed in lower case with spaces around: the same number
    ("AB123456", False), ("AB12345633", False), ("ABC1234563", False), ("AB 1234563", False),
    ("AB123456X", False), ("", False), (None, False),
])
def test_dea_number_format(number, valid):
    assert dea_number_valid(number) is valid


REFILL_LIMIT = "A Schedule III prescription may be refilled at most 5 times."


@pytest.mark.parametrize("refills, refusal", [
    (0, None), (1, None), (5, None), (6, REFILL_LIMIT), (-1, REFILL_LIMIT), (-5, REFILL_LIMIT)])
def test_at_most_five_refills_and_never_a_negative_number(refills, refusal):
    assert refills_refusal(refills) == refusal


def test_a_refill_on_the_issue_date_is_within_the_six_months():
    assert refill_refusal(date(2026, 3, 10), 5, 0, date(2026, 3, 10)) is None


def test_a_refill_before_the_issue_date_is_refused():
    assert refill_refusal(date(2026, 3, 10), 5, 0, date(2026, 3, 9)) == (
        "A refill cannot be dated before the prescription was issued.")


@pytest.mark.parametrize("issued, last_day, first_refused, until", [
    (date(2026, 3, 10), date(2026, 9, 10), date(2026, 9, 11), "Sep 10, 2026"),
    (date(2026, 1, 31), date(2026, 7, 31), date(2026, 8, 1), "Jul 31, 2026"),
    # 31 Aug + 6 months is the end of February (no 31 Feb).
    (date(2026, 8, 31), date(2027, 2, 28), date(2027, 3, 1), "Feb 28, 2027"),
    (date(2027, 8, 31), date(2028, 2, 29), date(2028, 3, 1), "Feb 29, 2028"),
    (date(2026, 10, 15), date(2027, 4, 15), date(2027, 4, 16), "Apr 15, 2027"),
])
def test_refills_within_six_months_of_issue(issued, last_day, first_refused, until):
    assert refill_refusal(issued, 5, 0, last_day) is None
    assert refill_refusal(issued, 5, 0, first_refused) == (
        "Schedule III refills are allowed only within 6 months of the issue date "
        f"(until {until}).")


@pytest.mark.parametrize("authorized, done, refusal", [
    (2, 0, None), (2, 1, None),
    (2, 2, "All 2 authorized refills have been used."),
    (0, 0, "All 0 authorized refills have been used."),
    (5, 5, "All 5 authorized refills have been used."),
])
def test_no_more_refills_than_authorized(authorized, done, refusal):
    assert refill_refusal(date(2026, 3, 10), authorized, done, date(2026, 4, 1)) == refusal


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 12, 15), 12, date(2027, 12, 15)),
    (date(2026, 12, 31), 13, date(2028, 1, 31)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)),
    (date(2026, 5, 20), 0, date(2026, 5, 20)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected
