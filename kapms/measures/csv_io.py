"""The outcome report as a tidy CSV: one row per metric x point x subgroup, with the
value, numerator, denominator and 95% interval in their own columns (exporter: cells in,
text out; written by the app's one CSV writer, kapms.csv_export, with its formula guard)."""

from __future__ import annotations

from fractions import Fraction

from kapms.csv_export import to_csv
from kapms.measures.outcomes import Cell, OutcomeReport

HEADER = ["instrument", "completers", "cohort", "baseline_from", "baseline_to", "breakdown",
          "subgroup", "metric", "of", "point", "value", "numerator", "denominator",
          "ci_low", "ci_high"]


def _number(value) -> str:
    """A number for a spreadsheet: integers as they are, others to 6 decimals."""
    if value is None:
        return ""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return str(int(value))
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def report_csv(report: OutcomeReport, cells: list[Cell] | None = None) -> str:
    """The CSV text of ``cells`` (default: every cell of the report), in report order."""
    flt = report.filter
    head = [flt.instrument, flt.completers, flt.cohort or "all",
            str(flt.date_from or ""), str(flt.date_to or ""), flt.breakdown or "none"]
    rows = [HEADER] + [
        head + [cell.group or "everyone", cell.metric, cell.of, cell.point,
                _number(cell.value), _number(cell.numerator), _number(cell.denominator),
                _number(cell.low), _number(cell.high)]
        for cell in (report.cells.values() if cells is None else cells)]
    return to_csv(rows)
