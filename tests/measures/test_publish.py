"""The published outcomes summary: no count of fewer than 11 patients can be read or
derived.

The proof has two halves. First, the relations the suppression reasons about (a rate's
numerator inside its denominator, responders inside the improved, profiles adding up to a
point's patients, subgroups adding up to everyone...) are checked to be true on the data,
patient by patient: the test runs the same report with one subgroup per patient and
checks every line's parts are disjoint subsets of its total. Second, an attacker who knows
all those relations solves them exactly by linear algebra (the null space of the system
of lines plus the shown counts) and must find no hidden count, no never-shown rest and no
sum of a line's hidden parts of 1 to 10 patients. A negative control shows the attacker
finds the leak when only the small counts themselves are hidden.
"""

import random
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import String, cast

from kapms.measures import publish
from kapms.measures.outcomes import ReportFilter
from kapms.measures.report_tables import SUPPRESSED
from kapms.measures.services import record_administration
from kapms.measures.services import reports as report_service
from kapms.measures.services.reports import build_report
from tests.measures.conftest import make_patient, mbi, phq9

POINTS = ("baseline", "after_dosing_2", "after_dosing_4", "after_dosing_6")
SEXES = ["female"] * 30 + ["male"] * 24 + ["intersex"] * 3 + [None] * 5


def _network(db, therapist, instrument, seed):
    """62 patients with random trajectories; some miss points; a few small subgroups."""
    rng = random.Random(seed)
    sexes = SEXES[:]
    rng.shuffle(sexes)
    sex_of = {}
    for sex in sexes:
        patient = make_patient(db, therapist, diagnosis="Z73.0" if instrument == "MBI-GS"
                               else "F33.1")
        patient.sex_at_birth = sex
        sex_of[patient.id] = sex
        start = rng.randint(10, 24)
        for k, point in enumerate(POINTS):
            if k and rng.random() < 0.12:
                continue
            if instrument == "PHQ-9":
                item3 = rng.randint(0, 3)
                item9 = rng.choice((0, 0, 0, 1)) if k == 0 else rng.choice((0, 1))
                total = max(0, start - k * rng.randint(0, 5))
                total = min(max(total, item3 + item9), 21 + item3 + item9)
                answers = phq9(total, item3=item3, item9=item9)
            else:
                answers = mbi(max(0, 28 - k * rng.randint(0, 3)),
                              max(0, 22 - k * rng.randint(0, 3)),
                              min(36, 18 + k * rng.randint(0, 3)))
            record_administration(db, therapist, patient, instrument, point,
                                  date(2026, 1, 5) + timedelta(days=14 * k), answers,
                                  today=date(2026, 6, 1))
    return sex_of


def _membership(db, therapist, flt, monkeypatch):
    """{node: {patient id: contribution}} from the same report with one group per patient."""
    monkeypatch.setattr(report_service._Cohort, "_key", lambda self, breakdown: (
        cast(self.baseline.c.patient_id, String), False))
    monkeypatch.setattr(report_service, "_group_label", lambda breakdown, code: code)
    per_patient = build_report(db, therapist, flt)
    monkeypatch.undo()
    members: dict = {}
    for cell in per_patient.cells.values():
        if not cell.group:
            continue
        for node, value in ((cell.key, cell.numerator),
                            (publish.denominator_node(cell), cell.denominator)):
            if node is None or value is None:
                continue
            members.setdefault(node[:3], {})[int(cell.group)] = int(value)
    return members


def _check_relations_hold(rel, members, sex_labels):
    """Every line's parts are disjoint subsets of its total, patient by patient (the
    safety section counts dosings, not patients: checked by its totals only)."""
    def patients(node):
        family = members.get(node[:3], {})
        return {p for p, v in family.items() if v and (not node[3] or sex_labels[p] == node[3])}

    checked = 0
    for total, parts in rel.lines:
        named = [p for p in parts if p[0] != "rest"]
        if any(n[0] in SAFETY for n in (total, *named)):
            continue
        inside, union = patients(total), set()
        for part in named:
            assert patients(part) <= inside, (total, part)
            assert not patients(part) & union, (total, part)
            union |= patients(part)
        checked += 1
    return checked


SAFETY = {"dosings", "administered", "held", "bp_flag", "ae_any", "ae_serious", "ae_kind"}


class _Echelon:
    """Exact sparse Gaussian elimination (Fractions) over the unknown counts: rows are
    kept fully reduced, so a variable is derived when its pivot row holds it alone."""

    def __init__(self):
        self.pivots: dict = {}  # variable -> its row {variable: coefficient}

    def reduce(self, row: dict) -> dict:
        row = {k: v for k, v in row.items() if v}
        while True:
            common = [k for k in row if k in self.pivots]
            if not common:
                return row
            k = common[0]
            factor = row[k]
            for var, coef in self.pivots[k].items():
                row[var] = row.get(var, 0) - factor * coef
                if not row[var]:
                    del row[var]

    def add(self, row: dict) -> None:
        row = self.reduce(row)
        if not row:
            return
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {k: Fraction(v) / scale for k, v in row.items()}
        for other in self.pivots.values():  # keep every row reduced
            if pivot in other:
                factor = other[pivot]
                for var, coef in row.items():
                    other[var] = other.get(var, 0) - factor * coef
                    if not other[var]:
                        del other[var]
        self.pivots[pivot] = row

    def derived(self, row: dict) -> bool:
        """Whether the functional ``row`` of the unknowns is fixed by the system."""
        return not self.reduce(row)


def _leak(rel, hidden: set) -> list:
    """The counts of 1-10 an attacker derives from the shown counts and every relation:
    unknowns are the hidden counts and the never-shown rests; the shown counts are known."""
    known = rel.shown - hidden
    system = _Echelon()
    for total, parts in rel.lines:
        row = {}
        for node, sign in ((total, 1), *((part, -1) for part in parts)):
            if node not in known:
                row[node] = row.get(node, 0) + sign
        system.add(row)
    leaks = [(node, rel.values[node]) for node in rel.values
             if node not in known and publish.is_small(rel.values[node])
             and system.derived({node: 1})]
    for _total, parts in rel.lines:  # the unknown parts of a line, taken together
        unknown = [p for p in parts if p not in known]
        size = sum(rel.values[p] for p in unknown)
        if len(unknown) > 1 and publish.is_small(size) and system.derived(
                {p: 1 for p in unknown}):
            leaks.append((tuple(unknown), size))
    return leaks


@pytest.mark.parametrize("instrument,completers,seed", [
    ("PHQ-9", "everyone", 1), ("PHQ-9", "all_points", 2), ("MBI-GS", "end", 3),
    ("MBI-GS", "everyone", 4)])
def test_no_count_under_11_can_be_read_or_derived(db, therapist, monkeypatch, instrument,
                                                  completers, seed):
    sex_of = _network(db, therapist, instrument, seed)
    flt = ReportFilter(instrument, completers=completers, breakdown="sex")
    report = build_report(db, therapist, flt)
    summary = publish.summarise(report)
    labels = {"female": "Female", "male": "Male", "intersex": "Intersex", None: "Not recorded"}
    members = _membership(db, therapist, flt, monkeypatch)
    rel = publish.relations(report, list(report.cells.values()))
    assert _check_relations_hold(rel, members, {p: labels[s] for p, s in sex_of.items()}) > 100
    # read: no shown count is 1-10
    assert not [n for n in rel.shown - summary.hidden_counts if publish.is_small(rel.values[n])]
    # derived: nothing 1-10 follows from what is shown
    assert _leak(rel, summary.hidden_counts) == []
    # the test has teeth: the data has small counts, the summary still shows rates of
    # everyone, and hiding only the small counts themselves leaks
    primary = {n for n in rel.shown if publish.is_small(rel.values[n])}
    assert primary and _leak(rel, primary)
    assert [c for c in summary.shown_cells() if not c.group and c.metric in (
        "response", "improved") and c.point != "baseline"]


def test_summary_pages_hide_small_cells_and_state_the_methods(db, therapist, client,
                                                              login_as):
    admin = login_as("admin")
    _network(db, therapist, "PHQ-9", 4)
    db.commit()
    query = "instrument=PHQ-9&completers=everyone&breakdown=sex"
    page = client.get(f"/outcomes/summary?{query}").get_data(as_text=True)
    assert "&lt;11" in page and "Intersex" in page
    assert "Every count of fewer than 11 patients is suppressed" in page
    assert "Wilson score intervals" in page and "(source" not in page
    report = build_report(db, admin, ReportFilter("PHQ-9", completers="everyone",
                                                  breakdown="sex"))
    summary = publish.summarise(report)
    hidden = [c for c in report.cells.values() if summary.hidden(c)]
    assert hidden and all(c not in summary.shown_cells() for c in hidden)
    csv = client.get(f"/outcomes/summary.csv?{query}").get_data(as_text=True)
    assert len(csv.splitlines()) == len(summary.shown_cells()) + 1
    html = client.get(f"/outcomes/summary.html?{query}")
    assert html.headers["Content-Disposition"].startswith("attachment")
    assert SUPPRESSED.replace("<", "&lt;") in html.get_data(as_text=True)
    from tests.billing.pdftext import pdf_text

    text = pdf_text(client.get(f"/outcomes/summary.pdf?{query}"))
    assert "outcomes summary, PHQ-9" in text and "Methods" in text and "<11" in text


def test_only_admins_publish(client, db, login_as):
    login_as("therapist")
    assert client.get("/outcomes/summary?instrument=PHQ-9").status_code == 403
    assert client.get("/outcomes/summary.pdf?instrument=PHQ-9").status_code == 403
    assert client.get("/outcomes/?instrument=PHQ-9").status_code == 200


def test_suppression_rules_on_lines():
    rel = publish.Relations()
    total, parts = ("n", "", "p", ""), [("a", "", "p", ""), ("b", "", "p", ""),
                                         ("c", "", "p", "")]
    for node, value in zip([total, *parts], (40, 25, 12, 3), strict=True):
        rel.values[node] = value
        rel.shown.add(node)
    rel.line(total, *parts)  # the rest is 0
    hidden = publish.suppress(rel)
    # c (3) is small; hiding it alone lets 40 - 25 - 12 give it back, so 12 goes too, and
    # the two hidden ones add up to 15, which is not small
    assert hidden == {parts[2], parts[1]}
    assert publish.is_small(10) and not publish.is_small(0) and not publish.is_small(11)
