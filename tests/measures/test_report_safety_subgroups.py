"""The report's safety section (from the dosing records) and its subgroups, on a cohort
small enough to count by hand."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kapms.measures.outcomes import ReportFilter
from kapms.measures.report_tables import report_tables
from kapms.measures.services import record_administration
from kapms.measures.services.reports import build_report
from kapms.patients.models import Patient
from tests.measures.conftest import add_dosing, make_patient, phq9

BASELINE = date(2026, 2, 1)


def _measures(db, therapist, patient, start, end):
    for point, total, day in (("baseline", start, BASELINE),
                              ("after_dosing_6", end, BASELINE + timedelta(days=60))):
        record_administration(db, therapist, patient, "PHQ-9", point, day, phq9(total),
                              today=date(2026, 6, 1))


@pytest.fixture
def network(db, therapist):
    """A: female, 35 at baseline, F33.1, in office, subcutaneous; dosing 1 with nausea,
    dosing 2 held for blood pressure then given with a serious event and a BP flag,
    dosing 3 clean, then checked in for dosing 4 and not dosed yet (not counted).
    B: sex not recorded, 24 at baseline (25 the next day), F41.1, at home, sublingual;
    dosing 1 with dissociation and nausea twice (one dosing), dosing 2 clean.
    C: not a completer (no after-dosing-6), so its dosing counts nowhere."""
    a = make_patient(db, therapist, diagnosis="F33.1")
    a.sex_at_birth, a.date_of_birth = "female", date(1990, 6, 15)
    b = make_patient(db, therapist, diagnosis="F41.1")
    b.date_of_birth = date(2001, 2, 2)
    c = make_patient(db, therapist)
    _measures(db, therapist, a, 20, 8)
    _measures(db, therapist, b, 15, 5)
    record_administration(db, therapist, c, "PHQ-9", "baseline", BASELINE, phq9(12),
                          today=BASELINE)
    day = BASELINE + timedelta(days=3)
    injection = {"route": "subcutaneous"}
    add_dosing(db, a, therapist, day, 1, events=[("nausea", False)], **injection)
    add_dosing(db, a, therapist, day + timedelta(days=7), 2, held=True)
    add_dosing(db, a, therapist, day + timedelta(days=8), 2, **injection,
               events=[("respiratory_depression", True)], bp_flag=True)
    add_dosing(db, a, therapist, day + timedelta(days=15), 3, **injection)
    add_dosing(db, a, therapist, day + timedelta(days=22), 4).outcome = None
    home = {"setting": "home", "route": "sublingual"}
    add_dosing(db, b, therapist, day, 1, **home,
               events=[("dissociation", False), ("nausea", False), ("nausea", False)])
    add_dosing(db, b, therapist, day + timedelta(days=7), 2, **home)
    add_dosing(db, c, therapist, day, 1, events=[("headache", True)])
    return therapist


def _rate(report, metric, point, of="", group=""):
    cell = report.get(metric, point, of, group)
    return (cell.numerator, cell.denominator)


def test_safety_by_dosing_number(db, network):
    report = build_report(db, network, ReportFilter("PHQ-9"))
    assert report.dosing_points == ["dosing_1", "dosing_2", "dosing_3", "all_dosings"]
    # dosing 1: A and B, both with an event; dosing 2: A held, A given (serious, BP), B
    assert [report.count("dosings", p) for p in report.dosing_points] == [2, 3, 1, 6]
    assert _rate(report, "held", "dosing_2") == (1, 3)
    assert _rate(report, "ae_any", "dosing_1") == (2, 2)
    assert _rate(report, "ae_any", "dosing_2") == (1, 2)
    assert _rate(report, "ae_serious", "dosing_2") == (1, 2)
    assert _rate(report, "bp_flag", "dosing_2") == (1, 2)
    assert _rate(report, "ae_kind", "dosing_1", "Nausea") == (2, 2)
    assert _rate(report, "ae_kind", "dosing_1", "Dissociation") == (1, 2)
    assert _rate(report, "ae_kind", "dosing_2", "Respiratory depression") == (1, 2)
    # all dosings: 6 recorded, 5 given; C's headache is not among them
    assert _rate(report, "held", "all_dosings") == (1, 6)
    assert _rate(report, "ae_any", "all_dosings") == (3, 5)
    assert _rate(report, "ae_serious", "all_dosings") == (1, 5)
    assert _rate(report, "ae_kind", "all_dosings", "Nausea") == (2, 5)
    assert report.get("ae_kind", "all_dosings", "Headache") is None
    tables = {t.key: t for t in report_tables(report)}
    assert tables["safety"].rows[1] == [
        "Dosing 2", "3", "33.3 [6.1 to 79.2] (1/3)", "2", "50.0% [9.5 to 90.5] (1/2)",
        "50.0% [9.5 to 90.5] (1/2)", "50.0 [9.5 to 90.5] (1/2)"]
    assert tables["adverse_events"].rows[1] == [
        "Nausea", "100.0% (2/2)", "0.0% (0/2)", "0.0% (0/1)", "40.0% (2/5)"]


@pytest.mark.parametrize("breakdown,groups", [
    ("sex", {"Female": 1, "Not recorded": 1}),
    ("age", {"35-44": 1, "18-24": 1}),  # B turns 25 the day after the baseline
    ("route", {"Sublingual": 1, "Subcutaneous injection": 1}),
    ("setting", {"In office": 1, "At home": 1}),
    ("diagnosis", {"F33 Major depressive disorder, recurrent": 1,
                   "F41 Other anxiety disorders": 1}),
])
def test_subgroups_partition_the_cohort(db, network, breakdown, groups):
    report = build_report(db, network, ReportFilter("PHQ-9", breakdown=breakdown))
    assert set(report.groups) == {"", *groups}
    assert {g: report.count("n", "baseline", group=g) for g in groups} == groups
    assert report.count("n", "baseline") == 2  # everyone: the subgroups added up
    end = "after_dosing_6"
    assert report.get("mean", end, "total").value == pytest.approx((8 + 5) / 2)
    assert report.count("response", end, "total") == sum(
        report.count("response", end, "total", g) for g in groups)
    assert report.count("dosings", "all_dosings") == 6
    table = report_tables(report)[-1]
    assert table.key == "subgroups" and [r[0] for r in table.rows][0] == "Everyone"


def test_dosings_past_the_sixth_are_grouped(db, network):
    """Numbers come from the record (maintenance dosings continue the count): 7 and 9
    are both "dosing 7 or later"; a held one there counts among its dosings."""
    a = db.scalar(select(Patient).where(Patient.sex_at_birth == "female"))
    later = BASELINE + timedelta(days=90)
    add_dosing(db, a, network, later, 7, events=[("headache", False)])
    add_dosing(db, a, network, later + timedelta(days=7), 9, held=True)
    report = build_report(db, network, ReportFilter("PHQ-9"))
    assert report.dosing_points[-2:] == ["dosing_7+", "all_dosings"]
    assert report.count("dosings", "dosing_7+") == 2
    assert _rate(report, "held", "dosing_7+") == (1, 2)
    assert _rate(report, "ae_kind", "dosing_7+", "Headache") == (1, 1)
    assert report.count("dosings", "all_dosings") == 8
