"""Which measurement points are due, from the number of dosings done (pure rules).

Measures are given at baseline, after dosings 2, 4 and 6, and at follow-up. Each point has
a window in dosings done:

- baseline: before dosing 2 is done (0 or 1 dosings); ideally before the first dosing, but
  a baseline taken after dosing 1 is still a usable reference, so it stays due;
- after dosing k (k = 2, 4): from k dosings done until k + 2 are done;
- after dosing 6: from 6 dosings done on;
- follow-up: once after dosing 6 is recorded (6 or more dosings done).

A point not recorded whose window has passed is "missed" (it cannot be taken back in time);
a point whose window has not opened is "upcoming". Which instruments a patient takes is
chosen from the diagnosis (:func:`instruments_for`).
"""

from __future__ import annotations

from kapms.measures.models import POINTS

# dosings done at which each point's window opens, and closes (None: never closes)
WINDOWS: dict[str, tuple[int, int | None]] = {
    "baseline": (0, 2),
    "after_dosing_2": (2, 4),
    "after_dosing_4": (4, 6),
    "after_dosing_6": (6, None),
    "follow_up": (6, None),
}


def schedule(dosings_done: int, recorded: set[str] | frozenset[str]) -> list[tuple[str, str]]:
    """Each point in order with its status: recorded, due, missed or upcoming."""
    if isinstance(dosings_done, bool) or not isinstance(dosings_done, int) or dosings_done < 0:
        raise ValueError(f"dosings_done must be a non-negative integer, got {dosings_done!r}")
    rows = []
    for point in POINTS:
        opens, closes = WINDOWS[point]
        if point in recorded:
            status = "recorded"
        elif dosings_done < opens:
            status = "upcoming"
        elif closes is not None and dosings_done >= closes:
            status = "missed"
        elif point == "follow_up" and "after_dosing_6" not in recorded:
            # follow-up comes after the end-of-course measure, not instead of it
            status = "upcoming"
        else:
            status = "due"
        rows.append((point, status))
    return rows


def due_points(dosings_done: int, recorded: set[str] | frozenset[str]) -> list[str]:
    """The points due now, in treatment order (see the module docstring for the windows)."""
    return [point for point, status in schedule(dosings_done, recorded) if status == "due"]


# ICD-10 prefix -> instrument, besides the PHQ-9 everyone takes (it carries the
# suicidal-ideation screen).
_BY_DIAGNOSIS = (("F41", "GAD-7"), ("F43.1", "PCL-5"), ("Z73", "MBI-GS"))


def instruments_for(diagnosis_code: str | None, already_given: set[str] = frozenset()) -> list[str]:
    """The instruments a patient with ``diagnosis_code`` is scheduled for, PHQ-9 first,
    plus any instrument already given to them."""
    chosen = ["PHQ-9"]
    code = (diagnosis_code or "").upper()
    for prefix, instrument in _BY_DIAGNOSIS:
        if code.startswith(prefix) and instrument not in chosen:
            chosen.append(instrument)
    order = ["PHQ-9", "GAD-7", "PCL-5", "MBI-GS"]
    return [i for i in order if i in chosen or i in already_given]
