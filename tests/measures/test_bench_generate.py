"""The benchmark's synthetic-network generator works (on 50 patients; no timing here)."""

from sqlalchemy import func, select

from bench.measures_generate import generate
from kapms.auth.models import User
from kapms.care.models import AdverseEvent
from kapms.measures import scoring
from kapms.measures.models import Administration
from kapms.measures.outcomes import ReportFilter
from kapms.measures.services.reports import build_report


def test_generator_fills_every_point_with_scored_rows(db):
    counts = generate(db, 50, seed=1)
    assert counts["administrations"] == 500
    assert db.scalar(select(func.count()).select_from(Administration)) == 500
    for row in db.scalars(select(Administration).limit(40)):
        result = scoring.score(row.instrument, row.answer_list)
        assert (row.total, row.severity) == (result.total, result.severity)
    admin = db.scalar(select(User).where(User.email == "admin@bench.test"))
    report = build_report(db, admin, ReportFilter("PHQ-9", breakdown="sex"))
    assert report.count("n", "baseline") == 50
    assert [report.count("n", p) for p in report.points] == [50, 50, 50, 50]
    # six administered dosings each, a few held ones in between
    assert report.count("administered", "all_dosings") == 300 == counts["dosing_records"] \
        - report.count("held", "all_dosings")
    assert [report.count("administered", f"dosing_{k}") for k in range(1, 7)] == [50] * 6
    assert sum(report.count("n", "baseline", group=g) for g in report.groups if g) == 50


def test_generator_writes_live_dosing_records(db):
    """Numbers 1-6 on the records, the three settings, adverse events as rows: the
    report's safety section and setting subgroups read them."""
    counts = generate(db, 60, seed=2)
    admin = db.scalar(select(User).where(User.email == "admin@bench.test"))
    report = build_report(db, admin, ReportFilter("PHQ-9", breakdown="setting"))
    assert set(report.groups) == {"", "In office", "Telehealth", "At home"}
    assert report.dosing_points == [f"dosing_{k}" for k in range(1, 7)] + ["all_dosings"]
    events = db.scalar(select(func.count()).select_from(AdverseEvent))
    assert events == counts["adverse_events"] > 0
    assert 0 < report.count("ae_any", "all_dosings") <= events
