"""The one CSV writer of the app: every export goes through it, so every cell gets the
spreadsheet-formula guard.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and a leading tab or carriage return hides such a start), so text from users (a name,
a note title, an email) could run commands on the reader's machine (CSV injection, OWASP).
Such a cell is written with a leading apostrophe, which spreadsheets show as text. Numbers are
not formulas: ``int``/``float``/``Decimal`` values and strings that are a plain number
("-71.4%", "+3", "-0.5") are written as they are, so reports stay usable in a spreadsheet.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?\Z")


def safe_cell(value):
    """The value as a CSV cell: None becomes "", formula starts get an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text[:1] in FORMULA_START and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """Undo ``safe_cell`` on a cell read back from one of our exports (for imports)."""
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        return text[1:]
    return text


def _writer(out):
    # RFC 4180 line ends: with "\r\n" as the terminator the writer also quotes a cell that
    # holds a lone "\r" (with "\n" alone it would write it bare and break the file).
    return csv.writer(out, lineterminator="\r\n")


def to_csv(rows: Iterable[Iterable]) -> str:
    """All ``rows`` (lists of cells) as one CSV text, every cell guarded."""
    out = io.StringIO()
    writer = _writer(out)
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def stream_csv(rows: Iterable[Iterable], *, chunk_rows: int = 1000) -> Iterator[str]:
    """The CSV text of ``rows`` in chunks, for exports too large to build in memory."""
    out = io.StringIO()
    writer = _writer(out)
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(c) for c in row])
        if n % chunk_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()
