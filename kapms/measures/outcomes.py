"""What the network outcome report counts, in words and in values (pure: no database, no
Flask). The SQL is in kapms/measures/services/reports.py; the tables, the CSV, the PDF
and the published summary all read the report's :class:`Cell` list.

A cell is one number of the report: a metric (``response``), of what (``total``, a
subscale, a profile, an adverse-event kind), at a point (``after_dosing_2``, or
``dosing_3`` in the safety section), in a subgroup (``""`` is everyone), with its
numerator, denominator and 95% interval where it has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from kapms.measures import scoring
from kapms.measures.instruments import MBIGS
from kapms.measures.models import END_POINT, POINTS

LATER_POINTS = ("after_dosing_2", "after_dosing_4", "after_dosing_6", "follow_up")
SUBSCALES = tuple(MBIGS.subscales)
SUBSCALE_LABELS = {"exhaustion": "Exhaustion", "cynicism": "Cynicism",
                   "professional_efficacy": "Professional efficacy"}

# Who is counted (the "completer definition"), stated on every report.
COMPLETERS = {
    "end": "Completers: a baseline and an after-dosing-6 measure",
    "all_points": "Completers: a baseline and after-dosing-2, -4 and -6 measures "
                  "(all scheduled points)",
    "everyone": "Everyone with a baseline measure",
}
# Subgroups a report can be broken down by.
BREAKDOWNS = {
    "": "No subgroups",
    "age": "Age band at baseline",
    "sex": "Sex at birth",
    "route": "Route of the first dosing",
    "setting": "Setting of the first dosing",
    "diagnosis": "Diagnosis (ICD-10 category)",
}
NOT_RECORDED = "Not recorded"
# ICD-10-CM category titles (public, CMS/NCHS) of the categories the network treats.
DIAGNOSIS_CATEGORIES = {
    "F32": "F32 Major depressive disorder, single episode",
    "F33": "F33 Major depressive disorder, recurrent",
    "F41": "F41 Other anxiety disorders",
    "F43": "F43 Reaction to severe stress, and adjustment disorders",
    "Z73": "Z73 Problems related to life management difficulty",
}
# Dosing numbers past this one are grouped ("dosing 7 or later"): programs run 6 to 18.
LAST_SINGLE_DOSING = 6
ALL_DOSINGS = "all_dosings"


@dataclass(frozen=True)
class ReportFilter:
    """What the report covers."""

    instrument: str
    cohort: str = ""  # ICD-10 prefix such as "F33"; empty: every patient
    date_from: date | None = None  # baseline given on or after
    date_to: date | None = None  # baseline given on or before
    completers: str = "end"  # a key of COMPLETERS
    burnout_at_baseline_only: bool = False  # MBI-GS: the burnout article's eligibility
    breakdown: str = ""  # a key of BREAKDOWNS


@dataclass(frozen=True)
class Cell:
    """One number of the report (see the module docstring)."""

    metric: str
    of: str
    point: str
    group: str
    value: Fraction | float | int | None
    numerator: int | None = None
    denominator: int | None = None
    low: float | None = None
    high: float | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(metric, of, point, group)."""
        return self.metric, self.of, self.point, self.group


@dataclass(frozen=True)
class Metric:
    """How a metric is shown: its label and its kind (rate, per100, mean, change,
    effect, count)."""

    label: str
    kind: str


METRICS = {
    "with_baseline": Metric("Patients with a baseline", "count"),
    "n": Metric("Patients", "count"),
    "mean": Metric("Mean", "mean"),
    "baseline_mean": Metric("Mean at baseline, same patients", "mean"),
    "change_of_mean": Metric("Change of the mean", "change"),
    "mean_individual_change": Metric("Mean of each patient's % change", "change"),
    "effect_size": Metric("Effect size d_z", "effect"),
    "response": Metric("Response", "rate"),
    "remission": Metric("Remission", "rate"),
    "meaningful_change": Metric("Meaningful change", "rate"),
    "improved": Metric("Any improvement", "rate"),
    "sleep_disturbed": Metric("Sleep disturbed at baseline (item 3 above 0)", "rate"),
    "sleep_response": Metric("Sleep response", "rate"),
    "ideation_at_baseline": Metric("Suicidal ideation at baseline (item 9 above 0)", "rate"),
    "ideation_improved": Metric("Suicidal ideation improved", "rate"),
    "ideation_resolved": Metric("Suicidal ideation resolved", "rate"),
    "improved_on_at_least": Metric("Improved on at least this many subscales", "rate"),
    "burnout_threshold": Metric("Meeting the burnout threshold", "rate"),
    "burnout_threshold_at_baseline": Metric("Meeting the burnout threshold at baseline, "
                                            "same patients", "rate"),
    "below_threshold": Metric("Below the burnout threshold", "rate"),
    "left_burnout": Metric("Left the burnout threshold (of those meeting it at baseline)",
                           "rate"),
    "profile": Metric("Burnout profile", "rate"),
    "transition": Metric("Profile at baseline -> profile after dosing 6", "rate"),
    "left_burnout_profile": Metric("No longer in the Burnout profile", "rate"),
    "dosings": Metric("Dosings recorded", "count"),
    "administered": Metric("Dosings administered", "count"),
    "held": Metric("Held dosings", "per100"),
    "bp_flag": Metric("Blood-pressure rise flags", "per100"),
    "ae_any": Metric("Dosings with any adverse event", "rate"),
    "ae_serious": Metric("Dosings with a serious adverse event", "rate"),
    "ae_kind": Metric("Dosings with this adverse event", "rate"),
}


def point_label(point: str) -> str:
    """A measurement point or dosing number in words."""
    if point in POINTS:
        return POINTS[point]
    if point == ALL_DOSINGS:
        return "All dosings"
    if point.startswith("dosing_"):
        number = point.removeprefix("dosing_")
        return f"Dosing {number.rstrip('+')} or later" if number.endswith("+") \
            else f"Dosing {number}"
    return point


def dosing_point(number: int) -> str:
    """The point of a dosing number (numbers past LAST_SINGLE_DOSING grouped)."""
    return f"dosing_{LAST_SINGLE_DOSING + 1}+" if number > LAST_SINGLE_DOSING \
        else f"dosing_{number}"


def age_bands(edges: tuple[int, ...]) -> list[tuple[int | None, int | None, str]]:
    """(lowest age, highest age, label) per band from the lower edges of the bands:
    (18, 25, 35) gives "Under 18", "18-24", "25-34", "35 and over"."""
    bands: list[tuple[int | None, int | None, str]] = [(None, edges[0] - 1,
                                                        f"Under {edges[0]}")]
    for low, high in zip(edges, edges[1:], strict=False):
        bands.append((low, high - 1, f"{low}-{high - 1}"))
    bands.append((edges[-1], None, f"{edges[-1]} and over"))
    return bands


@dataclass(frozen=True)
class Definitions:
    """Everything the report's definitions depend on: scoring settings and the age bands."""

    settings: scoring.Settings = scoring.DEFAULT_SETTINGS
    age_band_edges: tuple[int, ...] = (18, 25, 35, 45, 55, 65)


def definitions_text(instrument: str, d: Definitions) -> dict[str, str]:
    """Metric -> its definition in words for ``instrument`` with the clinic's settings;
    the report's notes and the published summary's methods are written from these."""
    s = d.settings
    half = f"{float(scoring.exact(s.response_reduction)) * 100:g}%"
    text = {
        "change_of_mean": "the mean at the point minus the same patients' mean at baseline, "
                          "divided by that baseline mean",
        "mean_individual_change": "the average of each patient's own % change (patients "
                                  "with a baseline above 0)",
        "effect_size": "Cohen's d_z: the mean change from baseline divided by the standard "
                       "deviation of the changes (improvement positive), with an exact 95% "
                       "interval from the noncentral t distribution",
        "rates": "95% intervals of rates are Wilson score intervals",
    }
    if instrument == MBIGS.name:
        text.update({
            "response": f"a subscale mean better by {s.mbi_response_points} point or more "
                        "(exhaustion and cynicism down, professional efficacy up), as in the "
                        "Mindbloom burnout preprint (Research Square, "
                        "doi:10.21203/rs.3.rs-10020276/v1)",
            "improved": "a subscale mean better by any amount",
            "burnout_threshold": f"exhaustion >= {s.mbi_exhaustion_at_least} and (cynicism "
                                 f">= {s.mbi_cynicism_at_least} or professional efficacy <= "
                                 f"{s.mbi_efficacy_at_most}), the eligibility threshold of "
                                 "the Mindbloom burnout preprint",
            "profile": "burnout profiles after Leiter & Maslach (2016): exhaustion high at "
                       f">= {s.mbi_profile_exhaustion_high}, cynicism high at >= "
                       f"{s.mbi_profile_cynicism_high}, professional efficacy low at <= "
                       f"{s.mbi_profile_efficacy_low}; high exhaustion and cynicism = "
                       "Burnout, high exhaustion only = Overextended, high cynicism only = "
                       "Disengaged, neither with low efficacy = Ineffective, otherwise "
                       "Engaged",
        })
        return text
    remission = s.remission_below(instrument)
    text.update({
        "response": f"a total at least {half} below baseline",
        "remission": f"a total below {remission}",
        "meaningful_change": f"a total at least {s.meaningful_change(instrument)} points "
                             "below baseline (" + MEANINGFUL_SOURCES[instrument] + ")",
        "improved": "a total below baseline by any amount",
    })
    if instrument == "PHQ-9":
        text.update({
            "sleep_response": f"PHQ-9 item 3 (sleep) better by {s.sleep_response_points} "
                              "point or more, among patients with item 3 above 0 at "
                              "baseline",
            "ideation_improved": "PHQ-9 item 9 lower than at baseline, among patients with "
                                 "item 9 above 0 at baseline",
            "ideation_resolved": "PHQ-9 item 9 answered 0, among patients with item 9 above "
                                 "0 at baseline",
        })
    return text


MEANINGFUL_SOURCES = {
    "PHQ-9": "Löwe et al., Medical Care 2004",
    "GAD-7": "Toussaint et al., Journal of Affective Disorders 2020",
    "PCL-5": "the National Center for PTSD's guidance on the PCL-5",
}


@dataclass
class OutcomeReport:
    """The report: its filter, definitions, subgroups and cells."""

    filter: ReportFilter
    definitions: Definitions
    groups: list[str] = field(default_factory=list)  # subgroup labels, "" first
    cells: dict[tuple[str, str, str, str], Cell] = field(default_factory=dict)

    def add(self, cell: Cell) -> None:
        """Add (or replace) a cell."""
        self.cells[cell.key] = cell

    def get(self, metric: str, point: str, of: str = "", group: str = "") -> Cell | None:
        """The cell, or None when the report has no such number."""
        return self.cells.get((metric, of, point, group))

    @property
    def completer_label(self) -> str:
        """Who is counted, in words."""
        return COMPLETERS[self.filter.completers]

    @property
    def is_mbi(self) -> bool:
        """MBI-GS reports by subscale and profile instead of by total."""
        return self.filter.instrument == MBIGS.name

    @property
    def points(self) -> list[str]:
        """The later measurement points anyone in the cohort has, in order."""
        have = {c.point for c in self.cells.values() if c.metric == "n"}
        return [p for p in LATER_POINTS if p in have]

    @property
    def dosing_points(self) -> list[str]:
        """The dosing numbers of the safety section, in order, then all dosings."""
        have = {c.point for c in self.cells.values() if c.metric == "dosings"}
        numbered = sorted((p for p in have if p != ALL_DOSINGS),
                          key=lambda p: int(p.removeprefix("dosing_").rstrip("+")))
        return numbered + ([ALL_DOSINGS] if ALL_DOSINGS in have else [])

    @property
    def end_point(self) -> str:
        """The point profiles move to in the transition table."""
        return END_POINT

    def count(self, metric: str, point: str, of: str = "", group: str = "") -> int:
        """The numerator of a cell, 0 when absent."""
        cell = self.get(metric, point, of, group)
        return cell.numerator or 0 if cell else 0
