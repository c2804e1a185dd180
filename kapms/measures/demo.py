"""Demo measures: baselines for avery, elena, marcus and grace (marcus has had one dosing,
so nothing later is due yet); grace through after dosing 6 and follow-up, improving; and elena's baseline PHQ-9 with
item 9 = 1, so an open safety alert shows on the dashboard."""

from datetime import UTC, date, datetime, timedelta

from kapms.measures.services import record_administration

# patient -> [(instrument, point, days before today, answers)]
DEMO_MEASURES = {
    "avery": [("PHQ-9", "baseline", 6, [2, 2, 2, 1, 1, 2, 1, 1, 0])],
    "elena": [("PHQ-9", "baseline", 3, [2, 3, 2, 2, 1, 2, 2, 1, 1]),
              ("PCL-5", "baseline", 3, [3, 3, 2, 3, 2, 3, 3, 1, 2, 2, 3, 2, 2, 2, 2, 1, 3, 3,
                                        2, 3])],
    "marcus": [("PHQ-9", "baseline", 30, [3, 3, 2, 2, 2, 2, 2, 1, 0])],
    "grace": [
        ("PHQ-9", "baseline", 120, [2, 2, 3, 3, 1, 2, 2, 1, 0]),
        ("PHQ-9", "after_dosing_2", 104, [1, 2, 2, 2, 1, 1, 1, 0, 0]),
        ("PHQ-9", "after_dosing_4", 90, [1, 1, 1, 1, 1, 1, 1, 0, 0]),
        ("PHQ-9", "after_dosing_6", 76, [0, 1, 1, 1, 0, 0, 1, 0, 0]),
        ("PHQ-9", "follow_up", 20, [0, 1, 1, 1, 0, 0, 0, 0, 0]),
        ("MBI-GS", "baseline", 120, [6, 5, 6, 5, 3, 6, 3, 5, 4, 3, 4, 3, 5, 4, 4, 4]),
        ("MBI-GS", "after_dosing_2", 104, [5, 5, 5, 4, 3, 5, 4, 4, 4, 4, 4, 3, 4, 3, 4, 4]),
        ("MBI-GS", "after_dosing_4", 90, [4, 4, 4, 4, 4, 4, 4, 3, 3, 4, 4, 4, 3, 3, 3, 4]),
        ("MBI-GS", "after_dosing_6", 76, [3, 3, 4, 3, 4, 3, 4, 2, 2, 5, 4, 4, 2, 2, 2, 5]),
        ("MBI-GS", "follow_up", 20, [3, 3, 3, 3, 5, 3, 5, 2, 2, 5, 5, 4, 2, 2, 2, 5]),
    ],
}


def seed(session, ctx: dict) -> None:
    """Record the demo administrations as the demo therapist."""
    therapist = ctx["users"]["therapist"]
    today = datetime.now(UTC).date()
    for key, rows in DEMO_MEASURES.items():
        patient = ctx["patients"][key]
        for instrument, point, days_ago, answers in rows:
            given: date = today - timedelta(days=days_ago)
            record_administration(session, therapist, patient, instrument, point, given,
                                  answers)
