"""The report's intervals and effect sizes (SciPy) against cases computed by hand."""

import math
from fractions import Fraction

import pytest

from kapms.measures.stats import mean_interval, paired_effect, wilson

Z = 1.959963984540054  # the standard normal's 97.5th percentile


def _wilson_by_hand(k, n):
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_at_the_edges():
    # 0 of 10: the interval is [0, z^2 / (n + z^2)]; 10 of 10 mirrors it
    assert wilson(0, 10) == pytest.approx((0.0, Z * Z / (10 + Z * Z)))
    assert wilson(0, 10)[1] == pytest.approx(0.277532, abs=1e-6)
    assert wilson(10, 10) == pytest.approx((10 / (10 + Z * Z), 1.0))


@pytest.mark.parametrize("k,n", [(1, 4), (219, 395), (3, 50), (1642, 1642), (275, 395)])
def test_wilson_matches_the_formula(k, n):
    assert wilson(k, n) == pytest.approx(_wilson_by_hand(k, n), abs=1e-12)


def test_wilson_known_value_and_refusals():
    # 1 of 4: centre (0.25 + 0.4802) / 1.9604 = 0.37255, half-width 0.34068
    low, high = wilson(1, 4)
    assert (round(low, 4), round(high, 4)) == (0.0456, 0.6994)
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_effect_size_point_estimate_by_hand():
    # changes 2, 4, 6: mean 4, sd 2 -> d_z = 2
    effect = paired_effect(3, 12, 4 + 16 + 36)
    assert effect.d == pytest.approx(2.0) and effect.mean_change == Fraction(4)
    assert effect.low < 2 < effect.high
    # changes -1, 1: mean 0
    assert paired_effect(2, 0, 2).d == 0


def test_effect_size_interval_at_zero_is_plus_minus_z_over_root_n():
    # t = 0: P(T <= 0 | ncp) = Phi(-ncp) exactly, so the bounds are -/+ z / sqrt(n)
    for n in (12, 40, 395):
        changes = [1, -1] * (n // 2) + ([0] if n % 2 else [])
        effect = paired_effect(n, sum(changes), sum(c * c for c in changes))
        assert effect.d == 0
        assert effect.low == pytest.approx(-Z / math.sqrt(n), abs=1e-6)
        assert effect.high == pytest.approx(Z / math.sqrt(n), abs=1e-6)


@pytest.mark.parametrize("d,n", [(0.5, 400), (0.8, 2000), (1.2, 395)])
def test_effect_size_interval_near_the_large_sample_normal_one(d, n):
    # SE(d_z) ~ sqrt(1/n + d^2 / 2n) for large n; the exact interval is within 0.005 of it
    sd = 2.0
    mean = d * sd
    sum_change = mean * n
    sum_squares = (sd * sd) * (n - 1) + sum_change ** 2 / n
    effect = paired_effect(n, Fraction(sum_change), Fraction(sum_squares))
    assert effect.d == pytest.approx(d)
    se = math.sqrt(1 / n + d * d / (2 * n))
    assert effect.low == pytest.approx(d - Z * se, abs=0.005)
    assert effect.high == pytest.approx(d + Z * se, abs=0.005)


def test_effect_size_undefined():
    assert paired_effect(1, 3, 9) is None  # one patient
    assert paired_effect(3, 6, 12) is None  # every change is 2: no spread
    assert paired_effect(0, 0, 0) is None


def test_mean_interval_by_hand():
    # 2, 4, 6: mean 4, sd 2, se 2/sqrt(3); t(0.975, 2) = 4.302652729911275
    low, high = mean_interval(3, 12, 56)
    half = 4.302652729911275 * 2 / math.sqrt(3)
    assert (low, high) == pytest.approx((4 - half, 4 + half))
    assert mean_interval(4, 20, 100) == pytest.approx((5.0, 5.0))  # no spread
    assert mean_interval(1, 5, 25) is None
