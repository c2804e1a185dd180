"""The network outcome report, built with SQL aggregates (no Flask).

For one instrument, a cohort (diagnosis-code prefix, dates of the baseline, completer
definition, optionally the burnout threshold at baseline) and optionally a subgroup
breakdown, :func:`build_report` fills an :class:`~kapms.measures.outcomes.OutcomeReport`
with cells (see kapms/measures/outcomes.py): the baseline; per later point the trajectory
(means, change of the mean, effect size), the rates (response, remission, meaningful
change, any improvement; sleep and suicidal-ideation sub-reports on PHQ-9; subscales,
threshold and profiles on MBI-GS); the MBI-GS profile transitions; and the safety section
from the cohort's dosing records.

How: the cohort's baselines (conditions, completer rule, subgroup) are written once per
report into a small temporary table (``_COHORT``), then a handful of GROUP BY queries,
each returning COUNTs and integer SUMs only, read it with the per-administration values
stored at write time (models.py): every later administration joined to its patient's
row there, and the dosing records (read through services/care_data.py, in the order of
their stored number). Per-patient changes appear only inside SUM()s, so no patient's row
ever reaches Python, whatever the network's size. Python divides exactly (Fractions)
and asks kapms.measures.stats (SciPy) for the intervals and effect sizes. Thresholds are
compared in integers (a mean >= x  <=>  sum * den >= num * items), exactly like the
scoring library. Why each step is shaped as it is: bench/MEASURES.md.

Administrations entered in error are left out on both sides of the join.
"""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    extract,
    func,
    insert,
    literal,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from kapms.audit.services import record
from kapms.errors import PermissionDenied, RuleViolation
from kapms.measures import scoring, stats
from kapms.measures.instruments import INSTRUMENTS, MBIGS, PHQ9
from kapms.measures.models import END_POINT, SUBSCALE_SUM_COLUMNS, Administration
from kapms.measures.outcomes import (
    ALL_DOSINGS,
    BREAKDOWNS,
    COMPLETERS,
    DIAGNOSIS_CATEGORIES,
    LATER_POINTS,
    NOT_RECORDED,
    SUBSCALES,
    Cell,
    Definitions,
    OutcomeReport,
    ReportFilter,
    age_bands,
    dosing_point,
)
from kapms.measures.services import care_data
from kapms.patients.models import SEX_AT_BIRTH, CareTeamMember, Patient

_ITEMS = {name: len(MBIGS.subscales[name]) for name in SUBSCALES}
# sign of a good change per subscale (professional efficacy should go up)
_BETTER = {"exhaustion": -1, "cynicism": -1, "professional_efficacy": 1}
_MISSING = "~"  # the key of patients without the subgroup's attribute ("" is everyone)


def check_filter(flt: ReportFilter) -> None:
    """RuleViolation for a filter the report cannot run."""
    if flt.instrument not in INSTRUMENTS:
        raise RuleViolation(f"Unknown instrument {flt.instrument!r}.", field="instrument")
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise RuleViolation("The start date is after the end date.", field="date_to")
    if len(flt.cohort) > 10:
        raise RuleViolation("A diagnosis prefix is at most 10 characters.", field="cohort")
    if flt.completers not in COMPLETERS:
        raise RuleViolation("Choose who counts as a completer.", field="completers")
    if flt.breakdown not in BREAKDOWNS:
        raise RuleViolation("Choose a subgroup breakdown from the list.", field="breakdown")


def _count(condition):
    """SQL: how many rows meet ``condition`` (FILTER: cheaper than SUM(CASE) per row)."""
    return func.count().filter(condition)


def _sum_if(value, condition):
    """SQL: the sum of ``value`` over rows meeting ``condition`` (NULL when none)."""
    return func.sum(value).filter(condition)


def _at_least(total, items: int, bound) -> object:
    """SQL: total / items >= bound, exactly, in integers."""
    b = scoring.exact(bound)
    return total * b.denominator >= b.numerator * items


def _at_most(total, items: int, bound) -> object:
    """SQL: total / items <= bound, exactly, in integers."""
    b = scoring.exact(bound)
    return total * b.denominator <= b.numerator * items


# The report's patients, written once per report: one row per baseline the cohort's
# conditions select, with its subgroup key, whether it counts (the completer rule) and the
# baseline values the sections read. Every section joins this small table instead of
# repeating the conditions, the patients join and the key (which may read the care
# records) per joined row: the key is computed once per patient, and the lookups of the
# points and dosings go to a table of a few columns. Temporary: private to the database
# connection, dropped when the report is built.
_COHORT = Table(
    "outcome_report_cohort", MetaData(),
    Column("patient_id", Integer, primary_key=True, autoincrement=False),
    Column("grp", String(200), nullable=False),
    # the subgroup as a number (its place in _Cohort.groups): sorts and compares faster
    Column("code", Integer, nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("total", Integer), Column("item3", Integer), Column("item9", Integer),
    *(Column(name, Integer) for name in SUBSCALE_SUM_COLUMNS.values()),
    Column("burnout", Boolean),
    prefixes=["TEMPORARY"])
_BASELINE_VALUES = ("total", "item3", "item9", *SUBSCALE_SUM_COLUMNS.values(), "burnout")


class _day_number(FunctionElement):  # noqa: N801 - an SQL function, named as one
    """SQL: a date as the integer yyyymmdd. Whole years between two dates are the
    difference of their day numbers divided by 10,000 (integer division): one
    conversion per date instead of three extracts (the age band breakdown's cost).
    SQLite stores dates as ISO text, PostgreSQL as dates: a spelling for each."""

    type = Integer()
    inherit_cache = True


@compiles(_day_number)
def _day_number_any(element, compiler, **kw):
    day, = element.clauses
    return compiler.process(extract("year", day) * 10000 + extract("month", day) * 100
                            + extract("day", day), **kw)


@compiles(_day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    return compiler.process(cast(func.strftime("%Y%m%d", *element.clauses), Integer), **kw)


@compiles(_day_number, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    return compiler.process(cast(func.to_char(*element.clauses, "YYYYMMDD"), Integer), **kw)


class _Cohort:
    """The baseline rows the report starts from (their conditions, the completer rule and
    the subgroup key) and the table they are written to (``self.base``)."""

    def __init__(self, actor, flt: ReportFilter, d: Definitions):
        self.flt, self.definitions = flt, d
        self.baseline = Administration.__table__.alias("baseline")
        baseline = self.baseline
        # live rows only: an administration entered in error counts nowhere (the same
        # condition as the covering index's last column, so the index still answers)
        self.conditions = [baseline.c.instrument == flt.instrument,
                           baseline.c.point == "baseline", baseline.c.voided_at.is_(None)]
        if flt.date_from:
            self.conditions.append(baseline.c.given_on >= flt.date_from)
        if flt.date_to:
            self.conditions.append(baseline.c.given_on <= flt.date_to)
        if not actor.has_role("admin"):
            # clinicians: only the patients on their care team. IN (not a correlated
            # EXISTS) lets the database start from the care team's few patients: 40x faster.
            self.conditions.append(baseline.c.patient_id.in_(
                select(CareTeamMember.patient_id).where(CareTeamMember.user_id == actor.id,
                                                        CareTeamMember.active.is_(True))))
        if flt.burnout_at_baseline_only and flt.instrument == MBIGS.name:
            self.conditions.append(baseline.c.burnout.is_(True))
        if flt.cohort:
            prefix = flt.cohort.replace("%", "").replace("_", "") + "%"
            self.conditions.append(baseline.c.patient_id.in_(
                select(Patient.id).where(Patient.diagnosis_code.like(prefix))))
        # stored on the baseline at write time (models.Administration)
        self.completer = {"end": baseline.c.end_recorded.is_(True),
                          "all_points": baseline.c.all_points_recorded.is_(True),
                          "everyone": true()}[flt.completers]
        self.base = _COHORT
        # the subgroup (its code) of a row of the cohort table, what a query groups by
        # for it, and the subgroups by code (written by write)
        self.key = self.base.c.code if flt.breakdown else literal(0)
        self.group_by = (self.base.c.code,) if flt.breakdown else ()
        self.groups = [""]
        self.counted = self.base.c.counted.is_(True)

    def _key(self, breakdown: str):
        """(SQL of the baseline row's subgroup label or code - for "age" the age, banded
        by write -, whether it reads the patients table)."""
        baseline = self.baseline
        if breakdown == "":
            return literal(""), False
        if breakdown == "sex":
            return func.coalesce(func.nullif(Patient.sex_at_birth, ""), _MISSING), True
        if breakdown == "diagnosis":
            return func.coalesce(func.nullif(func.substr(Patient.diagnosis_code, 1, 3), ""),
                                 _MISSING), True
        if breakdown in ("route", "setting"):
            return func.coalesce(care_data.first_dosing(breakdown, baseline.c.patient_id),
                                 _MISSING), False
        # age at the baseline date, in whole years (banded by write)
        return (_day_number(baseline.c.given_on) - _day_number(Patient.date_of_birth)) // 10000, \
            True

    def _age_band(self, age):
        """SQL: the age band (its label) of an age in whole years."""
        bands = age_bands(self.definitions.age_band_edges)
        return case(*((age <= high, label) for _, high, label in bands[:-1]),
                    else_=bands[-1][2])

    def write(self, session) -> None:
        """Write the cohort's baselines into the temporary table (one INSERT ... SELECT)."""
        baseline = self.baseline
        key, needs_patient = self._key(self.flt.breakdown)
        source = baseline.join(Patient, Patient.id == baseline.c.patient_id) \
            if needs_patient else baseline
        rows = (select(baseline.c.patient_id.label("patient_id"), key.label("grp"),
                       literal(0).label("code"), self.completer.label("counted"),
                       *(baseline.c[name] for name in _BASELINE_VALUES))
                .select_from(source).where(*self.conditions))
        if self.flt.breakdown == "age":
            # the age once per patient: the bands' CASE would compute it again per band
            ages = rows.cte("ages").prefix_with("MATERIALIZED")
            rows = select(ages.c.patient_id, self._age_band(ages.c.grp), ages.c.code,
                          ages.c.counted, *(ages.c[name] for name in _BASELINE_VALUES))
        self.drop(session)
        _COHORT.create(session.connection())
        session.execute(insert(_COHORT).from_select(
            ["patient_id", "grp", "code", "counted", *_BASELINE_VALUES], rows))
        if self.flt.breakdown:
            self.groups = sorted(session.scalars(select(_COHORT.c.grp).distinct()))
            if len(self.groups) > 1:
                session.execute(update(_COHORT).values(code=case(
                    {g: code for code, g in enumerate(self.groups)}, value=_COHORT.c.grp)))
        # its size, so that the planner starts from a care team's few patients but
        # reads a whole network's dosings in one pass
        session.execute(text(f"ANALYZE {_COHORT.name}"))

    @staticmethod
    def drop(session) -> None:
        """Drop the temporary table (if this connection has one)."""
        session.execute(text(f"DROP TABLE IF EXISTS {_COHORT.name}"))


def _group_label(breakdown: str, code: str) -> str:
    """The subgroup label of a key value ("" is everyone)."""
    if code == "" or breakdown == "age":
        return code
    if code in (_MISSING, ""):
        return NOT_RECORDED
    labels = {"sex": SEX_AT_BIRTH, "route": care_data.ROUTE_LABELS,
              "setting": care_data.SETTING_LABELS, "diagnosis": DIAGNOSIS_CATEGORIES}
    return labels[breakdown].get(code, code)


def build_report(session, actor, flt: ReportFilter, *, definitions: Definitions | None = None,
                 audit_action: str = "view") -> OutcomeReport:
    """The outcome report for ``flt`` over the patients ``actor`` may see (admin: the whole
    network; a clinician: their care-team patients). The read is audited (``audit_action``
    "export" for downloads and published summaries)."""
    if not actor.has_role("admin", "therapist", "prescriber"):
        raise PermissionDenied("Outcome reports are clinical data.")
    check_filter(flt)
    d = definitions or Definitions()
    cohort = _Cohort(actor, flt, d)
    report = OutcomeReport(flt, d)
    sections = [_baseline, _points, _safety]
    if flt.instrument == MBIGS.name:
        sections.insert(2, _profiles)
    labels = {"": ""}
    cohort.write(session)
    for section in sections:
        for cell in section(session, cohort):
            label = labels.get(cell.group)
            if label is None:
                label = labels[cell.group] = _group_label(flt.breakdown, cell.group)
            report.add(Cell(cell.metric, cell.of, cell.point, label, cell.value,
                            cell.numerator, cell.denominator, cell.low, cell.high))
    # (after an error the caller's rollback takes it away on PostgreSQL; on SQLite the
    # next report's write drops it first)
    cohort.drop(session)
    if report.get("n", "baseline") is None:  # nobody: say so with zeros
        for metric in ("with_baseline", "n"):
            report.add(Cell(metric, "", "baseline", "", 0, 0))
    report.groups = sorted(set(labels.values()), key=lambda g: (g != "", g == NOT_RECORDED, g))
    n = report.count("n", "baseline")
    record(session, actor, audit_action, "outcome_report", flt.instrument,
           detail=f"cohort={flt.cohort or 'all'} from={flt.date_from} to={flt.date_to} "
                  f"completers={flt.completers} burnout_only={flt.burnout_at_baseline_only} "
                  f"breakdown={flt.breakdown or 'none'} n={n}")
    return report


def _rows(session, query, keys: tuple[str, ...], c: _Cohort) -> list[dict]:
    """The query's rows as dicts, their subgroup code ("grp") read as the subgroup; with
    a breakdown, also the rows of everyone (group ""), summed over the subgroups: every
    column is a COUNT or a SUM, so they add up."""
    rows = [{**row._mapping, "grp": c.groups[int(row.grp)]} for row in session.execute(query)]
    if not c.flt.breakdown:
        return rows
    everyone: dict[tuple, dict] = {}
    for row in rows:
        total = everyone.setdefault(tuple(row[k] for k in keys),
                                    {**{k: row[k] for k in keys}, "grp": ""})
        for name, value in row.items():
            if name not in keys and name != "grp":
                total[name] = (total.get(name) or 0) + (value or 0)
    return rows + list(everyone.values())


def _rate(metric, of, point, group, k, n) -> Cell:
    """A rate cell k/n with its Wilson interval (no interval when n is 0)."""
    k, n = int(k or 0), int(n or 0)
    interval = stats.wilson(k, n)
    return Cell(metric, of, point, group, Fraction(k, n) if n else None, k, n,
                *(interval or (None, None)))


def _mean(metric, of, point, group, total, n, items: int = 1, squares=None) -> Cell:
    """A mean cell total / (n * items) (items: subscale means from sums), with its t
    interval when the sum of squares is given."""
    n = int(n or 0)
    if not n or total is None:
        return Cell(metric, of, point, group, None, None, n)
    interval = stats.mean_interval(n, int(total), int(squares)) if squares is not None \
        else None
    low, high = (v / items for v in interval) if interval else (None, None)
    return Cell(metric, of, point, group, Fraction(int(total), n * items), None, n, low, high)


def _relative(of, point, group, now, before, n) -> Cell:
    """The change of the mean (now - before) / before, from the two sums."""
    value = None
    if now is not None and before:
        value = Fraction(int(now) - int(before), int(before))
    return Cell("change_of_mean", of, point, group, value, None, int(n or 0))


def _effect(of, point, group, n, sum_d, sum_d2) -> Cell:
    """The paired effect size of ``n`` changes (improvement positive)."""
    effect = stats.paired_effect(int(n or 0), int(sum_d or 0), int(sum_d2 or 0))
    if effect is None:
        return Cell("effect_size", of, point, group, None, None, int(n or 0))
    return Cell("effect_size", of, point, group, effect.d, None, int(n),
                effect.low, effect.high)


# --- baseline -------------------------------------------------------------------------

def _profile_case(ex, cy, ef, settings: scoring.Settings):
    """SQL: the burnout profile of subscale sums (scoring.mbi_profile, in integers)."""
    exhausted = _at_least(ex, _ITEMS["exhaustion"], settings.mbi_profile_exhaustion_high)
    cynical = _at_least(cy, _ITEMS["cynicism"], settings.mbi_profile_cynicism_high)
    ineffective = _at_most(ef, _ITEMS["professional_efficacy"],
                           settings.mbi_profile_efficacy_low)
    return case(
        (and_(exhausted, cynical), scoring.profile_of(True, True, False)),
        (exhausted, scoring.profile_of(True, False, False)),
        (cynical, scoring.profile_of(False, True, False)),
        (ineffective, scoring.profile_of(False, False, True)),
        else_=scoring.profile_of(False, False, False))


def _subscale_columns(alias):
    return [alias.c[SUBSCALE_SUM_COLUMNS[s]] for s in SUBSCALES]


def _baseline(session, c: _Cohort):
    base, flt, settings = c.base, c.flt, c.definitions.settings
    done = c.counted
    cols = [c.key.label("grp"), func.count().label("with_baseline"),
            _count(done).label("n"), _sum_if(base.c.total, done).label("total"),
            _sum_if(base.c.total * base.c.total, done).label("squares")]
    if flt.instrument == PHQ9.name:
        cols += [_count(and_(done, base.c.item3 > 0)).label("sleep_n"),
                 _sum_if(base.c.item3, and_(done, base.c.item3 > 0)).label("item3"),
                 _count(and_(done, base.c.item9 > 0)).label("ideation_n")]
    if flt.instrument == MBIGS.name:
        for s, col in zip(SUBSCALES, _subscale_columns(base), strict=True):
            cols += [_sum_if(col, done).label(s), _sum_if(col * col, done).label("sq_" + s)]
        cols.append(_count(and_(done, base.c.burnout.is_(True))).label("burnout"))
        profile = _profile_case(*_subscale_columns(base), settings)
        cols += [_count(and_(done, profile == p)).label("profile_" + p)
                 for p in scoring.PROFILES]
    query = select(*cols).select_from(base)
    # without a breakdown: one row, or none for nobody
    query = query.group_by(*c.group_by) if c.group_by else query.having(func.count() > 0)
    for row in _rows(session, query, (), c):
        row = SimpleNamespace(**row)
        g, n = row.grp, int(row.n or 0)
        yield Cell("with_baseline", "", "baseline", g, int(row.with_baseline),
                   int(row.with_baseline))
        yield Cell("n", "", "baseline", g, n, n)
        if flt.instrument != MBIGS.name:
            yield _mean("mean", "total", "baseline", g, row.total, n, squares=row.squares)
        if flt.instrument == PHQ9.name:
            yield _rate("sleep_disturbed", "item 3", "baseline", g, row.sleep_n, n)
            yield _mean("mean", "item 3", "baseline", g, row.item3, row.sleep_n)
            yield _rate("ideation_at_baseline", "item 9", "baseline", g, row.ideation_n, n)
        if flt.instrument == MBIGS.name:
            for s in SUBSCALES:
                yield _mean("mean", s, "baseline", g, getattr(row, s), n, _ITEMS[s],
                            getattr(row, "sq_" + s))
            yield _rate("burnout_threshold", "", "baseline", g, row.burnout, n)
            for p in scoring.PROFILES:
                yield _rate("profile", p, "baseline", g, getattr(row, "profile_" + p), n)


# --- later points ---------------------------------------------------------------------

def _with_baseline(c: _Cohort, cur):
    """FROM: each later administration with its patient's row in the cohort table."""
    return cur.join(c.base, c.base.c.patient_id == cur.c.patient_id)


def _later_conditions(c: _Cohort, cur) -> list:
    """WHERE: live later administrations of the instrument, of counted patients (read
    from the covering index's leading columns: instrument, point)."""
    return [cur.c.instrument == c.flt.instrument, cur.c.point.in_(LATER_POINTS),
            cur.c.voided_at.is_(None), c.counted]

def _points(session, c: _Cohort):
    base, flt, settings = c.base, c.flt, c.definitions.settings
    cur = Administration.__table__.alias("cur")
    columns = (_mbi_point_columns(base, cur, settings) if flt.instrument == MBIGS.name
               else _total_point_columns(flt.instrument, base, cur, settings))
    query = (select(cur.c.point, c.key.label("grp"), func.count().label("n"), *columns)
             .select_from(_with_baseline(c, cur)).where(*_later_conditions(c, cur))
             # the point first: SQLite then reads the points from the covering index
             # in its order (instrument, point, ...) rather than seeking every cohort
             # patient's rows through the partial unique key (~30% more CPU)
             .group_by(cur.c.point, *c.group_by))
    for row in _rows(session, query, ("point",), c):
        row = SimpleNamespace(**row)
        yield Cell("n", "", row.point, row.grp, int(row.n), int(row.n))
        if flt.instrument == MBIGS.name:
            yield from _mbi_point_cells(row)
        else:
            yield from _total_point_cells(flt.instrument, row)


def _total_point_columns(instrument, base, cur, settings):
    r = scoring.exact(settings.response_reduction)
    reduction = base.c.total - cur.c.total
    cols = [
        func.sum(cur.c.total).label("total"), func.sum(base.c.total).label("base_total"),
        func.sum(cur.c.total * cur.c.total).label("squares"),
        # per-patient relative change; a float, rounded to 9 places in Python
        _sum_if((cur.c.total - base.c.total) * 1.0 / base.c.total,
                base.c.total > 0).label("relative_sum"),
        _count(base.c.total > 0).label("relative_n"),
        # reduction / baseline >= r, in integers: reduction * den >= num * baseline
        _count(and_(base.c.total > 0, reduction * r.denominator
                    >= base.c.total * r.numerator)).label("response"),
        _count(cur.c.total < settings.remission_below(instrument)).label("remission"),
        _count(reduction >= settings.meaningful_change(instrument)).label("meaningful"),
        _count(reduction > 0).label("improved"),
        func.sum(reduction).label("sum_d"), func.sum(reduction * reduction).label("sum_d2"),
    ]
    if instrument == PHQ9.name:
        disturbed, ideation = base.c.item3 > 0, base.c.item9 > 0
        cols += [
            _count(disturbed).label("sleep_n"),
            _count(and_(disturbed, base.c.item3 - cur.c.item3
                        >= settings.sleep_response_points)).label("sleep_response"),
            _sum_if(cur.c.item3, disturbed).label("item3"),
            _sum_if(base.c.item3, disturbed).label("base_item3"),
            _count(ideation).label("ideation_n"),
            _count(and_(ideation, cur.c.item9 < base.c.item9)).label("ideation_improved"),
            _count(and_(ideation, cur.c.item9 == 0)).label("ideation_resolved"),
        ]
    return cols


def _total_point_cells(instrument, row):
    p, g, n = row.point, row.grp, int(row.n)
    yield _mean("mean", "total", p, g, row.total, n, squares=row.squares)
    yield _mean("baseline_mean", "total", p, g, row.base_total, n)
    yield _relative("total", p, g, row.total, row.base_total, n)
    relative_n = int(row.relative_n)
    value = None
    if relative_n and row.relative_sum is not None:
        # the float sum carries binary noise; 9 places is far below what is shown
        value = Fraction(str(round(float(row.relative_sum), 9))) / relative_n
    yield Cell("mean_individual_change", "total", p, g, value, None, relative_n)
    yield _effect("total", p, g, n, row.sum_d, row.sum_d2)
    for metric, column in (("response", "response"), ("remission", "remission"),
                           ("meaningful_change", "meaningful"), ("improved", "improved")):
        yield _rate(metric, "total", p, g, getattr(row, column), n)
    if instrument == PHQ9.name:
        yield _rate("sleep_response", "item 3", p, g, row.sleep_response, row.sleep_n)
        yield _mean("mean", "item 3", p, g, row.item3 or 0, row.sleep_n)
        yield _mean("baseline_mean", "item 3", p, g, row.base_item3, row.sleep_n)
        yield _relative("item 3", p, g, row.item3 or 0, row.base_item3, row.sleep_n)
        yield _rate("ideation_improved", "item 9", p, g, row.ideation_improved,
                    row.ideation_n)
        yield _rate("ideation_resolved", "item 9", p, g, row.ideation_resolved,
                    row.ideation_n)


def _mbi_point_columns(base, cur, settings):
    points = scoring.exact(settings.mbi_response_points)
    cols, responded = [], {}
    for s in SUBSCALES:
        column = SUBSCALE_SUM_COLUMNS[s]
        better = (cur.c[column] - base.c[column]) * _BETTER[s]
        # mean change >= p  <=>  sum change * den >= num * items
        responded[s] = better * points.denominator >= points.numerator * _ITEMS[s]
        cols += [func.sum(cur.c[column]).label(s), func.sum(base.c[column]).label("base_" + s),
                 func.sum(cur.c[column] * cur.c[column]).label("sq_" + s),
                 _count(responded[s]).label("resp_" + s),
                 _count(better > 0).label("improved_" + s),
                 func.sum(better).label("d_" + s), func.sum(better * better).label("d2_" + s)]
    improved = sum((case((responded[s], 1), else_=0) for s in SUBSCALES), literal(0))
    cols += [_count(improved >= k).label(f"at_least_{k}") for k in (1, 2, 3)]
    cols += [_count(cur.c.burnout.is_(True)).label("burnout"),
             _count(base.c.burnout.is_(True)).label("base_burnout"),
             _count(and_(base.c.burnout.is_(True), cur.c.burnout.is_(False)))
             .label("left_burnout")]
    return cols


def _mbi_point_cells(row):
    p, g, n = row.point, row.grp, int(row.n)
    for s in SUBSCALES:
        yield _mean("mean", s, p, g, getattr(row, s), n, _ITEMS[s], getattr(row, "sq_" + s))
        yield _mean("baseline_mean", s, p, g, getattr(row, "base_" + s), n, _ITEMS[s])
        yield _relative(s, p, g, getattr(row, s), getattr(row, "base_" + s), n)
        yield _effect(s, p, g, n, getattr(row, "d_" + s), getattr(row, "d2_" + s))
        yield _rate("response", s, p, g, getattr(row, "resp_" + s), n)
        yield _rate("improved", s, p, g, getattr(row, "improved_" + s), n)
    for k in (1, 2, 3):
        yield _rate("improved_on_at_least", str(k), p, g, getattr(row, f"at_least_{k}"), n)
    yield _rate("burnout_threshold", "", p, g, row.burnout, n)
    yield _rate("burnout_threshold_at_baseline", "", p, g, row.base_burnout, n)
    yield _rate("below_threshold", "", p, g, n - int(row.burnout), n)
    yield _rate("left_burnout", "", p, g, row.left_burnout, row.base_burnout)


# --- MBI-GS profiles ------------------------------------------------------------------

def _profiles(session, c: _Cohort):
    """Profile shares at each later point and the baseline -> end transitions."""
    base, settings = c.base, c.definitions.settings
    cur = Administration.__table__.alias("cur")
    before = _profile_case(*_subscale_columns(base), settings)
    after = _profile_case(*_subscale_columns(cur), settings)
    query = (select(cur.c.point, c.key.label("grp"), before.label("before"),
                    after.label("after"), func.count().label("n"))
             .select_from(_with_baseline(c, cur)).where(*_later_conditions(c, cur))
             .group_by(cur.c.point, *c.group_by, before, after))  # as in _points
    shares: dict[tuple[str, str], dict[str, int]] = {}
    moves: dict[str, dict[tuple[str, str], int]] = {}
    for row in _rows(session, query, ("point", "before", "after"), c):
        row = SimpleNamespace(**row)
        at = shares.setdefault((row.point, row.grp), {})
        at[row.after] = at.get(row.after, 0) + int(row.n)
        if row.point == END_POINT:
            moves.setdefault(row.grp, {})[(row.before, row.after)] = int(row.n)
    for (point, g), counts in shares.items():
        n = sum(counts.values())
        for p in scoring.PROFILES:
            yield _rate("profile", p, point, g, counts.get(p, 0), n)
    for g, counts in moves.items():
        for a in scoring.PROFILES:
            row_total = sum(v for (x, _), v in counts.items() if x == a)
            for b in scoring.PROFILES:
                yield _rate("transition", f"{a} → {b}", END_POINT, g,
                            counts.get((a, b), 0), row_total)
        burnout = sum(v for (x, _), v in counts.items() if x == "Burnout")
        yield _rate("left_burnout_profile", "", END_POINT, g,
                    burnout - counts.get(("Burnout", "Burnout"), 0), burnout)


# --- safety ---------------------------------------------------------------------------

def _safety(session, c: _Cohort):
    """Adverse events, holds and blood-pressure flags by the dosing number stored on the
    dosing record, over the dosing records of the counted patients. The numbers past
    the sixth are added up here (dosing_point), and so are everyone's counts from the
    subgroups'."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    kinds: dict[tuple[str, str, str], int] = {}
    for (number, g), values in _dosing_counts(session, c).items():
        everyone = ("", g) if g else (g,)  # a subgroup's dosings are everyone's too
        for key in ((point, group) for point in (dosing_point(number), ALL_DOSINGS)
                    for group in everyone):
            total = counts.setdefault(key, dict.fromkeys(_SAFETY_COUNTS, 0))
            for name, value in zip(_SAFETY_COUNTS[:3], values, strict=True):
                total[name] += value
    for row in _adverse_event_rows(session, c):
        for key in ((dosing_point(int(row["number"])), row["grp"]), (ALL_DOSINGS, row["grp"])):
            if row["kind"]:
                label = care_data.ADVERSE_EVENT_LABELS.get(row["kind"], row["kind"])
                kinds[(*key, label)] = kinds.get((*key, label), 0) + int(row["any"])
            else:
                counts[key]["ae_any"] += int(row["any"])
                counts[key]["ae_serious"] += int(row["serious"])
    seen = sorted({label for _, _, label in kinds})
    for (point, g), total in counts.items():
        total["administered"] = total["dosings"] - total["held"]
        yield from _safety_cells(point, g, total)
        for label in seen:  # every kind any dosing had, at every point, 0 included
            yield _rate("ae_kind", label, point, g, kinds.get((point, g, label), 0),
                        total["administered"])


# what the safety section counts per dosing number: from the dosings, then from the events
_SAFETY_COUNTS = ("dosings", "held", "bp_flag", "ae_any", "ae_serious", "administered")
# subgroups per statement in _dosing_counts (three columns each)
_GROUPS_PER_STATEMENT = 100


def _dosing_counts(session, c: _Cohort) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(stored dosing number, subgroup) -> (dosings, held, blood-pressure flags) over the
    counted patients' decided dosings (with any). One pass over the dosings in the order
    of their number (an index's order, so nothing is sorted), with three columns per
    subgroup instead of grouping by it: a GROUP BY on the subgroup would sort every
    dosing record (bench/MEASURES.md)."""
    base, dosing = c.base, care_data.DOSING
    result = {}
    for start in range(0, len(c.groups), _GROUPS_PER_STATEMENT):
        chunk = range(start, min(start + _GROUPS_PER_STATEMENT, len(c.groups)))
        columns = []
        for code in chunk:
            mine = (base.c.code == code,) if c.flt.breakdown else ()
            columns += [_count(and_(*mine)) if mine else func.count(),
                        _count(and_(*mine, dosing.held)), _count(and_(*mine, dosing.bp_flagged))]
        query = (select(dosing.number, *columns)
                 .select_from(care_data.with_dosings(base, base.c.patient_id))
                 .where(c.counted).group_by(dosing.number))
        for number, *values in session.execute(query):
            for i, code in enumerate(chunk):
                if values[3 * i]:  # a subgroup without dosings of this number: no cells
                    result[(int(number), c.groups[code])] = tuple(
                        int(v) for v in values[3 * i:3 * i + 3])
    return result


def _adverse_event_rows(session, c: _Cohort) -> list[dict]:
    """Rows (number, grp, kind, any, serious) of the counted patients' adverse events:
    per kind the dosings with an event of the kind (serious 0), and with kind "" the
    dosings with any event and with a serious one. The events (few) are joined to their
    dosing and patient once (a materialized CTE), then grouped twice."""
    base, event, zero = c.base, care_data.EVENT, literal(0)
    events = (select(event.dosing_id.label("dosing_id"), event.number.label("number"),
                     c.key.label("grp"), event.kind.label("kind"),
                     event.serious.label("serious"))
              .select_from(care_data.with_adverse_events(base, base.c.patient_id))
              .where(c.counted).cte("cohort_events").prefix_with("MATERIALIZED"))
    dosings = func.count(func.distinct(events.c.dosing_id))
    serious = func.count(func.distinct(case((events.c.serious, events.c.dosing_id))))
    by_group = (events.c.grp,) if c.flt.breakdown else ()
    grp = events.c.grp if c.flt.breakdown else literal(0)
    query = union_all(
        select(events.c.number, grp.label("grp"), events.c.kind, dosings.label("any"),
               zero.label("serious")).group_by(events.c.number, *by_group, events.c.kind),
        select(events.c.number, grp, literal(""), dosings, serious)
        .group_by(events.c.number, *by_group))
    return _rows(session, query, ("number", "kind"), c)


def _safety_cells(point, g, counts):
    dosings, administered = int(counts["dosings"]), int(counts["administered"])
    yield Cell("dosings", "", point, g, dosings, dosings)
    yield Cell("administered", "", point, g, administered, administered)
    yield _rate("held", "", point, g, counts["held"], dosings)
    for metric in ("bp_flag", "ae_any", "ae_serious"):
        yield _rate(metric, "", point, g, counts[metric], administered)
