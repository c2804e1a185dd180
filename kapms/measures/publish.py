"""The publishable outcomes summary: small-cell suppression and the methods text (pure).

A network publishes outcomes only when no count of fewer than 11 patients can be read or
worked out from what is shown (the rule of docs/domain.md, after the CMS cell-size
policy: counts of 1 to 10 are suppressed; 0 is shown, it identifies nobody).

Every number of the report rests on counts: a rate shows its numerator and denominator,
a mean or an effect size its number of patients. The counts are related: a rate's
numerator and the rest of its denominator add up to it; responders are among the
improved; the profiles at a point add up to its patients; subgroups add up to everyone;
dosing numbers add up to all dosings. :func:`relations` writes each relation as a line
``total = part + part + ... + rest`` (the rest is never shown). :func:`suppress` then
hides, besides every count of 1-10 (primary suppression), more counts (complementary
suppression) until, along every line, no hidden count can be derived alone and the hidden
counts of a line never add up to 1-10. A cell is shown only when every count it rests on
is shown. ``tests/measures/test_publish.py`` checks the result against an attacker who
solves the whole system of shown counts (integer programming over the patients' classes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kapms.measures import scoring
from kapms.measures.models import END_POINT
from kapms.measures.outcomes import (
    ALL_DOSINGS,
    COMPLETERS,
    METRICS,
    SUBSCALES,
    Cell,
    OutcomeReport,
    definitions_text,
    point_label,
)

SMALLEST_SHOWN = 11
EVERYONE_WEIGHT = 10

NodeId = tuple[str, str, str, str]  # (metric, of, point, group), like a cell's key


def is_small(count: int | None) -> bool:
    """A count that may not be shown: 1 to SMALLEST_SHOWN - 1 patients."""
    return count is not None and 0 < count < SMALLEST_SHOWN


def _n(point: str, group: str) -> NodeId:
    return ("n", "", point, group)


def denominator_node(cell: Cell) -> NodeId | None:
    """The count a rate cell's denominator is (None for counts, means and effects, which
    rest on the number of patients at their point, see :func:`counts_of`)."""
    metric, of, point, group = cell.key
    if METRICS[metric].kind not in ("rate", "per100"):
        return None
    if metric == "sleep_response":
        return ("sleep_n", of, point, group)
    if metric in ("ideation_improved", "ideation_resolved"):
        return ("ideation_n", of, point, group)
    if metric == "left_burnout":
        return ("burnout_threshold_at_baseline", "", point, group)
    if metric == "transition":
        return ("from", of.split(" → ")[0], point, group)
    if metric == "left_burnout_profile":
        return ("from", "Burnout", point, group)
    if metric == "held":
        return ("dosings", "", point, group)
    if metric in ("bp_flag", "ae_any", "ae_serious", "ae_kind"):
        return ("administered", "", point, group)
    return _n(point, group)


def counts_of(cell: Cell) -> list[NodeId]:
    """The counts a cell rests on: shown only when all of them are."""
    if METRICS[cell.metric].kind == "count":
        return [cell.key]
    den = denominator_node(cell)
    if den is not None:
        return [cell.key, den]
    if cell.metric == "mean" and cell.of == "item 3":
        return [("sleep_disturbed", "item 3", "baseline", cell.group) if cell.point == "baseline"
                else ("sleep_n", "item 3", cell.point, cell.group)]
    if cell.of == "item 3":  # baseline mean and change of item 3 among the disturbed
        return [("sleep_n", "item 3", cell.point, cell.group)]
    return [_n(cell.point, cell.group)]


@dataclass
class Relations:
    """Counts by id and the lines relating them (see the module docstring)."""

    values: dict[NodeId, int] = field(default_factory=dict)
    lines: list[tuple[NodeId, list[NodeId]]] = field(default_factory=list)
    shown: set[NodeId] = field(default_factory=set)  # counts the summary would show
    contains: dict[NodeId, set[NodeId]] = field(default_factory=lambda: defaultdict(set))
    # how many of the report's cells rest on each count: hiding it hides them all
    cost: dict[NodeId, int] = field(default_factory=lambda: defaultdict(int))
    _seen: set = field(default_factory=set)

    def line(self, total: NodeId, *parts: NodeId) -> None:
        """total = parts + a rest that is never shown; skipped when a count is missing or
        the line is already there. The rest's id names the line without its subgroup, so
        the rests of one line in every subgroup add up too."""
        if total not in self.values or any(p not in self.values for p in parts):
            return
        shape = (total[:3], tuple(sorted(p[:3] for p in parts)))
        if (shape, total[3]) in self._seen:
            return
        self._seen.add((shape, total[3]))
        rest = ("rest", repr(shape), "", total[3])
        self.values[rest] = self.values[total] - sum(self.values[p] for p in parts)
        self.lines.append((total, [*parts, rest]))
        for part in parts:
            self.contains[total].add(part)

    def nested_lines(self) -> None:
        """A line for every count inside another through a chain of lines (A holds B, B
        holds C: A = C + rest), so that shown A and C cannot give away A - C."""
        for top in list(self.contains):
            below, stack = set(), list(self.contains[top])
            while stack:
                node = stack.pop()
                if node not in below:
                    below.add(node)
                    stack.extend(self.contains.get(node, ()))
            for node in below - self.contains[top]:
                self.line(top, node)


def relations(report: OutcomeReport, cells: list[Cell]) -> Relations:
    """The counts behind ``cells`` and every relation among them."""
    rel = Relations()
    for cell in cells:
        for node in counts_of(cell):
            # everyone's numbers are what a summary is read for: hide subgroups' first
            rel.cost[node] += 1 if node[3] else EVERYONE_WEIGHT
        if METRICS[cell.metric].kind == "count":
            rel.values[cell.key] = int(cell.numerator or 0)
            rel.shown.add(cell.key)
        elif denominator_node(cell) is not None:
            rel.values[cell.key] = int(cell.numerator or 0)
            rel.values[denominator_node(cell)] = int(cell.denominator or 0)
            rel.shown.update((cell.key, denominator_node(cell)))
    groups = sorted({c.group for c in cells})
    points = ["baseline", *report.points]
    for g in groups:
        _group_lines(rel, report, g, points)
    rel.nested_lines()
    if len(groups) > 1:  # subgroups add up to everyone (so do the rests of each line)
        families: dict[tuple[str, str, str], list[NodeId]] = defaultdict(list)
        for node in list(rel.values):
            if node[3]:
                families[node[:3]].append(node)
        for family, members in families.items():
            rel.line((*family, ""), *members)
    return rel


def _group_lines(rel: Relations, report: OutcomeReport, g: str, points: list[str]) -> None:
    L = rel.line
    base = _n("baseline", g)
    L(("with_baseline", "", "baseline", g), base)
    for p in report.points:
        n = _n(p, g)
        L(base, n)
        if report.is_mbi:
            for s in SUBSCALES:
                resp, imp = ("response", s, p, g), ("improved", s, p, g)
                L(n, resp)
                L(n, imp)
                L(imp, resp)
                L(("improved_on_at_least", "1", p, g), resp)
                L(resp, ("improved_on_at_least", "3", p, g))
            L(n, ("improved_on_at_least", "1", p, g))
            L(("improved_on_at_least", "1", p, g), ("improved_on_at_least", "2", p, g))
            L(("improved_on_at_least", "2", p, g), ("improved_on_at_least", "3", p, g))
            L(n, ("burnout_threshold", "", p, g), ("below_threshold", "", p, g))
            at_base = ("burnout_threshold_at_baseline", "", p, g)
            L(n, at_base)
            L(at_base, ("left_burnout", "", p, g))
            L(("burnout_threshold", "", "baseline", g), at_base)
        else:
            improved = ("improved", "total", p, g)
            for metric in ("response", "remission", "meaningful_change", "improved"):
                L(n, (metric, "total", p, g))
            L(improved, ("response", "total", p, g))
            L(improved, ("meaningful_change", "total", p, g))
            for item, metric, nested in (("item 3", "sleep", ("sleep_response",)),
                                         ("item 9", "ideation", ("ideation_improved",
                                                                 "ideation_resolved"))):
                at_base = (("sleep_disturbed" if metric == "sleep" else "ideation_at_baseline"),
                           item, "baseline", g)
                sub = (f"{metric}_n", item, p, g)
                L(base, at_base)
                L(at_base, sub)
                L(n, sub)
                chain = [sub] + [(m, item, p, g) for m in nested]
                for outer, inner in zip(chain, chain[1:], strict=False):
                    L(outer, inner)
    if report.is_mbi:
        L(base, ("burnout_threshold", "", "baseline", g))
        for p in points:
            L(_n(p, g), *(("profile", name, p, g) for name in scoring.PROFILES))
        froms = [("from", a, END_POINT, g) for a in scoring.PROFILES]
        L(_n(END_POINT, g), *froms)
        for a in scoring.PROFILES:
            L(("from", a, END_POINT, g),
              *(("transition", f"{a} → {b}", END_POINT, g) for b in scoring.PROFILES))
            L(("profile", a, "baseline", g), ("from", a, END_POINT, g))
        for b in scoring.PROFILES:
            L(("profile", b, END_POINT, g),
              *(("transition", f"{a} → {b}", END_POINT, g) for a in scoring.PROFILES))
        L(("from", "Burnout", END_POINT, g), ("left_burnout_profile", "", END_POINT, g),
          ("transition", "Burnout → Burnout", END_POINT, g))
    numbered = [p for p in report.dosing_points if p != ALL_DOSINGS]
    kinds = sorted({c.of for c in report.cells.values() if c.metric == "ae_kind"})
    for d in numbered + [ALL_DOSINGS]:
        dosings, given = ("dosings", "", d, g), ("administered", "", d, g)
        L(dosings, given, ("held", "", d, g))
        L(given, ("ae_any", "", d, g))
        L(given, ("bp_flag", "", d, g))
        L(("ae_any", "", d, g), ("ae_serious", "", d, g))
        for kind in kinds:
            L(("ae_any", "", d, g), ("ae_kind", kind, d, g))
    for metric in ("dosings", "administered", "held", "bp_flag", "ae_any", "ae_serious"):
        L((metric, "", ALL_DOSINGS, g), *((metric, "", d, g) for d in numbered))
    for kind in kinds:
        L(("ae_kind", kind, ALL_DOSINGS, g), *(("ae_kind", kind, d, g) for d in numbered))


def suppress(rel: Relations) -> set[NodeId]:
    """The shown counts to hide: every small one, then more until nothing small can be
    derived along any line (see the module docstring)."""
    hidden = {node for node in rel.shown if is_small(rel.values[node])}
    while True:
        problem = _leak(rel, hidden)
        if problem is None:
            return hidden
        hidden.add(problem)


def _leak(rel: Relations, hidden: set[NodeId]) -> NodeId | None:
    """A shown count to hide next, or None when no small count can be derived."""
    known = {node for node in rel.shown if node not in hidden}
    why: dict[NodeId, int] = {}  # derived count -> the line it was derived from
    changed = True
    while changed:  # close over single unknowns: they are derived exactly
        changed = False
        for index, (total, parts) in enumerate(rel.lines):
            unknown = [m for m in (total, *parts) if m not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                why[unknown[0]] = index
                changed = True
    for node, index in why.items():
        if is_small(rel.values[node]):
            return _culprit(rel, hidden, why, index, {node})
    for index, (total, parts) in enumerate(rel.lines):
        unknown_parts = [p for p in parts if p not in known]
        if total in known and unknown_parts and is_small(
                sum(rel.values[p] for p in unknown_parts)):
            return _culprit(rel, hidden, why, index, set())
    return None


def _culprit(rel: Relations, hidden: set[NodeId], why: dict[NodeId, int], index: int,
             skip: set[NodeId]) -> NodeId:
    """A shown count of line ``index`` to hide: the one that hides the fewest cells (then
    the smallest); when none of its counts is shown, one from a line its counts were
    derived from."""
    total, parts = rel.lines[index]
    shown = [m for m in (total, *parts) if m in rel.shown and m not in hidden
             and m not in skip and rel.values[m] > 0]
    if shown:
        return min(shown, key=lambda m: (rel.cost[m], rel.values[m], m))
    for member in (total, *parts):
        if member in why and member not in skip:
            return _culprit(rel, hidden, why, why[member], skip | {member})
    raise AssertionError("a derived count with no shown count behind it")


@dataclass
class Summary:
    """A report prepared for publishing: which cells it shows and its methods text."""

    report: OutcomeReport
    hidden_counts: set[NodeId]
    methods: list[str]

    def hidden(self, cell: Cell) -> bool:
        """True when a count the cell rests on is suppressed (or too small for a mean)."""
        return any(node in self.hidden_counts or is_small(self._value(node))
                   for node in counts_of(cell))

    def small(self, cell: Cell) -> bool:
        """True when a count the cell rests on is itself fewer than 11 (primary); False
        for a cell hidden only so that another cannot be worked out."""
        return any(is_small(self._value(node)) for node in counts_of(cell))

    def _value(self, node: NodeId) -> int | None:
        cell = self.report.cells.get(node)
        if cell is not None:
            return cell.numerator
        for c in self.report.cells.values():
            if denominator_node(c) == node:
                return c.denominator
        return None

    def shown_cells(self) -> list[Cell]:
        """The cells the summary shows."""
        return [c for c in self.report.cells.values() if not self.hidden(c)]


def summarise(report: OutcomeReport) -> Summary:
    """Suppress the report's small cells and write its methods."""
    cells = list(report.cells.values())
    rel = relations(report, cells)
    summary = Summary(report, suppress(rel), [])
    summary.methods = methods_text(report, summary.hidden)
    return summary


def methods_text(report: OutcomeReport, hidden=lambda cell: False) -> list[str]:
    """Paragraphs describing who is counted and how each number is defined, written from
    the report's definitions and denominators (``hidden``: the summary's suppression)."""
    flt = report.filter
    words = definitions_text(flt.instrument, report.definitions)

    def count(metric: str) -> str:
        cell = report.get(metric, "baseline")
        if cell is None or not cell.numerator:
            return "no patients"
        if not hidden(cell):
            return f"{cell.numerator:,} patients"
        return f"fewer than {SMALLEST_SHOWN} patients" if is_small(cell.numerator) \
            else "a suppressed number of patients"

    cohort = ("patients with a diagnosis code starting " + flt.cohort) if flt.cohort \
        else "all patients of the network"
    dates = ""
    if flt.date_from or flt.date_to:
        dates = (f" whose baseline {flt.instrument} was given between "
                 f"{flt.date_from or 'the start'} and {flt.date_to or 'today'}")
    counted = COMPLETERS[flt.completers]
    paragraphs = [
        f"Design: a retrospective analysis of the network's own routine outcome measures "
        f"({flt.instrument}) among {cohort}{dates}. Of {count('with_baseline')} with a "
        f"baseline measure, {count('n')} are counted ({counted.lower()}).",
        "Measures were given at baseline and after dosings 2, 4 and 6 (and at follow-up). "
        "Each later point compares the patients measured there with their own baselines; "
        "every rate is shown with its numerator, denominator and 95% interval.",
    ]
    if flt.burnout_at_baseline_only and report.is_mbi:
        paragraphs.append("Only patients meeting the burnout threshold at baseline are "
                          "counted: " + words["burnout_threshold"] + ".")
    defined = [f"{METRICS[m].label}: {words[m]}." for m in (
        "response", "remission", "meaningful_change", "improved", "sleep_response",
        "ideation_improved", "ideation_resolved", "burnout_threshold", "profile")
        if m in words]
    paragraphs.append("Definitions. " + " ".join(defined) + " Change of the mean: "
                      + words["change_of_mean"] + ". Effect size: " + words["effect_size"]
                      + ". " + words["rates"] + ".")
    paragraphs.append(
        "Safety is counted from the dosing records of the same patients: a dosing's number "
        "is its number on the course as recorded at check-in (a held dosing has the "
        "number of the dosing it was meant to be); adverse events (any, by kind, serious) "
        "and blood-pressure rise flags per administered dosing, held dosings per dosing "
        "recorded.")
    paragraphs.append(
        f"Privacy: no patient-level data are shown. Every count of fewer than "
        f"{SMALLEST_SHOWN} patients is suppressed (shown as \"<{SMALLEST_SHOWN}\"), and so "
        f"is any other count from which a suppressed one could be worked out (shown as "
        f"\"*\"); a rate, mean or effect size is shown only when every count it rests on "
        f"is.")
    return paragraphs


__all__ = ["SMALLEST_SHOWN", "Summary", "counts_of", "is_small", "methods_text",
           "point_label", "relations", "summarise", "suppress"]
