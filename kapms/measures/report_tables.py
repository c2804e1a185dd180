"""An OutcomeReport laid out as titled tables of text and as charts, shared by the report
page and its PDF, so both show the same numbers (pure). The published summary lays out
its own, suppressed, cells with the same functions (kapms/measures/publish.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from kapms.measures import charts, scoring
from kapms.measures.models import END_POINT
from kapms.measures.outcomes import (
    ALL_DOSINGS,
    BREAKDOWNS,
    COMPLETERS,
    METRICS,
    SUBSCALE_LABELS,
    SUBSCALES,
    Cell,
    OutcomeReport,
    definitions_text,
    point_label,
)

DASH = "—"
SUPPRESSED = "<11"  # a published summary's cell resting on fewer than 11 patients
COMPLEMENT = "*"  # one hidden so that such a cell cannot be worked out


@dataclass
class Table:
    """A titled table; ``key`` names it for tests and anchors."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


def _round(value: Fraction | float, places: int) -> str:
    value = Fraction(value) if not isinstance(value, Fraction) else value
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))  # half away from zero
    sign = "-" if value < 0 and magnitude else ""
    whole, frac = divmod(magnitude, scale)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def mean(value) -> str:
    """A mean with 2 decimals, or a dash."""
    return DASH if value is None else _round(value, 2)


def percent(value, *, signed: bool = False, places: int = 1) -> str:
    """A fraction as a percentage (e.g. "55.4%"), or a dash."""
    if value is None:
        return DASH
    text = _round(Fraction(value) * 100, places) + "%"
    return ("+" + text) if signed and value > 0 else text


class Formatter:
    """Turns cells into text; the published summary's formatter hides suppressed cells."""

    def __init__(self, report: OutcomeReport, hidden: Callable[[Cell], bool] = lambda c: False,
                 small: Callable[[Cell], bool] = lambda c: True):
        self.report, self.hidden, self.small = report, hidden, small

    def mark(self, cell: Cell) -> str:
        """What a hidden cell shows: "<11" when it rests on a small count, else "*"."""
        return SUPPRESSED if self.small(cell) else COMPLEMENT

    def cell(self, metric: str, point: str, of: str = "", group: str = "") -> Cell | None:
        """The cell, None when absent."""
        return self.report.get(metric, point, of, group)

    def text(self, metric: str, point: str, of: str = "", group: str = "",
             *, with_interval: bool = True) -> str:
        """A cell in words by its metric's kind: "55.4% [50.5-60.2] (219/395)"."""
        cell = self.cell(metric, point, of, group)
        if cell is None:
            return DASH
        if self.hidden(cell):
            return self.mark(cell)
        kind = METRICS[metric].kind
        if kind == "count":
            return str(cell.value)
        if cell.value is None:
            return DASH
        if kind == "mean":
            return mean(cell.value) + (_interval(cell, mean) if with_interval else "")
        if kind == "change":
            return percent(cell.value, signed=True)
        if kind == "effect":
            return _round(cell.value, 2) + (_interval(cell, lambda v: _round(v, 2))
                                            if with_interval else "")
        if kind == "per100":
            return (_round(cell.value * 100, 1) + (_interval(cell, lambda v: _round(v * 100, 1))
                                                   if with_interval else "")
                    + f" ({cell.numerator}/{cell.denominator})")
        return (percent(cell.value) + (_interval(cell, lambda v: _round(v * 100, 1))
                                       if with_interval else "")
                + f" ({cell.numerator}/{cell.denominator})")

    def n(self, point: str, group: str = "") -> str:
        """The number of patients at a point."""
        return self.text("n", point, group=group)


def _interval(cell: Cell, fmt) -> str:
    if cell.low is None or cell.high is None:
        return ""
    return f" [{fmt(cell.low)} to {fmt(cell.high)}]"


def report_tables(report: OutcomeReport, fmt: Formatter | None = None) -> list[Table]:
    """The report's tables in reading order."""
    fmt = fmt or Formatter(report)
    flt = report.filter
    words = definitions_text(flt.instrument, report.definitions)
    tables = [_cohort(report, fmt)]
    if report.is_mbi:
        tables += _mbi_tables(report, fmt, words)
    else:
        tables += _total_tables(report, fmt, words)
    tables += _safety_tables(report, fmt)
    if flt.breakdown:
        tables.append(_subgroups(report, fmt))
    return tables


def _cohort(report: OutcomeReport, fmt: Formatter) -> Table:
    flt = report.filter
    rows = [["With a baseline", fmt.text("with_baseline", "baseline")],
            [COMPLETERS[flt.completers], fmt.text("n", "baseline")]]
    note = "Completer definition: " + COMPLETERS[flt.completers] + "."
    if flt.burnout_at_baseline_only and report.is_mbi:
        note += " Only patients meeting the burnout threshold at baseline."
    return Table("cohort", "Who is counted", ["Group", "Patients"], rows, note)


def _points(report: OutcomeReport) -> list[str]:
    return ["baseline", *report.points]


def _total_tables(report: OutcomeReport, fmt: Formatter, words: dict) -> list[Table]:
    instrument, s = report.filter.instrument, report.definitions.settings
    rows = [["Baseline", fmt.n("baseline"), fmt.text("mean", "baseline", "total"),
             DASH, DASH, DASH, DASH]]
    for p in report.points:
        rows.append([point_label(p), fmt.n(p), fmt.text("mean", p, "total"),
                     fmt.text("baseline_mean", p, "total", with_interval=False),
                     fmt.text("change_of_mean", p, "total"),
                     fmt.text("mean_individual_change", p, "total"),
                     fmt.text("effect_size", p, "total")])
    trajectory = Table(
        "trajectory", f"{instrument}: mean score by point",
        ["Point", "n", "Mean [95% CI]", "Mean at baseline, same patients", "Change of the mean",
         "Mean of each patient's % change", "Effect size d_z [95% CI]"], rows,
        "Each point compares its patients with their own baselines. Change of the mean: "
        + words["change_of_mean"] + ". Effect size: " + words["effect_size"] + ".")
    rate_rows = [[point_label(p), fmt.n(p)] + [fmt.text(m, p, "total") for m in
                                               ("response", "remission", "meaningful_change",
                                                "improved")] for p in report.points]
    rates = Table(
        "rates", f"{instrument}: response, remission and improvement by point",
        ["Point", "n", f"Response (≥{percent(scoring.exact(s.response_reduction), places=0)} "
                       "reduction)",
         f"Remission (below {s.remission_below(instrument)})",
         f"Meaningful change (≥{s.meaningful_change(instrument)} points)", "Any improvement"],
        rate_rows,
        "Response: " + words["response"] + "; remission: " + words["remission"]
        + "; meaningful change: " + words["meaningful_change"] + "; any improvement: "
        + words["improved"] + ". " + words["rates"] + "; every rate shows its denominator.")
    tables = [trajectory, rates]
    if instrument == "PHQ-9":
        sleep_rows = [["Baseline", fmt.text("sleep_disturbed", "baseline", "item 3"), DASH,
                       fmt.text("mean", "baseline", "item 3", with_interval=False), DASH]]
        sleep_rows += [[point_label(p), _denominator(fmt, "sleep_response", p, "item 3"),
                        fmt.text("sleep_response", p, "item 3"),
                        fmt.text("mean", p, "item 3", with_interval=False),
                        fmt.text("change_of_mean", p, "item 3")] for p in report.points]
        tables.append(Table(
            "sleep", "Sleep (PHQ-9 item 3)",
            ["Point", "Sleep disturbed at baseline", "Sleep response", "Mean item 3",
             "Change of the mean item 3"], sleep_rows,
            "Among patients with item 3 above 0 at baseline. Sleep response: "
            + words["sleep_response"] + "."))
        ideation_rows = [["Baseline", fmt.text("ideation_at_baseline", "baseline", "item 9"),
                          DASH, DASH]]
        ideation_rows += [[point_label(p), _denominator(fmt, "ideation_improved", p, "item 9"),
                           fmt.text("ideation_improved", p, "item 9"),
                           fmt.text("ideation_resolved", p, "item 9")] for p in report.points]
        tables.append(Table(
            "ideation", "Suicidal ideation (PHQ-9 item 9)",
            ["Point", "Item 9 above 0 at baseline", "Improved", "Resolved"], ideation_rows,
            "Improved: " + words["ideation_improved"] + "; resolved: "
            + words["ideation_resolved"] + ". After dosing 2 answers how many improved "
            "early; after dosing 6 how many resolved by the end of the course."))
    return tables


def _denominator(fmt: Formatter, metric: str, point: str, of: str) -> str:
    cell = fmt.cell(metric, point, of)
    if cell is None:
        return DASH
    return fmt.mark(cell) if fmt.hidden(cell) else str(cell.denominator)


def _mbi_tables(report: OutcomeReport, fmt: Formatter, words: dict) -> list[Table]:
    labels = [SUBSCALE_LABELS[s] for s in SUBSCALES]
    traj = [["Baseline", fmt.n("baseline")]
            + [fmt.text("mean", "baseline", s) for s in SUBSCALES]]
    for p in report.points:
        traj.append([point_label(p), fmt.n(p)] + [
            fmt.text("mean", p, s, with_interval=False) + " ("
            + fmt.text("change_of_mean", p, s) + ")" for s in SUBSCALES])
    effects = [[point_label(p), fmt.n(p)] + [fmt.text("effect_size", p, s) for s in SUBSCALES]
               for p in report.points]
    response = [[point_label(p), fmt.n(p)] + [fmt.text("response", p, s) for s in SUBSCALES]
                + [fmt.text("improved_on_at_least", p, str(k)) for k in (1, 2, 3)]
                for p in report.points]
    improved = [[point_label(p), fmt.n(p)] + [fmt.text("improved", p, s) for s in SUBSCALES]
                for p in report.points]
    threshold = [["Baseline", fmt.n("baseline"), fmt.text("burnout_threshold", "baseline"),
                  DASH, DASH]]
    threshold += [[point_label(p), fmt.n(p), fmt.text("burnout_threshold", p),
                   fmt.text("below_threshold", p), fmt.text("left_burnout", p)]
                  for p in report.points]
    profiles = [[point_label(p), fmt.n(p)] + [fmt.text("profile", p, name, with_interval=False)
                                             for name in scoring.PROFILES]
                for p in _points(report)]
    tables = [
        Table("trajectory", "MBI-GS subscale means by point (change of the mean)",
              ["Point", "n", *labels], traj,
              "Baseline means with their 95% CI; each later point compares its patients with "
              "their own baselines. Change of the mean: " + words["change_of_mean"] + "."),
        Table("effects", "Effect size d_z by subscale [95% CI]", ["Point", "n", *labels],
              effects, "Effect size: " + words["effect_size"] + "."),
        Table("rates", "Response by subscale, and subscales improved",
              ["Point", "n", *labels, "≥1 subscale", "≥2 subscales", "All 3"], response,
              "Response: " + words["response"] + ". " + words["rates"] + "."),
        Table("improved", "Any improvement by subscale", ["Point", "n", *labels], improved,
              "Any improvement: " + words["improved"] + "."),
        Table("threshold", "The burnout threshold",
              ["Point", "n", "Meeting the threshold", "Below the threshold",
               "Left it (of those meeting it at baseline)"], threshold,
              "Threshold: " + words["burnout_threshold"] + "."),
        Table("profiles", "Burnout profiles by point", ["Point", "n", *scoring.PROFILES],
              profiles, "Profiles: " + words["profile"] + "."),
        _transitions(report, fmt),
    ]
    return tables


def _transitions(report: OutcomeReport, fmt: Formatter) -> Table:
    rows = []
    for a in scoring.PROFILES:
        first = fmt.cell("transition", END_POINT, f"{a} → {scoring.PROFILES[0]}")
        total = DASH if first is None else (fmt.mark(first) if fmt.hidden(first) and
                                            _row_total_hidden(fmt, a)
                                            else str(first.denominator))
        rows.append([a, total] + [fmt.text("transition", END_POINT, f"{a} → {b}",
                                           with_interval=False) for b in scoring.PROFILES])
    note = ("Patients with both a baseline and an after-dosing-6 measure; each row adds up "
            "to its baseline profile. No longer in the Burnout profile: "
            + fmt.text("left_burnout_profile", END_POINT) + ".")
    return Table("transitions", "Profile at baseline → profile after dosing 6",
                 ["At baseline", "n", *(f"→ {b}" for b in scoring.PROFILES)], rows, note)


def _row_total_hidden(fmt: Formatter, profile: str) -> bool:
    return all(fmt.hidden(c) for c in (fmt.cell("transition", END_POINT, f"{profile} → {b}")
                                       for b in scoring.PROFILES) if c is not None)


def _safety_tables(report: OutcomeReport, fmt: Formatter) -> list[Table]:
    points = report.dosing_points
    if not points:
        return [Table("safety", "Safety: dosing records", ["Dosing"], [],
                      "No dosing records for these patients.")]
    rows = [[point_label(p), fmt.text("dosings", p), fmt.text("held", p),
             fmt.text("administered", p), fmt.text("ae_any", p), fmt.text("ae_serious", p),
             fmt.text("bp_flag", p)] for p in points]
    kinds = sorted({c.of for c in report.cells.values() if c.metric == "ae_kind"})
    kind_rows = [[kind] + [fmt.text("ae_kind", p, kind, with_interval=False) for p in points]
                 for kind in kinds]
    return [
        Table("safety", "Safety by dosing number",
              ["Dosing", "Dosings recorded", "Held per 100 dosings [95% CI]", "Administered",
               "Any adverse event [95% CI]", "Serious adverse event [95% CI]",
               "Blood-pressure rise flags per 100 administered [95% CI]"], rows,
              "From the dosing records of the patients counted above (dosings administered "
              "or held). A dosing's number is its number on the course as recorded at "
              "check-in (administered dosings before it plus one, so a held dosing has the "
              "number of the dosing it was meant to be; maintenance dosings continue the "
              "count); adverse events and flags are counted per administered dosing. "
              "Intervals treat dosings as independent."),
        Table("adverse_events", "Adverse events by kind and dosing number",
              ["Kind", *(point_label(p) for p in points)], kind_rows,
              "Share of administered dosings with at least one event of the kind."),
    ]


def _subgroups(report: OutcomeReport, fmt: Formatter) -> Table:
    flt = report.filter
    end = END_POINT
    if report.is_mbi:
        headers = ["Subgroup", "n", *(f"{SUBSCALE_LABELS[s]} response, after dosing 6"
                                      for s in SUBSCALES), "≥1 subscale, after dosing 6"]
        rows = [[g or "Everyone", fmt.n("baseline", g)]
                + [fmt.text("response", end, s, g) for s in SUBSCALES]
                + [fmt.text("improved_on_at_least", end, "1", g)] for g in report.groups]
    else:
        headers = ["Subgroup", "n", "Mean at baseline", "Change of the mean, after dosing 6",
                   "Effect size, after dosing 6", "Response, after dosing 6",
                   "Remission, after dosing 6"]
        rows = [[g or "Everyone", fmt.n("baseline", g),
                 fmt.text("mean", "baseline", "total", g, with_interval=False),
                 fmt.text("change_of_mean", end, "total", g),
                 fmt.text("effect_size", end, "total", g),
                 fmt.text("response", end, "total", g),
                 fmt.text("remission", end, "total", g)] for g in report.groups]
    return Table("subgroups", f"By {BREAKDOWNS[flt.breakdown].lower()}", headers, rows,
                 "Every metric of every point for every subgroup is in the CSV.")


# --- charts ---------------------------------------------------------------------------

def report_charts(report: OutcomeReport, hidden: Callable[[Cell], bool] = lambda c: False
                  ) -> list:
    """The trajectory with its 95% band, rates by point with their intervals and, for
    MBI-GS, the profile transitions; suppressed cells are left out."""
    if not report.count("n", "baseline"):
        return []
    points = _points(report)
    labels = [point_label(p) for p in points]

    def shown(cell):
        return cell if cell is not None and not hidden(cell) and cell.value is not None \
            else None

    result = []
    if report.is_mbi:
        series = {SUBSCALE_LABELS[s]: [shown(report.get("mean", p, s)) for p in points]
                  for s in SUBSCALES}
        rates = {SUBSCALE_LABELS[s]: [shown(report.get("response", p, s))
                                      for p in report.points] for s in SUBSCALES}
    else:
        series = {"Mean": [shown(report.get("mean", p, "total")) for p in points]}
        rates = {METRICS[m].label: [shown(report.get(m, p, "total")) for p in report.points]
                 for m in ("response", "remission", "meaningful_change", "improved")}
    result.append(charts.band_chart(report.filter.instrument, labels, series,
                                    title="Mean by point with 95% band",
                                    settings=report.definitions.settings))
    if report.points:
        result.append(charts.rate_chart(labels[1:], rates, title="Rates by point with 95% CI"))
    if report.is_mbi:
        flows = {}
        for a in scoring.PROFILES:
            for b in scoring.PROFILES:
                cell = shown(report.get("transition", END_POINT, f"{a} → {b}"))
                if cell is not None and cell.numerator:
                    flows[(a, b)] = cell.numerator
        if flows:
            result.append(charts.flow_chart(scoring.PROFILES, flows,
                                            title="Profile at baseline → after dosing 6"))
    return result


__all__ = ["ALL_DOSINGS", "COMPLEMENT", "DASH", "SUPPRESSED", "Formatter", "Table", "mean", "percent",
           "report_charts", "report_tables"]
