"""The care blueprint and small helpers shared by its view modules."""

from datetime import UTC, date, datetime, time

from flask import Blueprint, current_app

from kapms.care.rules import Thresholds
from kapms.web.access import guard_blueprint
from kapms.web.filters import clinic_zone

bp = Blueprint("care", __name__, url_prefix="/care")
# Clinical pages: the care team and admins (admins read, services refuse their writes).
# Billing never reaches these pages: they hold note narratives and clinical data.
guard_blueprint(bp, "therapist", "prescriber", "admin")


def thresholds() -> Thresholds:
    """The clinic's care-path settings from the app config."""
    return Thresholds.from_config(current_app.config)


def local_to_utc(day: date, at: time | None) -> datetime | None:
    """A clinic-local date and time as an aware UTC datetime (None without a time)."""
    if at is None:
        return None
    return datetime.combine(day, at, clinic_zone()).astimezone(UTC)


def local_day(value: datetime) -> date:
    """The clinic-local date of a UTC datetime."""
    return value.astimezone(clinic_zone()).date()
