"""The clinician's calendar (day and week), the notes-due list and the .ics export."""

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, current_app, render_template, request
from flask_login import current_user

from kapms import clinic_time
from kapms.audit.services import record
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.ics import sessions_ics
from kapms.care.views.common import local_day
from kapms.extensions import db
from kapms.web import panels
from kapms.web.access import roles_required
from kapms.web.filters import clinic_zone


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), clinic_zone()).astimezone(UTC)


def _parse_day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else clinic_time.today()
    except ValueError:
        return clinic_time.today()  # a bad ?date= shows today, not a 500


@bp.get("/calendar")
@roles_required("therapist", "prescriber")
def calendar():
    """Day or week view of the signed-in clinician's own sessions (the clinicians' home)."""
    view = "day" if request.args.get("view") == "day" else "week"
    day = _parse_day(request.args.get("date"))
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = [first + timedelta(days=i) for i in range(1 if view == "day" else 7)]
    rows = care.clinician_schedule(db.session, current_user, _day_start(days[0]),
                                   _day_start(days[-1] + timedelta(days=1)))
    by_day = {d: [s for s in rows if local_day(s.scheduled_start) == d] for d in days}
    due = care.notes_due(db.session, current_user)
    # The calendar is the clinicians' home, so it carries the dashboard's sections too
    # (safety alerts, referral offers) above the schedule.
    home_panels = panels.collect(panels.DASHBOARD, current_user)
    step = timedelta(days=1 if view == "day" else 7)
    return render_template("care/calendar.html", view=view, day=day, days=days, by_day=by_day,
                           prev_day=first - step, next_day=first + step,
                           today=clinic_time.today(), due_count=len(due),
                           panels=home_panels)


@bp.get("/notes-due")
@roles_required("therapist", "prescriber")
def notes_due():
    """Past sessions of the signed-in clinician without a signed progress note."""
    rows = care.notes_due(db.session, current_user)
    return render_template("care/notes_due.html", sessions=rows)


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
