"""The outcome report as a tidy CSV: one row per metric x point x subgroup, with the
value, numerator, denominator and 95% interval in their own columns (exporter: cells in,
text out)."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from kapms.measures.outcomes import Cell, OutcomeReport

HEADER = ["instrument", "completers", "cohort", "baseline_from", "baseline_to", "breakdown",
          "subgroup", "metric", "of", "point", "value", "numerator", "denominator",
          "ci_low", "ci_high"]
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _number(value) -> str:
    """A number for a spreadsheet: integers as they are, others to 6 decimals."""
    if value is None:
        return ""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return str(int(value))
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def _text(value: str) -> str:
    """Neutralise spreadsheet formulas in a text cell (labels are ours, but stay safe)."""
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not value[1:2].isdigit()):
        return "'" + value
    return value


def report_csv(report: OutcomeReport, cells: list[Cell] | None = None) -> str:
    """The CSV text of ``cells`` (default: every cell of the report), in report order."""
    flt = report.filter
    head = [flt.instrument, flt.completers, flt.cohort or "all",
            str(flt.date_from or ""), str(flt.date_to or ""), flt.breakdown or "none"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for cell in report.cells.values() if cells is None else cells:
        writer.writerow([_text(v) for v in head] + [
            _text(cell.group or "everyone"), cell.metric, _text(cell.of), cell.point,
            _number(cell.value), _number(cell.numerator), _number(cell.denominator),
            _number(cell.low), _number(cell.high)])
    return out.getvalue()
