"""Patient cost share: deductible, coinsurance, copay, out-of-pocket cap, rounding, errors."""

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapms.billing.cost_share import ShareLine, cents_at_rate, patient_shares, share_lines

R20 = Decimal("0.2")
BIG = 10**9


def shares(charges, *, ded=0, rate=R20, oop=BIG, copay=None):
    return patient_shares(
        charges, deductible_remaining=ded, coinsurance=rate, oop_remaining=oop, copay=copay
    )


def test_deductible_only_while_deductible_remains():
    assert shares([10000, 20000], ded=50000) == [10000, 20000]


def test_coinsurance_after_deductible_is_met():
    assert shares([15000, 333], ded=0) == [3000, 67]  # 66.6 -> 67


def test_deductible_spanning_two_charges():
    first, second = share_lines(
        [3000, 4000], deductible_remaining=5000, coinsurance=R20, oop_remaining=BIG
    )
    assert first == ShareLine(3000, 3000, 0, 0, 3000, 0)
    # 2000 finishes the deductible, then 20% of the other 2000.
    assert second == ShareLine(4000, 2000, 400, 0, 2400, 1600)


def test_copay_bypasses_deductible_and_coinsurance():
    assert shares([15000, 20000], ded=100000, copay=3000) == [3000, 3000]


def test_copay_above_the_charge_is_capped_at_the_charge():
    assert shares([2000, 3000], copay=2500) == [2000, 2500]


def test_per_line_copays_leave_the_deductible_for_other_lines():
    lines = share_lines(
        [15000, 10000],
        deductible_remaining=5000,
        coinsurance=R20,
        oop_remaining=BIG,
        copay=[3000, None],
    )
    assert [line.patient for line in lines] == [3000, 6000]  # 5000 deductible + 20% of 5000
    assert lines[0].copay_part == 3000 and lines[0].deductible_part == 0


def test_copay_after_deductible():
    lines = share_lines(
        [4000, 10000, 10000],
        deductible_remaining=5000,
        coinsurance=R20,
        oop_remaining=BIG,
        copay=3000,
        copay_after_deductible=True,
    )
    parts = [(x.deductible_part, x.copay_part) for x in lines]
    assert parts == [(4000, 0), (1000, 3000), (0, 3000)]


def test_oop_cap_reached_mid_list():
    assert shares([8000] * 4, rate=Decimal("0.5"), oop=10000) == [4000, 4000, 2000, 0]


def test_oop_cap_applies_to_copays():
    assert shares([10000] * 3, copay=3000, oop=5000) == [3000, 2000, 0]


def test_oop_cut_trims_coinsurance_before_deductible():
    [line] = share_lines([20000], deductible_remaining=5000, coinsurance=R20, oop_remaining=6000)
    assert line == ShareLine(20000, 5000, 1000, 0, 6000, 14000)


def test_oop_already_met_means_nothing_to_pay():
    assert shares([5000, 5000], ded=1000, oop=0) == [0, 0]


@pytest.mark.parametrize(
    ("charge", "rate", "expected"),
    [(5, "0.5", 3), (2, "0.25", 1), (1, "0.5", 1), (1, "0.4", 0), (25, "0.1", 3), (15, "0.1", 2)],
)
def test_half_up_rounding_at_half_a_cent(charge, rate, expected):
    # 2.5 -> 3 and 0.5 -> 1: half-up, not banker's rounding (which would give 2 and 0).
    assert shares([charge], rate=Decimal(rate)) == [expected]


def test_rounding_is_per_line_not_on_the_total():
    assert shares([5, 5], rate=Decimal("0.5")) == [3, 3]


def test_coinsurance_may_be_int_zero_or_one():
    assert shares([1000], rate=0) == [0]
    assert shares([1000], rate=1) == [1000]


def test_empty_list_and_frozen_lines():
    assert shares([]) == []
    [line] = share_lines([100], deductible_remaining=0, coinsurance=R20, oop_remaining=BIG)
    with pytest.raises(FrozenInstanceError):
        line.patient = 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"charges": [-1]},
        {"charges": [10.0]},
        {"charges": [True]},
        {"charges": [Decimal("10")]},
        {"ded": -1},
        {"ded": 1.5},
        {"oop": -5},
        {"oop": False},
        {"copay": -100},
        {"copay": 25.0},
        {"rate": 0.2},
        {"rate": Decimal("1.01")},
        {"rate": Decimal("-0.1")},
        {"rate": Decimal("NaN")},
        {"rate": "0.2"},
        {"rate": True},
        {"rate": 2},
    ],
)
def test_invalid_input_raises_value_error(kwargs):
    kwargs = dict(kwargs)  # the parameter is shared by every run of the test in this process
    charges = kwargs.pop("charges", [1000])
    with pytest.raises(ValueError):
        shares(charges, **kwargs)


def test_invalid_messages_say_what_is_wrong():
    with pytest.raises(ValueError, match="must not be negative"):
        shares([100, -1])
    with pytest.raises(ValueError, match="whole cents"):
        shares([1.5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        shares([100], rate=Decimal("1.5"))
    with pytest.raises(ValueError, match="3 entries for 2 charges"):
        share_lines(
            [1, 2], deductible_remaining=0, coinsurance=R20, oop_remaining=0, copay=[1, 2, 3]
        )


cents = st.integers(min_value=0, max_value=10**7)
rates = st.decimals(min_value=0, max_value=1, places=3)


@given(
    charges=st.lists(cents, max_size=20),
    ded=cents,
    rate=rates,
    oop=cents,
    copay=st.none() | cents | st.just("per-line"),
    data=st.data(),
)
def test_property_shares_within_charges_and_oop(charges, ded, rate, oop, copay, data):
    if copay == "per-line":
        copay = data.draw(st.lists(st.none() | cents, min_size=len(charges), max_size=len(charges)))
    lines = share_lines(
        charges, deductible_remaining=ded, coinsurance=rate, oop_remaining=oop, copay=copay
    )
    assert all(0 <= x.patient <= x.allowed for x in lines)
    assert all(x.patient == x.deductible_part + x.coinsurance_part + x.copay_part for x in lines)
    assert all(x.plan == x.allowed - x.patient for x in lines)
    assert sum(x.patient for x in lines) <= oop
    assert sum(x.deductible_part for x in lines) <= ded
    if not isinstance(copay, list):
        assert shares(charges, ded=ded, rate=rate, oop=oop, copay=copay) == [
            x.patient for x in lines
        ]


def test_copay_after_deductible_itemised():
    # No coinsurance on a copay line, the deductible met first.
    lines = share_lines([10000], deductible_remaining=1000, coinsurance=R20,
                        oop_remaining=BIG, copay=3000, copay_after_deductible=True)
    assert lines == [ShareLine(10000, 1000, 0, 3000, 4000, 6000)]


def test_a_rate_with_many_digits_on_a_small_amount():
    assert cents_at_rate(5, Decimal("0.3333")) == 2  # 1.6665 -> 2
    assert cents_at_rate(3, Decimal("0.16666666")) == 0  # 0.49999998 -> 0


def _refusal(**kwargs) -> str:
    args = dict(charges=[1000], deductible_remaining=0, coinsurance=R20, oop_remaining=BIG)
    args.update(kwargs)
    with pytest.raises(ValueError) as refused:
        share_lines(args.pop("charges"), **args)
    return str(refused.value)


def test_every_refusal_names_the_field_and_the_line():
    assert _refusal(charges=[100, -1]) == "charge (line 2) must not be negative, got -1"
    assert _refusal(charges=[1.5]) == "charge (line 1) must be whole cents (int), not float 1.5"
    assert _refusal(deductible_remaining=-5) == "deductible_remaining must not be negative, got -5"
    assert _refusal(oop_remaining=-5) == "oop_remaining must not be negative, got -5"
    assert _refusal(coinsurance=0.2) == ("coinsurance must be a Decimal fraction such as "
                                         "Decimal('0.2'), not float 0.2")
    assert _refusal(coinsurance=Decimal("1.5")) == "coinsurance must be between 0 and 1, got 1.5"
    assert _refusal(charges=[1, 2], copay=[None, -3]) == (
        "copay (line 2) must not be negative, got -3")
    assert _refusal(copay="10") == "copay must be cents (int), None or a list of those, not '10'"
