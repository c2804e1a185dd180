"""Intervals and effect sizes for the outcome report, computed by SciPy (pure functions).

- :func:`wilson`: the Wilson score interval of a proportion k/n
  (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``, no continuity
  correction). It stays inside 0-1 and behaves at 0/n and n/n, where the textbook
  normal ("Wald") interval collapses.
- :func:`mean_interval`: the t interval of a mean from n, the sum and the sum of squares.
- :func:`paired_effect`: the standardized mean change of paired scores, Cohen's d_z
  (mean of the per-patient changes / their standard deviation), with the exact interval
  obtained by inverting the noncentral t distribution of t = d_z * sqrt(n) on n - 1
  degrees of freedom (``scipy.stats.nct``, solved with ``scipy.optimize.brentq``).
  It needs only n, the sum of the changes and the sum of their squares, which the SQL
  aggregates return, so no patient's scores leave the database.

All inputs are counts and integer sums; the outputs are floats for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from scipy.optimize import brentq
from scipy.stats import binomtest, nct
from scipy.stats import t as student_t

CONFIDENCE = 0.95


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval (low, high) of k successes in n, or None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= k <= n:
        raise ValueError(f"{k} successes out of {n}")
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def mean_interval(n: int, total: int | Fraction, sum_squares: int | Fraction,
                  confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The t interval (low, high) of the mean of ``n`` values given their sum and sum of
    squares; None for fewer than 2 values. With no spread it is the mean itself."""
    if n < 2:
        return None
    mean = Fraction(total) / n
    variance = (Fraction(sum_squares) - Fraction(total) ** 2 / n) / (n - 1)
    half = float(student_t.ppf(1 - (1 - confidence) / 2, n - 1)) * math.sqrt(
        max(float(variance), 0.0) / n)
    return float(mean) - half, float(mean) + half


@dataclass(frozen=True)
class Effect:
    """A paired effect size d_z with its interval and the mean change it standardizes."""

    d: float
    low: float
    high: float
    mean_change: Fraction
    n: int


def paired_effect(n: int, sum_change: int | Fraction, sum_squares: int | Fraction,
                  confidence: float = CONFIDENCE) -> Effect | None:
    """Cohen's d_z of ``n`` paired changes given their sum and sum of squares, with its
    exact interval; None when it is not defined (fewer than 2 patients, or every patient
    changed by the same amount, so the standard deviation is 0)."""
    if n < 2:
        return None
    mean = Fraction(sum_change) / n
    variance = (Fraction(sum_squares) - Fraction(sum_change) ** 2 / n) / (n - 1)
    if variance <= 0:
        return None
    d = float(mean) / math.sqrt(variance)
    root_n, df = math.sqrt(n), n - 1
    t = d * root_n
    tail = (1 - confidence) / 2

    spread = math.sqrt(1 + t * t / (2 * df))  # large-sample SD of t around ncp

    def cdf(ncp: float) -> float:
        # P(T <= t | ncp) falls from 1 to 0 as ncp grows; far out in the tails SciPy may
        # answer NaN, where the limit is plain
        value = float(nct.cdf(t, df, ncp))
        return value if not math.isnan(value) else (1.0 if ncp < t else 0.0)

    def ncp_for(probability: float) -> float:
        # bracket the root around t within a few spreads, widening until it holds
        width = 4 * spread
        while True:
            low, high = t - width, t + width
            if cdf(low) > probability > cdf(high):
                return brentq(lambda ncp: cdf(ncp) - probability, low, high)
            width *= 1.5

    return Effect(d=d, low=ncp_for(1 - tail) / root_n, high=ncp_for(tail) / root_n,
                  mean_change=mean, n=n)
