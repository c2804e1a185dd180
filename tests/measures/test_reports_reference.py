"""The SQL report agrees with the scoring library applied patient by patient in Python.

A random cohort (fixed seeds) is recorded through the service; the expected numbers are
computed here from kapms.measures.scoring (score, change, sleep_response), so the report's
integer SQL rules cannot drift from the library's definitions.
"""

import random
from datetime import date
from fractions import Fraction

import pytest

from kapms.measures import scoring, stats
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.outcomes import LATER_POINTS, ReportFilter
from kapms.measures.services import record_administration
from kapms.measures.services.reports import build_report
from tests.measures.conftest import make_patient

DAY = date(2026, 2, 1)


def _random_cohort(db, therapist, instrument, seed, patients=25):
    """Record random answers at random points; returns {patient_id: {point: answers}}."""
    rng = random.Random(seed)
    inst = INSTRUMENTS[instrument]
    given = {}
    for _ in range(patients):
        patient = make_patient(db, therapist)
        points = ["baseline"] if rng.random() < 0.9 else []
        points += [p for p in LATER_POINTS if rng.random() < 0.7]
        given[patient.id] = {}
        for point in points:
            answers = [rng.randint(inst.min_answer, inst.max_answer) for _ in range(inst.item_count)]
            record_administration(db, therapist, patient, instrument, point, DAY, answers,
                                  today=DAY)
            given[patient.id][point] = answers
    return given


def _expected(instrument, given, completers_only, settings):
    """Per point: the patients counted and their (baseline, current) scores."""
    cohort = {pid: pts for pid, pts in given.items() if "baseline" in pts
              and (not completers_only or "after_dosing_6" in pts)}
    pairs = {p: [(scoring.score(instrument, pts["baseline"]), scoring.score(instrument, pts[p]))
                 for pts in cohort.values() if p in pts] for p in LATER_POINTS}
    return cohort, {p: v for p, v in pairs.items() if v}


@pytest.mark.parametrize("completers_only", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_phq9_report_matches_the_scoring_library(db, therapist, seed, completers_only):
    settings = scoring.Settings()
    given = _random_cohort(db, therapist, "PHQ-9", seed)
    cohort, pairs = _expected("PHQ-9", given, completers_only, settings)
    report = build_report(db, therapist, ReportFilter(
        "PHQ-9", completers="end" if completers_only else "everyone"))
    assert report.count("n", "baseline") == len(cohort)
    assert report.points == list(pairs)
    for point in report.points:
        scores = pairs[point]
        changes = [scoring.change("PHQ-9", b, c) for b, c in scores]
        assert report.count("n", point) == len(scores)
        assert report.get("mean", point, "total").value == Fraction(
            sum(c.total for _, c in scores), len(scores))
        assert report.get("baseline_mean", point, "total").value == Fraction(
            sum(b.total for b, _ in scores), len(scores))
        for metric in ("response", "remission", "meaningful_change", "improved"):
            assert report.count(metric, point, "total") == sum(
                getattr(ch, metric) for ch in changes), metric
        disturbed = [(b, c) for b, c in scores if b.answers[2] > 0]
        assert report.get("sleep_response", point, "item 3").denominator == len(disturbed)
        assert report.count("sleep_response", point, "item 3") == sum(
            scoring.sleep_response(b, c) for b, c in disturbed)
        ideation = [(b.answers[8], c.answers[8]) for b, c in scores if b.answers[8] > 0]
        assert report.get("ideation_improved", point, "item 9").denominator == len(ideation)
        assert report.count("ideation_improved", point, "item 9") == sum(
            c < b for b, c in ideation)
        assert report.count("ideation_resolved", point, "item 9") == sum(
            c == 0 for _, c in ideation)
        reductions = [b.total - c.total for b, c in scores]
        effect = stats.paired_effect(len(reductions), sum(reductions),
                                     sum(r * r for r in reductions))
        cell = report.get("effect_size", point, "total")
        assert cell.value == (effect.d if effect else None)
        with_base = [ch.percent_change for ch in changes if ch.percent_change is not None]
        if with_base:
            assert float(report.get("mean_individual_change", point, "total").value * 100) \
                == pytest.approx(sum(with_base) / len(with_base), abs=0.051)  # each to 0.1


@pytest.mark.parametrize("seed", [4, 5])
def test_mbi_report_matches_the_scoring_library(db, therapist, seed):
    given = _random_cohort(db, therapist, "MBI-GS", seed, patients=30)
    cohort, pairs = _expected("MBI-GS", given, True, scoring.Settings())
    report = build_report(db, therapist, ReportFilter("MBI-GS"))
    assert report.count("n", "baseline") == len(cohort)
    baselines = [scoring.score("MBI-GS", pts["baseline"]) for pts in cohort.values()]
    assert report.count("burnout_threshold", "baseline") == sum(
        b.severity == "burnout" for b in baselines)
    for profile in scoring.PROFILES:
        assert report.count("profile", "baseline", profile) == sum(
            scoring.mbi_profile(b) == profile for b in baselines)
    for point in report.points:
        scores = pairs[point]
        changes = [scoring.change("MBI-GS", b, c) for b, c in scores]
        for name in ("exhaustion", "cynicism", "professional_efficacy"):
            assert report.count("response", point, name) == sum(
                ch.subscale_response[name] for ch in changes)
            assert report.count("improved", point, name) == sum(
                ch.subscale_improved[name] for ch in changes)
        for k in (1, 2, 3):
            assert report.count("improved_on_at_least", point, str(k)) == sum(
                ch.improved_subscales >= k for ch in changes)
        assert report.count("burnout_threshold", point) == sum(
            c.severity == "burnout" for _, c in scores)
        assert report.count("left_burnout", point) == sum(ch.left_burnout for ch in changes)
        for profile in scoring.PROFILES:
            assert report.count("profile", point, profile) == sum(
                scoring.mbi_profile(c) == profile for _, c in scores)
    end = pairs.get("after_dosing_6", [])
    for a in scoring.PROFILES:
        for b in scoring.PROFILES:
            assert report.count("transition", "after_dosing_6", f"{a} → {b}") == sum(
                scoring.mbi_profile(x) == a and scoring.mbi_profile(y) == b for x, y in end)
