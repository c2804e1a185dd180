"""The clinic's calendar: which local date an instant falls on.

Times are stored in UTC, but "today", "the day of a session" and "expires on" are the
clinic's days (a 5 pm dosing in California is already tomorrow in UTC). The app factory
sets the zone from CLINIC_TIMEZONE; services and views ask here, so no code mixes the two.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

_zone = ZoneInfo("UTC")


def configure(name: str) -> None:
    """Set the clinic's time zone (an IANA name such as "America/Los_Angeles")."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    """The clinic's time zone."""
    return _zone


def today() -> date:
    """Today's date at the clinic."""
    return datetime.now(_zone).date()


def local_date(instant: datetime) -> date:
    """The clinic's date of a timezone-aware instant."""
    return instant.astimezone(_zone).date()
