"""The calendar's time grid, laid out as a table: one column per day (or per clinician),
one row per quarter of an hour, each session a cell spanning the rows it lasts.

A table (not positioned boxes) because it needs no inline style, which the page's Content
Security Policy forbids, and a screen reader announces each session with its column (the day)
and row (the time). Sessions whose quarter-hours meet share one cell, listed in order.
Pure: plain values in, rows out.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

SLOT_MINUTES = 15
DEFAULT_HOURS = (7, 19)  # shown even on an empty day; widened to fit every session


@dataclass
class Block:
    """A cell with sessions: it starts at row ``row`` and spans ``rows`` rows."""

    row: int
    rows: int
    items: list = field(default_factory=list)


@dataclass(frozen=True)
class Free:
    """An empty cell: ``available`` within the column's availability, ``open`` a bookable
    start in it (None: none offered)."""

    available: bool = False
    open: datetime | None = None


@dataclass(frozen=True)
class Row:
    """One quarter of an hour: its time and one entry per column (a Block starting here,
    a Free cell, or None where a Block from above covers it)."""

    at: time
    on_the_hour: bool
    cells: list


def _slot(moment: datetime, first_hour: int) -> int:
    minutes = moment.hour * 60 + moment.minute - first_hour * 60
    return minutes // SLOT_MINUTES


def layout(columns: list[list[tuple[datetime, int, object]]],
           open_starts: list[list[datetime]] | None = None,
           available: list[list[tuple[time, time]]] | None = None) -> list[Row]:
    """Rows of the grid. ``columns`` holds, per column, (local start, minutes, item) of the
    sessions to show, all on that column's day; ``open_starts``, per column, the local
    starts offered for booking (each shows in the free cell where it begins);
    ``available``, per column, the (from, to) local times the clinician works."""
    open_starts = open_starts or [[] for _ in columns]
    available = available or [[] for _ in columns]
    first, last = DEFAULT_HOURS
    for entries in columns:
        for start, minutes, _ in entries:
            end = start + timedelta(minutes=minutes)
            first = min(first, start.hour)
            # A session running past midnight fills the grid to its end (hour 24).
            last = max(last, 24 if end.date() > start.date()
                       else end.hour + (1 if end.minute else 0))
    for starts in open_starts:
        for start in starts:
            first, last = min(first, start.hour), max(last, start.hour + 1)
    for blocks in available:
        for start, end in blocks:
            first = min(first, start.hour)
            last = max(last, end.hour + (1 if end.minute else 0))
    last = min(last, 24)
    count = (last - first) * 60 // SLOT_MINUTES

    def slot_time(row: int) -> time:
        return time(first + (row * SLOT_MINUTES) // 60, (row * SLOT_MINUTES) % 60)

    grid = [[Free(any(a <= slot_time(r) < b for a, b in available[c]))
             for c in range(len(columns))] for r in range(count)]
    for c, entries in enumerate(columns):
        blocks: list[Block] = []
        for start, minutes, item in sorted(entries, key=lambda e: (e[0], e[1])):
            row = max(_slot(start, first), 0)
            end_minute = min((start.hour - first) * 60 + start.minute + minutes,
                             count * SLOT_MINUTES)
            rows = max(-(-end_minute // SLOT_MINUTES) - row, 1)
            if blocks and row < blocks[-1].row + blocks[-1].rows:  # meets the one above
                block = blocks[-1]
                block.rows = max(block.rows, row + rows - block.row)
                block.items.append(item)
            else:
                blocks.append(Block(row, rows, [item]))
        for block in blocks:
            block.rows = min(block.rows, count - block.row)
            grid[block.row][c] = block
            for covered in range(block.row + 1, min(block.row + block.rows, count)):
                grid[covered][c] = None
        for start in open_starts[c]:
            row = _slot(start, first)
            cell = grid[row][c] if 0 <= row < count else None
            if isinstance(cell, Free):
                grid[row][c] = Free(cell.available, start)
    return [Row(slot_time(r), (r * SLOT_MINUTES) % 60 == 0, cells)
            for r, cells in enumerate(grid)]
