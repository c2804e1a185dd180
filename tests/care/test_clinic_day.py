"""Dates are the clinic's days, not UTC's (the dosing rules on clinic days are tested in
test_dosing.py: the clearance expiry day, a dosing past midnight, the 30-day follow-up)."""

from datetime import UTC, datetime

from kapms import clinic_time


def test_local_date_uses_the_clinic_zone(app):
    assert str(clinic_time.zone()) == app.config["CLINIC_TIMEZONE"] == "America/Los_Angeles"
    late = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 5:30 pm on the 24th in California
    assert clinic_time.local_date(late).isoformat() == "2026-11-24"
