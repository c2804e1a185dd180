"""An OutcomeReport laid out as titled tables of text cells, shared by the report page,
the CSV export and the PDF, so all three show the same numbers (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from kapms.measures import scoring
from kapms.measures.charts import line_chart, percent_chart
from kapms.measures.models import POINTS
from kapms.measures.reports import SUBSCALES, OutcomeReport, Rate

SUBSCALE_LABELS = {"exhaustion": "Exhaustion", "cynicism": "Cynicism",
                   "professional_efficacy": "Professional efficacy"}


@dataclass
class Table:
    """A titled table."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def _round(value: Fraction, places: int) -> str:
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))  # half away from zero
    sign = "-" if value < 0 and magnitude else ""
    whole, frac = divmod(magnitude, scale)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def mean(value: Fraction | None) -> str:
    """A mean with 2 decimals, or a dash."""
    return "—" if value is None else _round(value, 2)


def percent(value: Fraction | None, *, signed: bool = False) -> str:
    """A fraction as a percentage with 1 decimal (e.g. "55.4%"), or a dash."""
    if value is None:
        return "—"
    text = _round(value * 100, 1) + "%"
    return ("+" + text) if signed and value > 0 else text


def rate(value: Rate | None) -> str:
    """"55.4% (219/395)", or a dash when there is no denominator."""
    if value is None or not value.n:
        return "—"
    return f"{percent(value.fraction)} ({value.count}/{value.n})"


def report_tables(report: OutcomeReport,
                  settings: scoring.Settings = scoring.DEFAULT_SETTINGS) -> list[Table]:
    """The report's tables in reading order."""
    flt, base = report.filter, report.baseline
    share = Rate(base.n, report.with_baseline) if flt.completers_only else None
    cohort = Table("Cohort", ["Group", "Patients"], [
        ["With a baseline", str(report.with_baseline)],
        ["Counted" + (" (completers: baseline and after dosing 6)" if flt.completers_only
                      else " (everyone with a baseline)"),
         rate(share) if share else str(base.n)],
    ])
    if flt.burnout_at_baseline_only and report.is_mbi:
        cohort.note = "Only patients meeting the burnout threshold at baseline (source 002)."
    tables = [cohort]
    if report.is_mbi:
        tables += _mbi_tables(report)
        return tables
    r_pct = _round(scoring._exact(settings.response_reduction) * 100, 0)
    headers = ["Point", "n", "Mean score", "Mean at baseline (same patients)",
               "Change of mean", "Mean of each patient's % change",
               f"Response (≥{r_pct}% reduction)",
               f"Remission (below {settings.remission_below(flt.instrument)})"]
    if flt.instrument == "PCL-5":
        headers.append(f"Meaningful change (≥{settings.pcl5_meaningful_change} points)")
    rows = [["Baseline", str(base.n), mean(base.mean_total), mean(base.mean_total), "—", "—",
             "—", "—"] + (["—"] if flt.instrument == "PCL-5" else [])]
    for r in report.points:
        row = [r.label, str(r.n), mean(r.mean_total), mean(r.mean_baseline_total),
               percent(r.change_of_mean, signed=True),
               percent(r.mean_individual_change, signed=True), rate(r.response),
               rate(r.remission)]
        if flt.instrument == "PCL-5":
            row.append(rate(r.meaningful_change))
        rows.append(row)
    tables.append(Table(f"{flt.instrument} by measurement point", headers, rows,
                        "Each point compares its patients with their own baselines; the "
                        "per-patient % change leaves out baselines of 0."))
    if flt.instrument == "PHQ-9":
        sleep_rows = [["Baseline", str(base.sleep_n), "—", mean(base.mean_item3), "—"]]
        sleep_rows += [[r.label, str(r.sleep_response.n), rate(r.sleep_response),
                        mean(r.mean_item3), percent(r.item3_change_of_mean, signed=True)]
                       for r in report.points]
        tables.append(Table(
            "Sleep (PHQ-9 item 3)",
            ["Point", "Sleep disturbed at baseline (n)",
             f"Sleep response (≥{settings.sleep_response_points} point better)",
             "Mean item 3", "Change of mean item 3"], sleep_rows,
            "Among patients with item 3 above 0 at baseline (source 000)."))
    return tables


def _mbi_tables(report: OutcomeReport) -> list[Table]:
    base = report.baseline
    means = [["Baseline", str(base.n)] + [mean(base.subscale_means.get(s)) for s in SUBSCALES]]
    means += [[r.label, str(r.n)] + [mean(r.subscale_means.get(s)) for s in SUBSCALES]
              for r in report.points]
    labels = [SUBSCALE_LABELS[s] for s in SUBSCALES]
    response = [[r.label, str(r.n)] + [rate(r.subscale_response[s]) for s in SUBSCALES]
                + [percent(r.subscale_change_of_mean(s), signed=True) for s in SUBSCALES]
                for r in report.points]
    improved = [[r.label, str(r.n)] + [rate(r.improved_at_least[k]) for k in (1, 2, 3)]
                for r in report.points]
    burnout = [["Baseline", str(base.n), rate(base.burnout), "—"]]
    burnout += [[r.label, str(r.n), rate(r.burnout_at_baseline), rate(r.burnout)]
                for r in report.points]
    return [
        Table("MBI-GS subscale means by point", ["Point", "n", *labels], means),
        Table("Response by subscale (≥1 point in the good direction)",
              ["Point", "n", *labels, *(f"{label}: change of mean" for label in labels)],
              response),
        Table("Improved on at least one / two / all three subscales",
              ["Point", "n", "≥1", "≥2", "All 3"], improved),
        Table("Meeting the burnout threshold (source 002)",
              ["Point", "n", "At baseline (same patients)", "At this point"], burnout,
              "Exhaustion ≥ 4.8 and (cynicism ≥ 3.8 or professional efficacy ≤ 4.3)."),
    ]


def report_charts(report: OutcomeReport) -> list:
    """Mean score by point (bands shaded) and response rates by point."""
    if not report.points and not report.baseline.n:
        return []
    labels = ["Baseline"] + [POINTS[r.point] for r in report.points]
    if report.is_mbi:
        series = {SUBSCALE_LABELS[s]: [_f(report.baseline.subscale_means.get(s))]
                  + [_f(r.subscale_means.get(s)) for r in report.points] for s in SUBSCALES}
        rates = {SUBSCALE_LABELS[s]: [_pct(r.subscale_response[s]) for r in report.points]
                 for s in SUBSCALES}
    else:
        series = {"Mean score": [_f(report.baseline.mean_total)]
                  + [_f(r.mean_total) for r in report.points]}
        rates = {"Response": [_pct(r.response) for r in report.points],
                 "Remission": [_pct(r.remission) for r in report.points]}
        if report.filter.instrument == "PHQ-9":
            rates["Sleep response"] = [_pct(r.sleep_response) for r in report.points]
    charts = [line_chart(report.filter.instrument, labels, series, title="Mean by point")]
    if report.points:
        charts.append(percent_chart(labels[1:], rates, title="Rates by point"))
    return charts


def _f(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _pct(value: Rate | None) -> float | None:
    return None if value is None or value.fraction is None else float(value.fraction * 100)
