"""The one CSV writer: formula guard on every cell, numbers left usable, a lossless undo."""

import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kapms.csv_export import FORMULA_START, safe_cell, stream_csv, to_csv, unguard

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1", "-", "=", "-abc", "+ 1"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_formula_start_is_neutralised():
    written = _cells(to_csv([HOSTILE]))[0]
    assert written == ["'" + h for h in HOSTILE]


def test_numbers_and_plain_numeric_text_stay_numbers():
    row = [-3, 2.5, Decimal("-1.25"), "-71.4%", "+3", "-0.5", True, None, "ok"]
    assert _cells(to_csv([row]))[0] == ["-3", "2.5", "-1.25", "-71.4%", "+3", "-0.5", "True",
                                        "", "ok"]


@given(st.text())
def test_no_written_cell_can_start_a_formula_and_unguard_restores_it(text):
    cell = safe_cell(text)
    if cell[:1] in FORMULA_START:  # only plain numbers may keep a sign
        assert cell.lstrip("+-").replace(".", "", 1).rstrip("%").isdigit()
    assert unguard(cell) == text or text[:1] == "'"


def test_streaming_gives_the_same_text_in_chunks():
    rows = [[n, f"=x{n}"] for n in range(25)]
    chunks = list(stream_csv(rows, chunk_rows=10))
    assert len(chunks) == 3 and "".join(chunks) == to_csv(rows)


def test_numbers_are_returned_as_numbers():
    assert safe_cell(-3) == -3 and isinstance(safe_cell(-3), int)
    assert safe_cell(Decimal("-1.25")) == Decimal("-1.25")
    assert safe_cell(True) == "True"  # a yes/no is text, not the number 1
    assert safe_cell(None) == ""


def test_streaming_chunks_hold_chunk_rows_rows():
    rows = [[n] for n in range(2500)]
    chunks = list(stream_csv(rows))  # 1000 rows a chunk by default
    assert [chunk.count("\r\n") for chunk in chunks] == [1000, 1000, 500]
    small = list(stream_csv(rows[:25], chunk_rows=10))
    assert [chunk.count("\r\n") for chunk in small] == [10, 10, 5]
    assert list(stream_csv([])) == []
