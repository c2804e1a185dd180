"""Template filters: money from cents, times in the clinic's zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kapms import clinic_time


def money(cents) -> str:
    """Format integer cents as dollars: 123456 -> "$1,234.56"."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (setting CLINIC_TIMEZONE)."""
    return clinic_time.zone()


def local(value, fmt: str = "%b %d, %Y %I:%M %p") -> str:
    """Show a UTC datetime in the clinic's time zone; a time of the hour that happens twice
    when clocks go back says which one (e.g. "01:30 AM PST")."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        here = value.astimezone(clinic_zone())
        text = here.strftime(fmt)
        shows_time = "%I" in fmt or "%H" in fmt
        repeated = here.replace(fold=1 - here.fold).utcoffset() != here.utcoffset()
        return f"{text} {here.tzname()}" if shows_time and repeated else text
    if isinstance(value, date):
        return value.strftime("%b %d, %Y")
    return str(value)


def init_app(app) -> None:
    """Register filters and globals."""
    from kapms.auth.models import ROLE_LABELS
    from kapms.web.nav import may_open, nav_for

    app.add_template_filter(money, "money")
    app.add_template_filter(local, "local")
    app.add_template_filter(lambda v: local(v, "%b %d, %Y"), "localdate")
    app.add_template_filter(lambda v: local(v, "%I:%M %p"), "localtime")
    app.add_template_global(nav_for)
    app.add_template_global(may_open)
    app.add_template_global(ROLE_LABELS, "ROLE_LABELS")
