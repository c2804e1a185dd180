"""The outcome report on a small cohort whose every number is computed by hand here."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import PermissionDenied, RuleViolation
from kapms.measures.models import Administration
from kapms.measures.report_tables import report_charts, report_tables
from kapms.measures.services import record_administration, void_administration
from kapms.measures.services.reports import ReportFilter, build_report
from tests.factories import make_user
from tests.measures.conftest import make_patient, mbi, phq9

IN_RANGE = date(2026, 2, 1)
RANGE = {"date_from": date(2026, 1, 1), "date_to": date(2026, 3, 31)}
POINTS = ("baseline", "after_dosing_2", "after_dosing_4", "after_dosing_6", "follow_up")

# patient -> (diagnosis, baseline date, {point: (total, item 3)})
PHQ9_COHORT = {
    "P1": ("F33.1", IN_RANGE, {"baseline": (20, 3), "after_dosing_2": (12, 2),
                               "after_dosing_4": (8, 1), "after_dosing_6": (4, 0),
                               "follow_up": (6, 1)}),
    "P2": ("F33.1", IN_RANGE, {"baseline": (10, 2), "after_dosing_2": (8, 2),
                               "after_dosing_4": (6, 1), "after_dosing_6": (5, 1)}),
    "P3": ("F33.1", IN_RANGE, {"baseline": (16, 0), "after_dosing_2": (16, 0),
                               "after_dosing_6": (7, 0)}),
    # not a completer: no after-dosing-6
    "P4": ("F33.1", IN_RANGE, {"baseline": (14, 1), "after_dosing_2": (7, 0)}),
    "P5": ("F41.1", IN_RANGE, {"baseline": (8, 1), "after_dosing_2": (4, 1),
                               "after_dosing_4": (3, 0), "after_dosing_6": (2, 0)}),
    # baseline before the date range
    "P6": ("F33.1", date(2025, 12, 1), {"baseline": (18, 2), "after_dosing_6": (9, 1)}),
    # only a baseline entered in error (VOIDED): not in the cohort at all
    "P8": ("F33.1", IN_RANGE, {"after_dosing_2": (3, 0), "after_dosing_6": (1, 0)}),
}
# Administrations entered in error, then voided: every one would change a number above if
# it counted. P1's wrong after-dosing-2 is voided before the right one is recorded (after
# dosing 2 would have 5 rows and another mean); P4's after-dosing-6 is voided after the
# baseline was flagged a completer by it (the flag must be recomputed, else 5 completers);
# P8's only baseline is voided (else 6 with a baseline in range and 5 completers).
VOIDED = {"P1": {"after_dosing_2": (24, 3)}, "P4": {"after_dosing_6": (2, 0)},
          "P8": {"baseline": (24, 3)}}


@pytest.fixture
def cohort(db, therapist):
    """The PHQ-9 cohort on ``therapist``'s care team, plus P7 on another's."""
    def add(patient, rows, start, *, void=False):
        for point, (total, item3) in rows.items():
            given = start + timedelta(days=14 * POINTS.index(point))
            actor = therapist if patient.care_team[0].user_id == therapist.id \
                else patient.care_team[0].user
            admin = record_administration(db, actor, patient, "PHQ-9", point, given,
                                          phq9(total, item3=item3), today=date(2027, 1, 1))
            if void:
                void_administration(db, actor, admin.id, "Entered in error")

    for name, (diagnosis, start, rows) in PHQ9_COHORT.items():
        patient = make_patient(db, therapist, diagnosis=diagnosis)
        wrong = VOIDED.get(name, {})
        add(patient, {p: v for p, v in wrong.items() if p in rows}, start, void=True)
        add(patient, rows, start)
        add(patient, {p: v for p, v in wrong.items() if p not in rows}, start, void=True)
    other = make_user(db, roles=("therapist",))
    add(make_patient(db, other), {"baseline": (12, 1), "after_dosing_6": (3, 0)}, IN_RANGE)
    return therapist


def test_phq9_completers_every_number(db, cohort):
    assert len(db.scalars(select(Administration).where(
        Administration.voided_at.is_not(None))).all()) == 3  # VOIDED are in the table
    report = build_report(db, cohort, ReportFilter("PHQ-9", **RANGE))
    # completers P1, P2, P3, P5 of the five with a baseline in range (P6 is out of range,
    # P7 is another therapist's patient, P8's baseline and P4's end point were voided)
    assert report.with_baseline == 5 and report.baseline.n == 4
    assert report.baseline.mean_total == Fraction(54, 4)
    assert report.baseline.sleep_n == 3 and report.baseline.mean_item3 == 2
    d4 = report.row("after_dosing_4")
    assert d4.mean_total == Fraction(17, 3) and d4.mean_baseline_total == Fraction(38, 3)
    assert d4.change_of_mean == Fraction(-21, 38)
    assert (d4.response.count, d4.response.n) == (2, 3)
    tables = report_tables(report)
    assert [t.title for t in tables] == ["Cohort", "PHQ-9 by measurement point",
                                         "Sleep (PHQ-9 item 3)"]
    assert tables[0].rows == [["With a baseline", "5"],
                              ["Counted (completers: baseline and after dosing 6)",
                               "80.0% (4/5)"]]
    assert tables[1].rows == [
        ["Baseline", "4", "13.50", "13.50", "—", "—", "—", "—"],
        # 20->12, 10->8, 16->16, 8->4: only P5 halves; only P5 below 5;
        # per patient -40%, -20%, 0%, -50% -> -27.5%
        ["After dosing 2", "4", "10.00", "13.50", "-25.9%", "-27.5%", "25.0% (1/4)",
         "25.0% (1/4)"],
        # 20->8, 10->6, 8->3: P1 and P5 respond; P5 remits; -60%, -40%, -62.5% -> -54.2%
        ["After dosing 4", "3", "5.67", "12.67", "-55.3%", "-54.2%", "66.7% (2/3)",
         "33.3% (1/3)"],
        # 20->4, 10->5, 16->7, 8->2: all halve (10->5 exactly); 4 and 2 below 5;
        # -80%, -50%, -56.25%, -75% -> -65.3125%
        ["After dosing 6", "4", "4.50", "13.50", "-66.7%", "-65.3%", "100.0% (4/4)",
         "50.0% (2/4)"],
        ["Follow-up", "1", "6.00", "20.00", "-70.0%", "-70.0%", "100.0% (1/1)", "0.0% (0/1)"],
    ]
    # sleep: P1 (3), P2 (2), P5 (1) had item 3 above 0 at baseline
    assert tables[2].rows == [
        ["Baseline", "3", "—", "2.00", "—"],
        ["After dosing 2", "3", "33.3% (1/3)", "1.67", "-16.7%"],  # 3->2 yes, 2->2, 1->1
        ["After dosing 4", "3", "100.0% (3/3)", "0.67", "-66.7%"],  # 3->1, 2->1, 1->0
        ["After dosing 6", "3", "100.0% (3/3)", "0.33", "-83.3%"],  # 3->0, 2->1, 1->0
        ["Follow-up", "1", "100.0% (1/1)", "1.00", "-66.7%"],  # 3->1
    ]
    assert len(report_charts(report)) == 2


def test_phq9_everyone_with_a_baseline(db, cohort):
    report = build_report(db, cohort, ReportFilter("PHQ-9", completers_only=False, **RANGE))
    assert report.baseline.n == 5 and report.baseline.mean_total == Fraction(68, 5)
    d2 = report.row("after_dosing_2")
    # P4 14->7 halves too
    assert (d2.n, d2.mean_total, d2.response.count) == (5, Fraction(47, 5), 2)
    assert report.row("after_dosing_6").n == 4  # P4's was entered in error
    assert report_tables(report)[0].rows[1] == ["Counted (everyone with a baseline)", "5"]


def test_cohort_prefix_and_admin_scope(db, cohort):
    f33 = build_report(db, cohort, ReportFilter("PHQ-9", cohort="F33", **RANGE))
    assert f33.baseline.n == 3  # P5 (F41.1) left out
    admin = make_user(db, roles=("admin",))
    network = build_report(db, admin, ReportFilter("PHQ-9", **RANGE))
    assert network.baseline.n == 5 and network.row("after_dosing_6").n == 5  # P7 counted
    everything = build_report(db, admin, ReportFilter("PHQ-9"))
    assert everything.baseline.n == 6  # P6 counted without the date range


def test_report_read_is_audited_and_billing_refused(db, cohort):
    build_report(db, cohort, ReportFilter("PHQ-9"), audit_action="export")
    event = db.scalar(select(AuditEvent).where(AuditEvent.entity_type == "outcome_report"))
    assert event.action == "export" and "n=5" in event.detail  # P6 counts without dates
    with pytest.raises(PermissionDenied):
        build_report(db, make_user(db, roles=("billing",)), ReportFilter("PHQ-9"))


def test_bad_filters_refused(db, therapist):
    with pytest.raises(RuleViolation):
        build_report(db, therapist, ReportFilter("BDI"))
    with pytest.raises(RuleViolation):
        build_report(db, therapist, ReportFilter("PHQ-9", date_from=date(2026, 2, 1),
                                                 date_to=date(2026, 1, 1)))


def test_empty_report(db, therapist):
    report = build_report(db, therapist, ReportFilter("GAD-7"))
    assert report.baseline.n == 0 and report.points == []
    assert report_tables(report)[1].rows == [["Baseline", "0", "—", "—", "—", "—", "—", "—"]]
    assert report_charts(report) == []


# (exhaustion sum /5, cynicism sum /5, efficacy sum /6) at baseline and after dosing 6
MBI_COHORT = [
    ((28, 22, 20), (16, 10, 26)),  # burnout -> not; all three respond
    ((24, 19, 30), (20, 15, 35)),  # burnout exactly at 4.8 / 3.8 -> not; none respond
    ((30, 10, 18), (25, 10, 24)),  # burnout via efficacy 3.0 -> still (5.0, 4.0); exh + eff
    ((20, 20, 30), (14, 14, 30)),  # no burnout; exh + cyn respond
]


def test_mbi_every_number(db, therapist):
    for base, end in MBI_COHORT:
        patient = make_patient(db, therapist, diagnosis="Z73.0")
        for point, sums in (("baseline", base), ("after_dosing_6", end)):
            record_administration(db, therapist, patient, "MBI-GS", point, IN_RANGE,
                                  mbi(*sums), today=IN_RANGE)
    report = build_report(db, therapist, ReportFilter("MBI-GS"))
    tables = report_tables(report)
    assert [t.title for t in tables][1:] == [
        "MBI-GS subscale means by point", "Response by subscale (≥1 point in the good direction)",
        "Improved on at least one / two / all three subscales",
        "Meeting the burnout threshold (source 002)"]
    assert tables[1].rows == [
        ["Baseline", "4", "5.10", "3.55", "4.08"],  # 102/20, 71/20, 98/24
        ["After dosing 6", "4", "3.75", "2.45", "4.79"],  # 75/20, 49/20, 115/24
    ]
    assert tables[2].rows == [["After dosing 6", "4", "75.0% (3/4)", "50.0% (2/4)",
                               "50.0% (2/4)", "-26.5%", "-31.0%", "+17.3%"]]
    assert tables[3].rows == [["After dosing 6", "4", "75.0% (3/4)", "75.0% (3/4)",
                               "25.0% (1/4)"]]
    assert tables[4].rows == [["Baseline", "4", "75.0% (3/4)", "—"],
                              ["After dosing 6", "4", "75.0% (3/4)", "25.0% (1/4)"]]
    end = report.row("after_dosing_6")
    assert end.subscale_means["professional_efficacy"] == Fraction(115, 24)
    assert end.subscale_change_of_mean("professional_efficacy") == Fraction(17, 98)
    # source 002's cohort: only those meeting the threshold at baseline (M4 is not)
    eligible = build_report(db, therapist, ReportFilter("MBI-GS", burnout_at_baseline_only=True))
    assert eligible.baseline.n == 3
    assert report_tables(eligible)[4].rows == [
        ["Baseline", "3", "100.0% (3/3)", "—"],
        ["After dosing 6", "3", "100.0% (3/3)", "33.3% (1/3)"]]
    assert report_tables(eligible)[3].rows == [  # M1 three, M2 none, M3 two
        ["After dosing 6", "3", "66.7% (2/3)", "66.7% (2/3)", "33.3% (1/3)"]]


def test_pcl5_meaningful_change_column(db, therapist):
    patient = make_patient(db, therapist, diagnosis="F43.10")
    for point, answers in (("baseline", [2] * 20), ("after_dosing_6", [1] * 10 + [2] * 10)):
        record_administration(db, therapist, patient, "PCL-5", point, IN_RANGE, answers,
                              today=IN_RANGE)
    tables = report_tables(build_report(db, therapist, ReportFilter("PCL-5")))
    # 40 -> 30: a 10-point meaningful change, 25% (no response), 30 < 33 remits
    assert tables[1].headers[-1] == "Meaningful change (≥10 points)"
    assert tables[1].rows[1] == ["After dosing 6", "1", "30.00", "40.00", "-25.0%", "-25.0%",
                                 "0.0% (0/1)", "100.0% (1/1)", "100.0% (1/1)"]
