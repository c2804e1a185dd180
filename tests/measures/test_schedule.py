"""The measurement schedule: which points are due from the number of dosings done."""

import pytest

from kapms.measures.schedule import due_points, instruments_for, schedule


def test_nothing_done_only_baseline_due():
    assert due_points(0, set()) == ["baseline"]


def test_baseline_still_due_after_first_dosing_then_missed():
    assert due_points(1, set()) == ["baseline"]
    assert dict(schedule(2, set()))["baseline"] == "missed"


def test_after_dosing_2_due_at_2_and_3_missed_at_4():
    assert due_points(2, {"baseline"}) == ["after_dosing_2"]
    assert due_points(3, {"baseline"}) == ["after_dosing_2"]
    assert due_points(4, {"baseline"}) == ["after_dosing_4"]
    assert dict(schedule(4, {"baseline"}))["after_dosing_2"] == "missed"


def test_after_dosing_6_stays_due_and_follow_up_waits_for_it():
    recorded = {"baseline", "after_dosing_2", "after_dosing_4"}
    assert due_points(6, recorded) == ["after_dosing_6"]
    assert dict(schedule(6, recorded))["follow_up"] == "upcoming"
    assert due_points(9, recorded) == ["after_dosing_6"]
    assert due_points(6, recorded | {"after_dosing_6"}) == ["follow_up"]


def test_all_recorded_nothing_due():
    everything = {"baseline", "after_dosing_2", "after_dosing_4", "after_dosing_6", "follow_up"}
    assert due_points(8, everything) == []
    assert {s for _, s in schedule(8, everything)} == {"recorded"}


def test_upcoming_points_before_their_window():
    statuses = dict(schedule(0, set()))
    assert statuses == {"baseline": "due", "after_dosing_2": "upcoming",
                        "after_dosing_4": "upcoming", "after_dosing_6": "upcoming",
                        "follow_up": "upcoming"}


@pytest.mark.parametrize("bad", [-1, 1.5, "2", None, True])
def test_invalid_dosing_count_refused(bad):
    with pytest.raises(ValueError):
        due_points(bad, set())


@pytest.mark.parametrize("code, expected", [
    ("F33.1", ["PHQ-9"]), ("F41.1", ["PHQ-9", "GAD-7"]), ("F43.10", ["PHQ-9", "PCL-5"]),
    ("Z73.0", ["PHQ-9", "MBI-GS"]), (None, ["PHQ-9"]), ("f41.1", ["PHQ-9", "GAD-7"]),
])
def test_instruments_by_diagnosis(code, expected):
    assert instruments_for(code) == expected


def test_instruments_include_any_already_given():
    assert instruments_for("F33.1", {"GAD-7"}) == ["PHQ-9", "GAD-7"]
