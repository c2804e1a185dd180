"""Calendars: the clinician's own (their home page), any clinician's and the whole practice's
for admins (who coordinate the network), as day and week time grids or a list; booking in a
clinician's free time; the notes-due list and the .ics export.

Everything works with links and buttons (no dragging): a free time in the clinician's weekly
availability (their directory profile) is a "Book" link, which asks for the patient and
opens the schedule form with the time filled in.
"""

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care import booking, timegrid
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.constants import FREED_STATUSES
from kapms.care.ics import sessions_ics
from kapms.care.services.calendar import CLINICIAN_ROLES
from kapms.database import utcnow
from kapms.extensions import db
from kapms.network.services.profiles import weekly_availabilities, weekly_availability
from kapms.web import edge, panels
from kapms.web.access import roles_required
from kapms.web.edge import page_arg
from kapms.web.filters import clinic_zone

ICS_PAST_DAYS, ICS_FUTURE_DAYS = 30, 180
VIEWS = ("day", "week", "list")
BOOKING_MINUTES = 60  # the length a "Book" link offers (the form can change it)
PRACTICE_PER_PAGE = 8
NOTES_DUE_PER_PAGE = 50


def parse_day(raw: str | None) -> date | None:
    """A query-string date within the app's date range (kapms.web.edge), else None."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day and edge.EARLIEST_DATE <= day <= edge.LATEST_DATE else None


def _parse_day(raw: str | None) -> date:
    # A bad or far-off ?date= shows today, not a 500 (nor a week past the year 9999).
    return parse_day(raw) or clinic_time.today()


def _period() -> tuple[str, date, list[date]]:
    """The view asked for (day, week or list; week by default), the day, and its days."""
    view = request.args.get("view")
    view = view if view in VIEWS else "week"
    day = _parse_day(request.args.get("date"))
    first = day if view == "day" else day - timedelta(days=day.weekday())
    return view, day, [first + timedelta(days=i) for i in range(1 if view == "day" else 7)]


def _utc(day: date) -> datetime:
    return booking.day_bounds(day, clinic_zone())[0].astimezone(UTC)


def availability(clinician_id: int) -> list[tuple[int, time, time]]:
    """The clinician's weekly availability from their directory profile (none without
    one), as (weekday, from, to) in clinic-local time."""
    return _weekly(weekly_availability(db.session, clinician_id))


def _weekly(slots) -> list[tuple[int, time, time]]:
    return [(s.weekday, s.starts_at, s.ends_at) for s in slots]


def open_times(clinician_id: int, days: list[date], minutes: int = BOOKING_MINUTES,
               weekly=None, patient_id: int | None = None, busy=None) -> list[datetime]:
    """Starts bookable for ``minutes`` on ``days`` in the clinician's availability that
    nothing else takes (nor the patient's sessions, for a patient's form), after now.
    ``busy``: the clinician's taken times on those days, when already read."""
    weekly = availability(clinician_id) if weekly is None else weekly
    if not weekly or not days:
        return []
    if busy is None:
        busy = care.busy_times(db.session, _utc(days[0]), _utc(days[-1] + timedelta(days=1)),
                               clinician_id=clinician_id, patient_id=patient_id)
    return booking.open_times(weekly, busy, days, minutes, clinic_zone(), utcnow())


def _local(moment: datetime) -> datetime:
    return moment.astimezone(clinic_zone())


def _grid(columns_days: list[date], sessions_per_column, open_per_column, weekly_per_column):
    """Time-grid rows: sessions that keep their time, open starts and availability."""
    columns = [[(_local(s.scheduled_start), s.duration_minutes, s) for s in sessions
                if s.status not in FREED_STATUSES and _local(s.scheduled_start).date() == d]
               for d, sessions in zip(columns_days, sessions_per_column, strict=True)]
    available = [[(start, end) for weekday, start, end in weekly if weekday == d.weekday()]
                 for d, weekly in zip(columns_days, weekly_per_column, strict=True)]
    opens = [[_local(t) for t in starts] for starts in open_per_column]
    return timegrid.layout(columns, opens, available)


def _page_links(view: str, days: list[date], endpoint: str, **args) -> dict:
    step = timedelta(days=1 if view == "day" else 7)
    today = clinic_time.today()
    return {
        "prev": url_for(endpoint, view=view, date=(days[0] - step).isoformat(), **args),
        "next": url_for(endpoint, view=view, date=(days[0] + step).isoformat(), **args),
        "today": url_for(endpoint, view=view, date=today.isoformat(), **args),
        "views": {v: url_for(endpoint, view=v, date=days[0].isoformat(), **args)
                  for v in VIEWS},
        "today_date": today,
    }


def _clinician_page(clinician, *, own: bool, endpoint: str, **args):
    view, day, days = _period()
    # The sessions shown and the times they take (for the free times offered): one read.
    rows, busy = care.calendar_and_busy(db.session, current_user, clinician.id, _utc(days[0]),
                                        _utc(days[-1] + timedelta(days=1)))
    weekly = availability(clinician.id)
    opens = open_times(clinician.id, days, weekly=weekly, busy=busy)
    grid = _grid(days, [rows] * len(days),
                 [[t for t in opens if _local(t).date() == d] for d in days],
                 [weekly] * len(days)) if view != "list" else None
    by_day = {d: [s for s in rows if _local(s.scheduled_start).date() == d] for d in days}
    today = clinic_time.today()
    columns = [{"label": f"{d:%a %b %d}", "day": d, "clinician_id": clinician.id,
                "today": d == today,
                "url": url_for(endpoint, view="day", date=d.isoformat(), **args)
                if view == "week" else None} for d in days]
    context = {}
    if own:
        # The calendar is the clinicians' home, so it carries the dashboard's sections too
        # (safety alerts, referral offers, reviews) above the schedule.
        context["due_count"] = care.count_notes_due(db.session, current_user)
        context["panels"] = panels.collect(panels.DASHBOARD, current_user)
    html = render_template(
        "care/calendar.html", view=view, day=day, days=days, grid=grid, by_day=by_day,
        columns=columns,
        freed=[s for s in rows if s.status in FREED_STATUSES], clinician=clinician, own=own,
        has_availability=bool(weekly), links=_page_links(view, days, endpoint, **args),
        book_minutes=BOOKING_MINUTES, **context)
    db.session.commit()  # the audit records of the reads, after rendering
    return html


@bp.get("/calendar")
@roles_required("therapist", "prescriber")
def calendar():
    """The signed-in clinician's own sessions as a day or week time grid, or a list (the
    clinicians' home page)."""
    return _clinician_page(current_user, own=True, endpoint="care.calendar")


@bp.get("/practice/<int:clinician_id>")
@roles_required("admin")
def clinician_calendar(clinician_id: int):
    """One clinician's calendar, for an admin."""
    clinician = care.get_clinician(db.session, current_user, clinician_id)
    return _clinician_page(clinician, own=False, endpoint="care.clinician_calendar",
                           clinician_id=clinician.id)


@bp.get("/practice")
@roles_required("admin")
def practice():
    """Every therapist and prescriber, a page of them at a time: a day as a time grid with a
    column each, or a week with a row each; filtered by role and name."""
    view, day, days = _period()
    view = "day" if view == "day" else "week"
    days = days if view == "day" else days[:7]
    role = request.args.get("role") if request.args.get("role") in CLINICIAN_ROLES else None
    name = request.args.get("name", "").strip()[:100]
    page = edge.page_arg()
    clinicians, more = care.practice_clinicians(db.session, current_user, role=role, name=name,
                                                page=page, per_page=PRACTICE_PER_PAGE)
    # The page's clinicians' sessions and the times they take (the free times offered on
    # a day): one read for them all, as their weekly availability is.
    rows, busy = care.calendars_and_busy(
        db.session, current_user, [c.id for c in clinicians], _utc(days[0]),
        _utc(days[-1] + timedelta(days=1)), detail="practice calendar")
    mine = {c.id: [s for s in rows if s.clinician_id == c.id] for c in clinicians}
    grid, columns = None, []
    if view == "day":
        columns = [{"label": c.display_name, "who": c.display_name, "day": day,
                    "clinician_id": c.id,
                    "url": url_for("care.clinician_calendar", clinician_id=c.id, view="day",
                                   date=day.isoformat())} for c in clinicians]
        slots = weekly_availabilities(db.session, [c.id for c in clinicians])
        weekly = {c.id: _weekly(slots.get(c.id, [])) for c in clinicians}
        grid = _grid([day] * len(clinicians), [mine[c.id] for c in clinicians],
                     [open_times(c.id, [day], weekly=weekly[c.id], busy=busy.get(c.id, []))
                      for c in clinicians],
                     [weekly[c.id] for c in clinicians])
    filters = {k: v for k, v in (("role", role), ("name", name)) if v}
    html = render_template(
        "care/practice.html", view=view, day=day, days=days, grid=grid, columns=columns,
        clinicians=clinicians,
        mine=mine, more=more, page=page, role=role, name=name, filters=filters,
        links=_page_links(view, days, "care.practice", **filters), book_minutes=BOOKING_MINUTES)
    db.session.commit()
    return html


@bp.get("/book")
@roles_required("therapist", "prescriber", "admin")
def book():
    """Book a clinician's free time: choose the patient (from the clinician's care teams),
    then the schedule form opens with the clinician, date and time filled in."""
    clinician_id = edge.id_arg("clinician_id")
    if not clinician_id:
        abort(404)
    clinician = care.get_clinician(db.session, current_user, clinician_id)
    day = _parse_day(request.args.get("day"))
    try:
        at = time.fromisoformat(request.args.get("start_time", ""))
    except ValueError:
        at = None
    minutes = edge.id_arg("duration_minutes")
    minutes = minutes if minutes and care.MIN_MINUTES <= minutes <= care.MAX_MINUTES \
        else BOOKING_MINUTES
    page = edge.page_arg()
    patients, more = care.bookable_patients(db.session, current_user, clinician, page=page)
    html = render_template("care/book.html", clinician=clinician, day=day, at=at,
                           minutes=minutes, patients=patients, more=more, page=page)
    db.session.commit()
    return html


@bp.get("/notes-due")
@roles_required("therapist", "prescriber")
def notes_due():
    """Past sessions of the signed-in clinician without a signed progress note, oldest
    first, a page at a time."""
    total = care.count_notes_due(db.session, current_user)
    pages = max((total + NOTES_DUE_PER_PAGE - 1) // NOTES_DUE_PER_PAGE, 1)
    page = page_arg(last=pages)
    rows = care.notes_due(db.session, current_user, limit=NOTES_DUE_PER_PAGE,
                          offset=(page - 1) * NOTES_DUE_PER_PAGE)
    db.session.commit()
    return render_template("care/notes_due.html", sessions=rows, page=page, pages=pages,
                           total=total)


@bp.get("/calendar.ics")
@roles_required("therapist", "prescriber")
def calendar_ics():
    """The signed-in clinician's schedule as iCalendar, initials only (kapms.care.ics)."""
    now = datetime.now(UTC)
    past, ahead = (current_app.config[f"CALENDAR_FEED_{when}_DAYS"] for when in ("PAST", "FUTURE"))
    rows = care.clinician_schedule(db.session, current_user, now - timedelta(days=past),
                                   now + timedelta(days=ahead), audit=False)
    ics = sessions_ics(rows, f"{current_app.config['CLINIC_NAME']} sessions", now)
    record(db.session, current_user, "export", "calendar", current_user.id,
           detail=f"{len(rows)} sessions, initials only")
    db.session.commit()
    return Response(ics, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="kapms-sessions.ics"'})


def schedule_url(patient_id: int, clinician_id: int, start: datetime, minutes: int,
                 kind: str | None = None) -> str:
    """The schedule form of ``patient`` with the clinician and a clinic-local time filled
    in (a "Book" link)."""
    local = _local(start)
    return url_for("care.session_new", patient_id=patient_id, clinician_id=clinician_id,
                   day=local.date().isoformat(), start_time=local.strftime("%H:%M"),
                   duration_minutes=minutes, kind=kind or None)
