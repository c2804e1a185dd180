"""The outcome report on a small cohort whose every number is computed by hand here."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import PermissionDenied, RuleViolation
from kapms.measures.models import Administration
from kapms.measures.outcomes import ReportFilter
from kapms.measures.report_tables import report_charts, report_tables
from kapms.measures.services import record_administration, void_administration
from kapms.measures.services.reports import build_report
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
    assert report.count("with_baseline", "baseline") == 5
    assert report.count("n", "baseline") == 4
    assert report.get("mean", "baseline", "total").value == Fraction(54, 4)
    assert report.get("sleep_disturbed", "baseline", "item 3").numerator == 3
    assert report.get("mean", "baseline", "item 3").value == 2
    d4 = "after_dosing_4"
    assert report.get("mean", d4, "total").value == Fraction(17, 3)
    assert report.get("baseline_mean", d4, "total").value == Fraction(38, 3)
    assert report.get("change_of_mean", d4, "total").value == Fraction(-21, 38)
    assert (report.count("response", d4, "total"), report.get("response", d4, "total").denominator
            ) == (2, 3)
    tables = {t.key: t for t in report_tables(report)}
    assert list(tables) == ["cohort", "trajectory", "rates", "sleep", "ideation", "safety"]
    assert tables["cohort"].rows == [
        ["With a baseline", "5"],
        ["Completers: a baseline and an after-dosing-6 measure", "4"]]
    # baseline totals 20, 10, 16, 8: mean 13.5, squares 91, sd 5.508: t(0.975, 3) 3.1824
    # * sd / 2 = 8.76 either side
    assert tables["trajectory"].rows[0][:3] == ["Baseline", "4", "13.50 [4.74 to 22.26]"]
    rows = [r[:6] for r in tables["trajectory"].rows[1:]]
    assert rows == [
        # 20->12, 10->8, 16->16, 8->4; per patient -40%, -20%, 0%, -50% -> -27.5%;
        # 12, 8, 16, 4: sd 5.164, half-width 3.1824 * 5.164 / 2 = 8.22
        ["After dosing 2", "4", "10.00 [1.78 to 18.22]", "13.50", "-25.9%", "-27.5%"],
        # 20->8, 10->6, 8->3: -60%, -40%, -62.5% -> -54.2%; sd 2.517, t(0.975, 2) 4.3027
        ["After dosing 4", "3", "5.67 [-0.58 to 11.92]", "12.67", "-55.3%", "-54.2%"],
        # 20->4, 10->5, 16->7, 8->2: -80%, -50%, -56.25%, -75% -> -65.3125%; sd 2.082
        ["After dosing 6", "4", "4.50 [1.19 to 7.81]", "13.50", "-66.7%", "-65.3%"],
        ["Follow-up", "1", "6.00", "20.00", "-70.0%", "-70.0%"],
    ]
    # effect size after dosing 6: changes 16, 5, 9, 6: mean 9, sd 4.97 -> d_z 1.81
    assert tables["trajectory"].rows[3][6].startswith("1.81 [")
    assert tables["rates"].rows == [
        # only P5 halves (8->4); only P5 below 5; meaningful (>=5 points): P5? 8->4 is 4: none
        # but 20->12 (8) yes; any improvement: P1, P2, P5
        ["After dosing 2", "4", "25.0% [4.6 to 69.9] (1/4)", "25.0% [4.6 to 69.9] (1/4)",
         "25.0% [4.6 to 69.9] (1/4)", "75.0% [30.1 to 95.4] (3/4)"],
        # 20->8 and 8->3 halve; 3 < 5; 12, 4 and 5 points: P1 and P5 are meaningful
        ["After dosing 4", "3", "66.7% [20.8 to 93.9] (2/3)", "33.3% [6.1 to 79.2] (1/3)",
         "66.7% [20.8 to 93.9] (2/3)", "100.0% [43.9 to 100.0] (3/3)"],
        # all halve (10->5 exactly); 4 and 2 below 5; 16, 5, 9, 6 points all meaningful
        ["After dosing 6", "4", "100.0% [51.0 to 100.0] (4/4)", "50.0% [15.0 to 85.0] (2/4)",
         "100.0% [51.0 to 100.0] (4/4)", "100.0% [51.0 to 100.0] (4/4)"],
        ["Follow-up", "1", "100.0% [20.7 to 100.0] (1/1)", "0.0% [0.0 to 79.3] (0/1)",
         "100.0% [20.7 to 100.0] (1/1)", "100.0% [20.7 to 100.0] (1/1)"],
    ]
    # sleep: P1 (3), P2 (2), P5 (1) had item 3 above 0 at baseline
    assert [r[1:] for r in tables["sleep"].rows] == [
        ["75.0% [30.1 to 95.4] (3/4)", "—", "2.00", "—"],
        ["3", "33.3% [6.1 to 79.2] (1/3)", "1.67", "-16.7%"],  # 3->2 yes, 2->2, 1->1
        ["3", "100.0% [43.9 to 100.0] (3/3)", "0.67", "-66.7%"],  # 3->1, 2->1, 1->0
        ["3", "100.0% [43.9 to 100.0] (3/3)", "0.33", "-83.3%"],  # 3->0, 2->1, 1->0
        ["1", "100.0% [20.7 to 100.0] (1/1)", "1.00", "-66.7%"],  # 3->1
    ]
    assert tables["ideation"].rows[0][1] == "0.0% [0.0 to 49.0] (0/4)"  # item 9 all 0
    assert tables["safety"].rows == []  # no dosing records for these patients
    assert len(report_charts(report)) == 2


def test_phq9_everyone_with_a_baseline(db, cohort):
    report = build_report(db, cohort, ReportFilter("PHQ-9", completers="everyone", **RANGE))
    assert report.count("n", "baseline") == 5
    assert report.get("mean", "baseline", "total").value == Fraction(68, 5)
    d2 = "after_dosing_2"
    # P4 14->7 halves too
    assert (report.count("n", d2), report.get("mean", d2, "total").value,
            report.count("response", d2, "total")) == (5, Fraction(47, 5), 2)
    assert report.count("n", "after_dosing_6") == 4  # P4's was entered in error
    assert report_tables(report)[0].rows[1] == ["Everyone with a baseline measure", "5"]


def test_all_scheduled_points_completers(db, cohort):
    # P3 has no after-dosing-4, P4 no after-dosing-4 or -6 (voided): P1, P2, P5 remain
    report = build_report(db, cohort, ReportFilter("PHQ-9", completers="all_points", **RANGE))
    assert report.count("n", "baseline") == 3
    assert [report.count("n", p) for p in report.points] == [3, 3, 3, 1]
    assert "after-dosing-2, -4 and -6" in report_tables(report)[0].note


def test_cohort_prefix_and_admin_scope(db, cohort):
    f33 = build_report(db, cohort, ReportFilter("PHQ-9", cohort="F33", **RANGE))
    assert f33.count("n", "baseline") == 3  # P5 (F41.1) left out
    admin = make_user(db, roles=("admin",))
    network = build_report(db, admin, ReportFilter("PHQ-9", **RANGE))
    assert network.count("n", "baseline") == 5 and network.count("n", "after_dosing_6") == 5
    everything = build_report(db, admin, ReportFilter("PHQ-9"))
    assert everything.count("n", "baseline") == 6  # P6 counted without the date range


def test_report_read_is_audited_and_billing_refused(db, cohort):
    build_report(db, cohort, ReportFilter("PHQ-9"), audit_action="export")
    event = db.scalar(select(AuditEvent).where(AuditEvent.entity_type == "outcome_report"))
    assert event.action == "export" and "n=5" in event.detail  # P6 counts without dates
    with pytest.raises(PermissionDenied):
        build_report(db, make_user(db, roles=("billing",)), ReportFilter("PHQ-9"))


def test_bad_filters_refused(db, therapist):
    for bad in (ReportFilter("BDI"), ReportFilter("PHQ-9", completers="most"),
                ReportFilter("PHQ-9", breakdown="eye colour"),
                ReportFilter("PHQ-9", date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))):
        with pytest.raises(RuleViolation):
            build_report(db, therapist, bad)


def test_empty_report(db, therapist):
    report = build_report(db, therapist, ReportFilter("GAD-7"))
    assert report.count("n", "baseline") == 0 and report.points == []
    tables = report_tables(report)
    assert tables[1].rows == [["Baseline", "0", "—", "—", "—", "—", "—"]]
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
    tables = {t.key: t for t in report_tables(report)}
    assert list(tables)[1:8] == ["trajectory", "effects", "rates", "improved", "threshold",
                                 "profiles", "transitions"]
    assert [r[:2] + [c.split(" [")[0] for c in r[2:]] for r in tables["trajectory"].rows] == [
        ["Baseline", "4", "5.10", "3.55", "4.08"],  # 102/20, 71/20, 98/24
        # 75/20, 49/20, 115/24 and the change of each mean
        ["After dosing 6", "4", "3.75 (-26.5%)", "2.45 (-31.0%)", "4.79 (+17.3%)"],
    ]
    assert tables["rates"].rows == [["After dosing 6", "4", "75.0% [30.1 to 95.4] (3/4)",
                                     "50.0% [15.0 to 85.0] (2/4)", "50.0% [15.0 to 85.0] (2/4)",
                                     "75.0% [30.1 to 95.4] (3/4)",
                                     "75.0% [30.1 to 95.4] (3/4)",
                                     "25.0% [4.6 to 69.9] (1/4)"]]
    assert [r[2:] for r in tables["threshold"].rows] == [
        ["75.0% [30.1 to 95.4] (3/4)", "—", "—"],
        ["25.0% [4.6 to 69.9] (1/4)", "75.0% [30.1 to 95.4] (3/4)",
         "66.7% [20.8 to 93.9] (2/3)"]]
    end = "after_dosing_6"
    assert report.get("mean", end, "professional_efficacy").value == Fraction(115, 24)
    assert report.get("change_of_mean", end, "professional_efficacy").value == Fraction(17, 98)
    # profiles (exhaustion >= 4.8 and cynicism >= 3.8 high, efficacy <= 4.3 low):
    # M1 5.6/4.4 Burnout -> 3.2/2.0/4.33 Engaged; M2 4.8/3.8 Burnout -> 4.0/3.0/5.83
    # Engaged; M3 6.0/2.0 Overextended -> 5.0/2.0 Overextended; M4 4.0/4.0 Disengaged ->
    # 2.8/2.8/5.0 Engaged
    assert tables["profiles"].rows == [
        ["Baseline", "4", "0.0% (0/4)", "0.0% (0/4)", "25.0% (1/4)", "25.0% (1/4)",
         "50.0% (2/4)"],
        ["After dosing 6", "4", "75.0% (3/4)", "0.0% (0/4)", "25.0% (1/4)", "0.0% (0/4)",
         "0.0% (0/4)"]]
    transitions = {r[0]: r[1:] for r in tables["transitions"].rows}
    assert transitions["Burnout"] == ["2", "100.0% (2/2)", "0.0% (0/2)", "0.0% (0/2)",
                                      "0.0% (0/2)", "0.0% (0/2)"]
    assert transitions["Overextended"][0] == "1" and transitions["Overextended"][3] == \
        "100.0% (1/1)"
    assert "No longer in the Burnout profile: 100.0% [34.2 to 100.0] (2/2)" in \
        tables["transitions"].note
    assert len(report_charts(report)) == 3  # means, rates and the profile flows
    # the burnout preprint's cohort: only those meeting the threshold at baseline (M4 is not)
    eligible = build_report(db, therapist, ReportFilter("MBI-GS", burnout_at_baseline_only=True))
    assert eligible.count("n", "baseline") == 3
    assert eligible.count("improved_on_at_least", end, "1") == 2  # M1 three, M2 none, M3 two


def test_pcl5_meaningful_change_column(db, therapist):
    patient = make_patient(db, therapist, diagnosis="F43.10")
    for point, answers in (("baseline", [2] * 20), ("after_dosing_6", [1] * 10 + [2] * 10)):
        record_administration(db, therapist, patient, "PCL-5", point, IN_RANGE, answers,
                              today=IN_RANGE)
    tables = report_tables(build_report(db, therapist, ReportFilter("PCL-5")))
    # 40 -> 30: a 10-point meaningful change, 25% (no response), 30 < 33 remits
    assert tables[2].headers[4] == "Meaningful change (≥10 points)"
    assert [c.split(" [")[0] for c in tables[2].rows[0]] == [
        "After dosing 6", "1", "0.0%", "100.0%", "100.0%", "100.0%"]
