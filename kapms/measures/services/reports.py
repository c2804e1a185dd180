"""Network outcome reports: the tables the source articles publish, built in SQL (no Flask).

For one instrument, a cohort (diagnosis-code prefix, or everyone) and a date range (on the
baseline date), the report gives per measurement point the number of patients, mean score
and change from baseline, response, remission, PCL-5 meaningful change, the PHQ-9 item 3
sleep response, and for MBI-GS the subscale means, per-subscale response, the improved
on >= 1/2/3 subscales counts and the burnout-threshold share.

How it is computed: two aggregate queries. One over the cohort's baselines; one joining
every later administration to the same patient's baseline and grouping by point. Both
return SUMs and COUNTs only (of the per-administration derived columns stored at write
time, see models.py); Python divides them exactly with Fractions, so no average is
rounded twice and the numbers are the same on SQLite and PostgreSQL.

Administrations entered in error (``voided_at`` set) are left out on both sides of the
join, so a voided baseline takes its patient out of the cohort until it is recorded again.

Definitions (the sources' conventions):
- completers only by default: patients with a baseline and an "after dosing 6" of the
  instrument (stored on the baseline row as ``end_recorded``); every rate shows its
  denominator;
- the date range applies to the baseline date;
- "change of the mean" is (mean now - mean at baseline of the same patients) / mean at
  baseline, as source 000 reports "percent change in mean item 3 score"; the mean of each
  patient's own percent change (baseline above 0) is shown next to it;
- sleep response (source 000) counts only patients with item 3 above 0 at baseline
  ("clients reporting sleep disturbances at baseline");
- response, remission and subscale response use kapms.measures.scoring.Settings, compared
  exactly in integers (subscales are stored as integer sums: mean >= x  <=>  sum >= x * n).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, case, func, literal, select

from kapms.audit.services import record
from kapms.errors import PermissionDenied, RuleViolation
from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS, MBIGS
from kapms.measures.models import POINTS, SUBSCALE_SUM_COLUMNS, Administration
from kapms.patients.models import CareTeamMember, Patient

LATER_POINTS = ("after_dosing_2", "after_dosing_4", "after_dosing_6", "follow_up")
SUBSCALES = tuple(MBIGS.subscales)
_ITEMS = {name: len(MBIGS.subscales[name]) for name in SUBSCALES}


@dataclass(frozen=True)
class ReportFilter:
    """What the report covers."""

    instrument: str
    cohort: str = ""  # ICD-10 prefix such as "F33"; empty: every patient
    date_from: date | None = None  # baseline given on or after
    date_to: date | None = None  # baseline given on or before
    completers_only: bool = True
    burnout_at_baseline_only: bool = False  # MBI-GS: source 002's eligibility rule


@dataclass
class Rate:
    """A count out of a denominator."""

    count: int
    n: int

    @property
    def fraction(self) -> Fraction | None:
        """count / n exactly, None when n is 0."""
        return Fraction(self.count, self.n) if self.n else None


@dataclass
class Baseline:
    """The cohort at baseline."""

    n: int
    mean_total: Fraction | None = None
    sleep_n: int = 0  # item 3 above 0
    mean_item3: Fraction | None = None  # over sleep_n
    subscale_means: dict[str, Fraction | None] = field(default_factory=dict)
    burnout: Rate | None = None


@dataclass
class PointRow:
    """One later measurement point, paired with the same patients' baselines."""

    point: str
    n: int
    mean_total: Fraction | None = None
    mean_baseline_total: Fraction | None = None
    # mean of each patient's own % change (patients with a baseline above 0), a fraction
    mean_individual_change: Fraction | None = None
    individual_change_n: int = 0
    response: Rate | None = None
    remission: Rate | None = None
    meaningful_change: Rate | None = None  # PCL-5
    sleep_response: Rate | None = None  # PHQ-9 item 3, among item 3 > 0 at baseline
    mean_item3: Fraction | None = None
    mean_baseline_item3: Fraction | None = None
    subscale_means: dict[str, Fraction | None] = field(default_factory=dict)
    subscale_baseline_means: dict[str, Fraction | None] = field(default_factory=dict)
    subscale_response: dict[str, Rate] = field(default_factory=dict)
    improved_at_least: dict[int, Rate] = field(default_factory=dict)  # 1, 2, 3 subscales
    burnout: Rate | None = None  # MBI-GS threshold met at this point
    burnout_at_baseline: Rate | None = None

    @property
    def label(self) -> str:
        """The point in words."""
        return POINTS[self.point]

    @property
    def change_of_mean(self) -> Fraction | None:
        """(mean now - mean at baseline) / mean at baseline, as a fraction."""
        return _relative(self.mean_total, self.mean_baseline_total)

    @property
    def item3_change_of_mean(self) -> Fraction | None:
        """Change of the mean PHQ-9 item 3 among the sleep-disturbed."""
        return _relative(self.mean_item3, self.mean_baseline_item3)

    def subscale_change_of_mean(self, name: str) -> Fraction | None:
        """Change of the subscale mean from the same patients' baseline."""
        return _relative(self.subscale_means.get(name), self.subscale_baseline_means.get(name))


@dataclass
class OutcomeReport:
    """Everything the report page, the CSV and the PDF show."""

    filter: ReportFilter
    with_baseline: int  # patients in the cohort with a baseline (before the completer rule)
    baseline: Baseline
    points: list[PointRow]

    @property
    def is_mbi(self) -> bool:
        """MBI-GS reports by subscale instead of by total."""
        return self.filter.instrument == MBIGS.name

    def row(self, point: str) -> PointRow | None:
        """The row of ``point`` if any patient has it."""
        return next((r for r in self.points if r.point == point), None)


def _relative(now: Fraction | None, before: Fraction | None) -> Fraction | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def _mean(total, n) -> Fraction | None:
    return None if total is None or not n else Fraction(int(total), int(n))


def _count(condition):
    """SQL: how many rows meet ``condition`` (FILTER: cheaper than SUM(CASE) per row)."""
    return func.count().filter(condition)


def _sum_if(value, condition):
    """SQL: the sum of ``value`` over rows meeting ``condition`` (NULL when none)."""
    return func.sum(value).filter(condition)


def _cohort_conditions(actor, flt: ReportFilter, base):
    """WHERE conditions on the baseline rows ``base`` selecting the cohort."""
    # live rows only: an administration entered in error counts nowhere (models.LIVE; the
    # same condition as the partial covering index, so the index still answers the query)
    conditions = [base.c.instrument == flt.instrument, base.c.point == "baseline",
                  base.c.voided_at.is_(None)]
    if flt.date_from:
        conditions.append(base.c.given_on >= flt.date_from)
    if flt.date_to:
        conditions.append(base.c.given_on <= flt.date_to)
    if not actor.has_role("admin"):
        # clinicians: only the patients on their care team. IN (not a correlated EXISTS)
        # lets the database start from the care team's few patients: 40x faster.
        conditions.append(base.c.patient_id.in_(
            select(CareTeamMember.patient_id).where(CareTeamMember.user_id == actor.id,
                                                    CareTeamMember.active.is_(True))))
    if flt.burnout_at_baseline_only and flt.instrument == MBIGS.name:
        conditions.append(base.c.burnout.is_(True))
    if flt.cohort:
        prefix = flt.cohort.replace("%", "").replace("_", "") + "%"
        conditions.append(base.c.patient_id.in_(
            select(Patient.id).where(Patient.diagnosis_code.like(prefix))))
    return conditions


def check_filter(flt: ReportFilter) -> None:
    """RuleViolation for a filter the report cannot run."""
    if flt.instrument not in INSTRUMENTS:
        raise RuleViolation(f"Unknown instrument {flt.instrument!r}.", field="instrument")
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise RuleViolation("The start date is after the end date.", field="date_to")
    if len(flt.cohort) > 10:
        raise RuleViolation("A diagnosis prefix is at most 10 characters.", field="cohort")


def build_report(session, actor, flt: ReportFilter, *, settings=scoring.DEFAULT_SETTINGS,
                 audit_action: str = "view") -> OutcomeReport:
    """The outcome report for ``flt`` over the patients ``actor`` may see (admin: the whole
    network; a clinician: their care-team patients). The read is audited (``audit_action``
    "export" for CSV/PDF downloads)."""
    if not actor.has_role("admin", "therapist", "prescriber"):
        raise PermissionDenied("Outcome reports are clinical data.")
    check_filter(flt)
    A = Administration.__table__
    base, cur = A.alias("base"), A.alias("cur")
    cohort = _cohort_conditions(actor, flt, base)
    with_baseline = session.scalar(select(func.count()).select_from(base).where(*cohort)) or 0
    if flt.completers_only:
        # stored on the baseline at write time (models.Administration.end_recorded)
        cohort.append(base.c.end_recorded.is_(True))

    baseline = _baseline(session, flt, base, cohort)
    pair = and_(cur.c.patient_id == base.c.patient_id, cur.c.instrument == base.c.instrument,
                cur.c.point.in_(LATER_POINTS), cur.c.voided_at.is_(None))
    columns = _point_columns(flt.instrument, base, cur, settings)
    query = (select(cur.c.point, func.count().label("n"), *columns)
             .select_from(base.join(cur, pair)).where(*cohort).group_by(cur.c.point))
    rows = {r.point: r for r in session.execute(query)}
    points = [_point_row(flt.instrument, rows[p]) for p in LATER_POINTS if p in rows]
    record(session, actor, audit_action, "outcome_report", flt.instrument,
           detail=f"cohort={flt.cohort or 'all'} from={flt.date_from} to={flt.date_to} "
                  f"completers={flt.completers_only} burnout_only={flt.burnout_at_baseline_only} "
                  f"n={baseline.n}")
    return OutcomeReport(flt, with_baseline, baseline, points)


def _baseline(session, flt, base, cohort) -> Baseline:
    cols = [func.count().label("n"), func.sum(base.c.total).label("total")]
    if flt.instrument == "PHQ-9":
        # item 3 is 0 for the patients not counted, so the plain sum is the sum over sleep_n
        cols += [_count(base.c.item3 > 0).label("sleep_n"), func.sum(base.c.item3).label("item3")]
    if flt.instrument == MBIGS.name:
        cols += [func.sum(base.c[SUBSCALE_SUM_COLUMNS[s]]).label(s) for s in SUBSCALES]
        cols.append(_count(base.c.burnout.is_(True)).label("burnout"))
    row = session.execute(select(*cols).select_from(base).where(*cohort)).one()
    n = int(row.n or 0)
    result = Baseline(n=n, mean_total=_mean(row.total, n))
    if flt.instrument == "PHQ-9":
        result.sleep_n = int(row.sleep_n or 0)
        result.mean_item3 = _mean(row.item3, result.sleep_n)
    if flt.instrument == MBIGS.name:
        result.subscale_means = {s: _mean(getattr(row, s), n * _ITEMS[s]) for s in SUBSCALES}
        result.burnout = Rate(int(row.burnout or 0), n)
    return result


def _point_columns(instrument, base, cur, settings):
    """The aggregate columns of the per-point query for ``instrument``."""
    cols = []
    if instrument != MBIGS.name:
        r = scoring.exact(settings.response_reduction)
        reduction = base.c.total - cur.c.total
        cols += [
            func.sum(cur.c.total).label("total"), func.sum(base.c.total).label("base_total"),
            # per-patient relative change; a float, rounded to 9 places in Python
            _sum_if((cur.c.total - base.c.total) * 1.0 / base.c.total,
                    base.c.total > 0).label("relative_sum"),
            _count(base.c.total > 0).label("relative_n"),
            # reduction / baseline >= r, in integers: reduction * den >= num * baseline
            _count(and_(base.c.total > 0, reduction * r.denominator
                        >= base.c.total * r.numerator)).label("response"),
            _count(cur.c.total < settings.remission_below(instrument)).label("remission"),
        ]
        if instrument == "PCL-5":
            cols.append(_count(reduction >= settings.pcl5_meaningful_change).label("meaningful"))
        if instrument == "PHQ-9":
            disturbed = base.c.item3 > 0
            cols += [
                _count(disturbed).label("sleep_n"),
                _count(and_(disturbed, base.c.item3 - cur.c.item3
                            >= settings.sleep_response_points)).label("sleep_response"),
                _sum_if(cur.c.item3, disturbed).label("item3"),
                func.sum(base.c.item3).label("base_item3"),  # 0 for the others
            ]
        return cols
    p = scoring.exact(settings.mbi_response_points)
    responded = {}
    for s in SUBSCALES:
        column = SUBSCALE_SUM_COLUMNS[s]
        better = (cur.c[column] - base.c[column]) if s == "professional_efficacy" \
            else (base.c[column] - cur.c[column])
        # mean change >= p  <=>  sum change * den >= num * items
        responded[s] = better * p.denominator >= p.numerator * _ITEMS[s]
        cols += [func.sum(cur.c[column]).label(s), func.sum(base.c[column]).label("base_" + s),
                 _count(responded[s]).label("resp_" + s)]
    improved = sum((case((responded[s], 1), else_=0) for s in SUBSCALES), literal(0))
    cols += [_count(improved >= k).label(f"improved_{k}") for k in (1, 2, 3)]
    cols += [_count(cur.c.burnout.is_(True)).label("burnout"),
             _count(base.c.burnout.is_(True)).label("base_burnout")]
    return cols


def _point_row(instrument, row) -> PointRow:
    n = int(row.n)
    result = PointRow(point=row.point, n=n)
    if instrument != MBIGS.name:
        result.mean_total = _mean(row.total, n)
        result.mean_baseline_total = _mean(row.base_total, n)
        result.individual_change_n = int(row.relative_n)
        if result.individual_change_n and row.relative_sum is not None:
            # the float sum carries binary noise; 9 places is far below what is shown
            exact_enough = Fraction(Decimal(repr(round(float(row.relative_sum), 9))))
            result.mean_individual_change = exact_enough / result.individual_change_n
        result.response = Rate(int(row.response), n)
        result.remission = Rate(int(row.remission), n)
        if instrument == "PCL-5":
            result.meaningful_change = Rate(int(row.meaningful), n)
        if instrument == "PHQ-9":
            sleep_n = int(row.sleep_n)
            result.sleep_response = Rate(int(row.sleep_response), sleep_n)
            result.mean_item3 = _mean(row.item3 or 0, sleep_n)
            result.mean_baseline_item3 = _mean(row.base_item3, sleep_n)
        return result
    for s in SUBSCALES:
        result.subscale_means[s] = _mean(getattr(row, s), n * _ITEMS[s])
        result.subscale_baseline_means[s] = _mean(getattr(row, "base_" + s), n * _ITEMS[s])
        result.subscale_response[s] = Rate(int(getattr(row, "resp_" + s)), n)
    result.improved_at_least = {k: Rate(int(getattr(row, f"improved_{k}")), n) for k in (1, 2, 3)}
    result.burnout = Rate(int(row.burnout), n)
    result.burnout_at_baseline = Rate(int(row.base_burnout), n)
    return result
