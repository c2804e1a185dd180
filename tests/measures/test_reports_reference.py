"""The SQL report agrees with the scoring library applied patient by patient in Python.

A random cohort (fixed seeds) is recorded through the service; the expected numbers are
computed here from kapms.measures.scoring (score, change, sleep_response), so the report's
integer SQL rules cannot drift from the library's definitions.
"""

import random
from datetime import date
from fractions import Fraction

import pytest

from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.services import record_administration
from kapms.measures.services.reports import LATER_POINTS, ReportFilter, build_report
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
    report = build_report(db, therapist, ReportFilter("PHQ-9", completers_only=completers_only))
    assert report.baseline.n == len(cohort)
    assert [r.point for r in report.points] == list(pairs)
    for row in report.points:
        scores = pairs[row.point]
        changes = [scoring.change("PHQ-9", b, c) for b, c in scores]
        assert row.n == len(scores)
        assert row.mean_total == Fraction(sum(c.total for _, c in scores), len(scores))
        assert row.mean_baseline_total == Fraction(sum(b.total for b, _ in scores), len(scores))
        assert row.response.count == sum(ch.response for ch in changes)
        assert row.remission.count == sum(ch.remission for ch in changes)
        disturbed = [(b, c) for b, c in scores if b.answers[2] > 0]
        assert row.sleep_response.n == len(disturbed)
        assert row.sleep_response.count == sum(scoring.sleep_response(b, c) for b, c in disturbed)
        with_base = [ch.percent_change for ch in changes if ch.percent_change is not None]
        if with_base:
            assert float(row.mean_individual_change * 100) == pytest.approx(
                sum(with_base) / len(with_base), abs=0.051)  # the library rounds each to 0.1


@pytest.mark.parametrize("seed", [4, 5])
def test_mbi_report_matches_the_scoring_library(db, therapist, seed):
    given = _random_cohort(db, therapist, "MBI-GS", seed, patients=30)
    cohort, pairs = _expected("MBI-GS", given, True, scoring.Settings())
    report = build_report(db, therapist, ReportFilter("MBI-GS"))
    assert report.baseline.n == len(cohort)
    baseline_burnout = sum(scoring.score("MBI-GS", pts["baseline"]).severity == "burnout"
                           for pts in cohort.values())
    assert report.baseline.burnout.count == baseline_burnout
    for row in report.points:
        scores = pairs[row.point]
        changes = [scoring.change("MBI-GS", b, c) for b, c in scores]
        for name in ("exhaustion", "cynicism", "professional_efficacy"):
            assert row.subscale_response[name].count == sum(
                ch.subscale_response[name] for ch in changes)
        for k in (1, 2, 3):
            assert row.improved_at_least[k].count == sum(
                ch.improved_subscales >= k for ch in changes)
        assert row.burnout.count == sum(c.severity == "burnout" for _, c in scores)
        left = sum(ch.left_burnout for ch in changes)
        assert left == sum(b.severity == "burnout" and c.severity != "burnout" for b, c in scores)
