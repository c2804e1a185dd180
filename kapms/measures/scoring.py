"""Scoring and change definitions for PHQ-9, GAD-7, PCL-5 and MBI-GS (pure Python).

Public API: :class:`InvalidAnswers`, :class:`Settings`, :func:`score` -> :class:`Score`,
:func:`change` -> :class:`Change`, :func:`sleep_response`, :func:`derived_values` (the
values stored next to the answers for the reports) and :func:`exact` (a setting as an
exact Fraction).

Exactness: every threshold comparison is done on :class:`fractions.Fraction` built from the
integer answers, never on floats or on rounded display values. In particular the MBI-GS
burnout rule compares the *exact* subscale means, so five exhaustion items summing to 24
(mean exactly 4.8) meet "Exhaustion >= 4.8". The rounded means in ``Score.subscales`` are
for display only.

Change definitions (docs/measures.md gives each with its source): ``Change.response`` is a
reduction of ``response_reduction`` (50%) or more; ``Change.meaningful_change`` a reduction
of at least the instrument's clinically meaningful number of points (PHQ-9 5, GAD-7 4,
PCL-5 10; settings); ``Change.improved`` any reduction at all. The PTSD article gives PCL-5
"response" rates without saying how response was defined (its 44% mean reduction next to
a 79% response rate fits a points rule better than a 50% rule), so reports that mean to
mirror it should look at ``meaningful_change``. Remission on PCL-5 is a total below the
cutoff (33), i.e. no longer "probable ptsd".

MBI-GS burnout profiles (:func:`mbi_profile`) after Leiter & Maslach (2016): each subscale
mean is "high" (exhaustion, cynicism) or "low" (professional efficacy) against a cut-off
setting, and the pattern names the profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational

from kapms.measures.instruments import INSTRUMENTS, MBIGS, PCL5, PHQ9, Instrument

_SEVERITY_BANDS = {  # (highest total in band, band), lowest band first
    "PHQ-9": (
        (4, "minimal"),
        (9, "mild"),
        (14, "moderate"),
        (19, "moderately severe"),
        (27, "severe"),
    ),
    "GAD-7": ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
}
_PCL5_CLUSTER_MINIMUM = {"B": 1, "C": 1, "D": 2, "E": 2}  # DSM-5 diagnostic rule
_PCL5_ENDORSED_AT = 2  # "moderately" or more counts as a symptom endorsed
# sign of a good change per MBI-GS subscale: only professional efficacy should go up
_MBI_BETTER = {"exhaustion": -1, "cynicism": -1, "professional_efficacy": 1}


class InvalidAnswers(ValueError):
    """The instrument is unknown or the answers are not valid for it."""


@dataclass(frozen=True)
class Settings:
    """Clinic-adjustable thresholds; the defaults follow the domain notes and sources."""

    pcl5_cutoff: int = 33
    response_reduction: Decimal = Decimal("0.5")  # fraction of baseline total
    phq9_remission_below: int = 5
    gad7_remission_below: int = 5
    pcl5_remission_below: int | None = None  # None: the PCL-5 cutoff
    phq9_meaningful_change: int = 5
    gad7_meaningful_change: int = 4
    pcl5_meaningful_change: int = 10
    sleep_response_points: int = 1
    mbi_response_points: int = 1
    mbi_exhaustion_at_least: Decimal = Decimal("4.8")
    mbi_cynicism_at_least: Decimal = Decimal("3.8")
    mbi_efficacy_at_most: Decimal = Decimal("4.3")
    # burnout-profile cut-offs on the subscale means (see mbi_profile)
    mbi_profile_exhaustion_high: Decimal = Decimal("4.8")
    mbi_profile_cynicism_high: Decimal = Decimal("3.8")
    mbi_profile_efficacy_low: Decimal = Decimal("4.3")

    def meaningful_change(self, instrument: str) -> int | None:
        """Points of reduction that count as clinically meaningful (None: not defined)."""
        return {"PHQ-9": self.phq9_meaningful_change, "GAD-7": self.gad7_meaningful_change,
                "PCL-5": self.pcl5_meaningful_change}.get(instrument)

    def remission_below(self, instrument: str) -> int | None:
        """The total below which ``instrument`` counts as remitted (None: not defined)."""
        pcl5 = self.pcl5_cutoff if self.pcl5_remission_below is None else self.pcl5_remission_below
        return {
            "PHQ-9": self.phq9_remission_below,
            "GAD-7": self.gad7_remission_below,
            "PCL-5": pcl5,
        }.get(instrument)


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class Score:
    """A scored administration of one instrument."""

    instrument: str
    answers: tuple[int, ...]
    total: int | None  # None for MBI-GS, which is scored by subscale means only
    severity: str
    # PCL-5 cluster sums, or MBI-GS means rounded to 2 decimals; empty otherwise
    subscales: dict[str, int | float] = field(default_factory=dict, hash=False)
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Change:
    """Change between a baseline and a current score; None means "not defined here"."""

    instrument: str
    absolute_change: int | None  # current - baseline total; negative = improvement
    percent_change: float | None  # rounded to 1 decimal; None if baseline 0 or MBI-GS
    response: bool | None  # PHQ-9, GAD-7, PCL-5: reduction >= response_reduction
    remission: bool | None  # PHQ-9, GAD-7, PCL-5: current total below remission value
    meaningful_change: bool | None = None  # reduction >= the instrument's meaningful points
    improved: bool | None = None  # any reduction of the total
    subscale_response: dict[str, bool] = field(default_factory=dict, hash=False)  # MBI-GS
    subscale_improved: dict[str, bool] = field(default_factory=dict, hash=False)  # any amount
    left_burnout: bool | None = None  # MBI-GS: baseline met the threshold, current does not
    improved_subscales: int | None = None  # MBI-GS: number of subscales that responded


def exact(value: object) -> Fraction:
    """Turn a setting into an exact Fraction; a float goes via its shortest repr."""
    if isinstance(value, float):
        # Fraction(4.8) would be 4.79999...; repr gives back the decimal the user typed
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (Rational, Decimal, str)):
        return Fraction(value)
    raise TypeError(f"setting {value!r} is not a number")


def _round_half_up(value: Fraction, places: int) -> float:
    """Round half away from zero (like money in this project), then hand out a float."""
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    return float(Fraction(magnitude if value >= 0 else -magnitude, scale))


def _validate(instrument: object, answers: object) -> tuple[Instrument, tuple[int, ...]]:
    """Check the instrument name and answers; raise InvalidAnswers naming the item."""
    if not isinstance(instrument, str) or instrument not in INSTRUMENTS:
        raise InvalidAnswers(
            f"unknown instrument {instrument!r}; expected one of {', '.join(INSTRUMENTS)}"
        )
    inst = INSTRUMENTS[instrument]
    # a str is a Sequence too, but "012" is not three answers
    if not isinstance(answers, Sequence) or isinstance(answers, (str, bytes)):
        raise InvalidAnswers(f"{inst.name} answers must be a list of integers in item order")
    if len(answers) != inst.item_count:
        raise InvalidAnswers(f"{inst.name} expects {inst.item_count} answers, got {len(answers)}")
    for number, answer in enumerate(answers, start=1):
        # bool is an int subclass, but True as an answer is a data-entry bug, not a 1
        if isinstance(answer, bool) or not isinstance(answer, Integral):
            raise InvalidAnswers(f"{inst.name} item {number}: answer {answer!r} is not an integer")
        if not inst.min_answer <= answer <= inst.max_answer:
            raise InvalidAnswers(
                f"{inst.name} item {number}: answer {answer} is out of range "
                f"{inst.min_answer}-{inst.max_answer}"
            )
    return inst, tuple(int(a) for a in answers)


def _items(answers: tuple[int, ...], numbers: tuple[int, ...]) -> list[int]:
    return [answers[n - 1] for n in numbers]


def _mbi_means(answers: tuple[int, ...]) -> dict[str, Fraction]:
    """Exact MBI-GS subscale means."""
    return {
        name: Fraction(sum(_items(answers, numbers)), len(numbers))
        for name, numbers in MBIGS.subscales.items()
    }


def _in_burnout(means: Mapping[str, Fraction], settings: Settings) -> bool:
    """Source 002 threshold: Exhaustion >= 4.8 and (Cynicism >= 3.8 or Efficacy <= 4.3)."""
    return means["exhaustion"] >= exact(settings.mbi_exhaustion_at_least) and (
        means["cynicism"] >= exact(settings.mbi_cynicism_at_least)
        or means["professional_efficacy"] <= exact(settings.mbi_efficacy_at_most)
    )


def severity_bands(instrument: str, settings: Settings = DEFAULT_SETTINGS
                   ) -> tuple[tuple[float, float, str], ...]:
    """(lowest, highest, label) of each band of ``instrument``'s scale, best first, for
    charts: the severity bands (PHQ-9, GAD-7), below/above the PCL-5 cutoff, and for
    MBI-GS (drawn as subscale means) the exhaustion part of the burnout threshold."""
    if instrument in _SEVERITY_BANDS:
        bands, low = [], 0
        for top, band in _SEVERITY_BANDS[instrument]:
            bands.append((low, top, band))
            low = top + 1
        return tuple(bands)
    if instrument == PCL5.name:
        top = PCL5.item_count * PCL5.max_answer
        return ((0, settings.pcl5_cutoff - 1, "below cutoff"),
                (settings.pcl5_cutoff, top, "probable PTSD"))
    if instrument == MBIGS.name:
        at = float(exact(settings.mbi_exhaustion_at_least))
        return ((0, at, ""), (at, MBIGS.max_answer, f"exhaustion ≥ {at:g}"))
    raise InvalidAnswers(f"unknown instrument {instrument!r}")


def score(
    instrument: str, answers: Sequence[int], *, settings: Settings = DEFAULT_SETTINGS
) -> Score:
    """Score ``answers`` (integers in item order) on ``instrument``.

    Raises InvalidAnswers for an unknown instrument, a wrong number of answers, or an
    answer that is not an integer (bool and None included) or is out of range.
    """
    inst, values = _validate(instrument, answers)
    flags: set[str] = set()
    if inst is MBIGS:
        means = _mbi_means(values)
        severity = "burnout" if _in_burnout(means, settings) else "below threshold"
        shown = {name: _round_half_up(mean, 2) for name, mean in means.items()}
        return Score(inst.name, values, None, severity, shown, frozenset())

    total = sum(values)
    subscales: dict[str, int | float] = {}
    if inst is PCL5:
        subscales = {c: sum(_items(values, nums)) for c, nums in PCL5.subscales.items()}
        severity = "probable ptsd" if total >= settings.pcl5_cutoff else "below cutoff"
        endorsed = {
            c: sum(a >= _PCL5_ENDORSED_AT for a in _items(values, nums))
            for c, nums in PCL5.subscales.items()
        }
        if all(endorsed[c] >= need for c, need in _PCL5_CLUSTER_MINIMUM.items()):
            flags.add("dsm5_criteria_met")
    else:
        severity = next(band for top, band in _SEVERITY_BANDS[inst.name] if total <= top)
        if inst is PHQ9 and PHQ9.answer(values, "suicidal_ideation") > 0:
            flags.add("suicidal_ideation")
    return Score(inst.name, values, total, severity, subscales, frozenset(flags))


def _check_pair(instrument: str, baseline: Score, current: Score) -> None:
    """Both scores must be Score objects of ``instrument``; ValueError otherwise."""
    for label, s in (("baseline", baseline), ("current", current)):
        if not isinstance(s, Score):
            raise ValueError(f"{label} must be a Score, got {type(s).__name__}")
        if s.instrument != instrument:
            raise ValueError(f"{label} is a {s.instrument} score, expected {instrument}")


def change(
    instrument: str, baseline: Score, current: Score, *, settings: Settings = DEFAULT_SETTINGS
) -> Change:
    """Compare ``current`` with ``baseline`` using the change definitions in ``settings``.

    PHQ-9, GAD-7, PCL-5: percent change, response (reduction >= 50% of baseline; never when
    baseline is 0), remission (current total below the remission value), meaningful_change
    (reduction >= the instrument's meaningful points) and improved (any reduction).
    MBI-GS: per-subscale response (exhaustion and cynicism down by >= 1 point,
    professional efficacy up by >= 1, on exact means) and improvement (any amount in the
    good direction), improved_subscales and left_burnout. Raises ValueError when the scores do not both
    belong to ``instrument``.
    """
    if not isinstance(instrument, str) or instrument not in INSTRUMENTS:
        raise ValueError(
            f"unknown instrument {instrument!r}; expected one of {', '.join(INSTRUMENTS)}"
        )
    _check_pair(instrument, baseline, current)

    if instrument == "MBI-GS":
        before, after = _mbi_means(baseline.answers), _mbi_means(current.answers)
        points = exact(settings.mbi_response_points)
        better = {n: (after[n] - before[n]) * _MBI_BETTER[n] for n in before}
        responded = {n: better[n] >= points for n in before}
        return Change(
            instrument,
            absolute_change=None,
            percent_change=None,
            response=None,
            remission=None,
            subscale_response=responded,
            subscale_improved={n: better[n] > 0 for n in before},
            left_burnout=_in_burnout(before, settings) and not _in_burnout(after, settings),
            improved_subscales=sum(responded.values()),
        )

    base, now = baseline.total, current.total
    reduction = base - now
    percent = None if base == 0 else _round_half_up(Fraction(now - base, base) * 100, 1)
    # exact: reduction / base >= r  <=>  reduction >= r * base (base > 0)
    response = base > 0 and reduction >= exact(settings.response_reduction) * base
    return Change(
        instrument,
        absolute_change=now - base,
        percent_change=percent,
        response=response,
        remission=now < settings.remission_below(instrument),
        meaningful_change=reduction >= settings.meaningful_change(instrument),
        improved=reduction > 0,
    )


def sleep_response(
    baseline: Score, current: Score, *, settings: Settings = DEFAULT_SETTINGS
) -> bool:
    """Sleep response (source 000): PHQ-9 item 3 improved by >= 1 point from baseline.

    Both scores must be PHQ-9 scores; ValueError otherwise.
    """
    _check_pair("PHQ-9", baseline, current)
    before, after = (PHQ9.answer(s.answers, "sleep") for s in (baseline, current))
    return before - after >= settings.sleep_response_points


PROFILES = ("Engaged", "Ineffective", "Overextended", "Disengaged", "Burnout")


def mbi_profile(score: Score, settings: Settings = DEFAULT_SETTINGS) -> str:
    """The burnout profile of an MBI-GS score (Leiter & Maslach 2016), on exact means.

    Exhaustion and cynicism are "high" at or above their cut-offs, professional efficacy
    "low" at or below its cut-off. High exhaustion and high cynicism: Burnout; high
    exhaustion only: Overextended; high cynicism only: Disengaged; neither, with low
    efficacy: Ineffective; neither, efficacy not low: Engaged. Every score gets exactly one
    profile. Raises ValueError for a score of another instrument.
    """
    if not isinstance(score, Score) or score.instrument != MBIGS.name:
        raise ValueError("a burnout profile needs an MBI-GS score")
    means = _mbi_means(score.answers)
    return profile_of(means["exhaustion"] >= exact(settings.mbi_profile_exhaustion_high),
                      means["cynicism"] >= exact(settings.mbi_profile_cynicism_high),
                      means["professional_efficacy"] <= exact(settings.mbi_profile_efficacy_low))


def profile_of(exhausted: bool, cynical: bool, ineffective: bool) -> str:
    """The profile named by the three "high"/"low" judgements (see :func:`mbi_profile`)."""
    if exhausted and cynical:
        return "Burnout"
    if exhausted:
        return "Overextended"
    if cynical:
        return "Disengaged"
    return "Ineffective" if ineffective else "Engaged"


def subscale_sums(instrument: str, answers: Sequence[int]) -> dict[str, int]:
    """Integer sums of the instrument's subscales (MBI-GS: exhaustion, cynicism,
    professional_efficacy), the form the reports store and compare exactly."""
    inst = INSTRUMENTS[instrument]
    return {name: sum(_items(tuple(answers), numbers)) for name, numbers in inst.subscales.items()}


def derived_values(result: Score) -> dict:
    """The values stored next to an administration's answers, computed once at write time
    so the network reports are plain SQL aggregates (see kapms.measures.models):
    total, severity, PHQ-9 items 3 and 9, MBI-GS subscale sums and the flags."""
    name, answers = result.instrument, result.answers
    is_phq9, is_mbi = name == PHQ9.name, name == MBIGS.name
    sums = subscale_sums(name, answers) if is_mbi else {}
    return {
        "total": result.total, "severity": result.severity,
        "item3": PHQ9.answer(answers, "sleep") if is_phq9 else None,
        "item9": PHQ9.answer(answers, "suicidal_ideation") if is_phq9 else None,
        "exhaustion_sum": sums.get("exhaustion"), "cynicism_sum": sums.get("cynicism"),
        "efficacy_sum": sums.get("professional_efficacy"),
        "suicidal_ideation": "suicidal_ideation" in result.flags,
        "burnout": (result.severity == "burnout") if is_mbi else None,
        "dsm5_criteria_met": ("dsm5_criteria_met" in result.flags) if name == PCL5.name
        else None,
    }
