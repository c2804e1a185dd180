"""Dates are the clinic's days, not UTC's: a late-afternoon dosing on the last day of a
clearance is still within it."""

from datetime import UTC, datetime, time, timedelta

from kapms import clinic_time
from kapms.care import services as care
from tests.care.factories import clear, make_team, session_for


def test_local_date_uses_the_clinic_zone(app):
    assert str(clinic_time.zone()) == app.config["CLINIC_TIMEZONE"] == "America/Los_Angeles"
    late = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 5:30 pm on the 24th in California
    assert clinic_time.local_date(late).isoformat() == "2026-11-24"


def test_dosing_on_the_clearance_expiry_day_is_allowed_in_the_evening(db):
    team = make_team(db)
    last_day = clinic_time.today() + timedelta(days=2)
    clear(db, team, expires_on=last_day)
    session_for(db, team, "preparation", datetime.now(UTC) - timedelta(days=3), "completed")
    evening = datetime.combine(last_day, time(17, 30), clinic_time.zone()).astimezone(UTC)
    assert evening.date() > last_day  # already the next day in UTC
    dosing = session_for(db, team, "dosing", evening)
    assert care.dosing_check(db, dosing) is None
    next_morning = datetime.combine(last_day + timedelta(days=1), time(9), clinic_time.zone())
    late = session_for(db, team, "dosing", next_morning.astimezone(UTC))
    assert "clearance" in care.dosing_check(db, late).lower()
