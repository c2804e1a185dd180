"""The benchmark's synthetic-network generator works (on 50 patients; no timing here)."""

from sqlalchemy import func, select

from bench.measures_generate import generate
from kapms.auth.models import User
from kapms.measures import scoring
from kapms.measures.models import Administration
from kapms.measures.services.reports import ReportFilter, build_report


def test_generator_fills_every_point_with_scored_rows(db):
    counts = generate(db, 50, seed=1)
    assert counts["administrations"] == 500
    assert db.scalar(select(func.count()).select_from(Administration)) == 500
    for row in db.scalars(select(Administration).limit(40)):
        result = scoring.score(row.instrument, row.answer_list)
        assert (row.total, row.severity) == (result.total, result.severity)
    admin = db.scalar(select(User).where(User.email == "admin@bench.test"))
    report = build_report(db, admin, ReportFilter("PHQ-9"))
    assert report.baseline.n == 50 and [r.n for r in report.points] == [50, 50, 50, 50]
