"""The clinician's calendar (day and week), the notes-due list and the .ics export."""

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, current_app, render_template, request
from flask_login import current_user
from icalendar import Calendar, Event

from kapms.audit.services import record
from kapms.care import services as care
from kapms.care.blueprint import bp, local_day
from kapms.extensions import db
from kapms.web import panels
from kapms.web.access import roles_required
from kapms.web.filters import clinic_zone

ICS_PAST_DAYS, ICS_FUTURE_DAYS = 30, 180


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), clinic_zone()).astimezone(UTC)


def _parse_day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else datetime.now(clinic_zone()).date()
    except ValueError:
        return datetime.now(clinic_zone()).date()  # a bad ?date= shows today, not a 500


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
    db.session.commit()
    step = timedelta(days=1 if view == "day" else 7)
    return render_template("care/calendar.html", view=view, day=day, days=days, by_day=by_day,
                           prev_day=first - step, next_day=first + step,
                           today=datetime.now(clinic_zone()).date(), due_count=len(due),
                           panels=home_panels)


@bp.get("/notes-due")
@roles_required("therapist", "prescriber")
def notes_due():
    """Past sessions of the signed-in clinician without a signed progress note."""
    rows = care.notes_due(db.session, current_user)
    db.session.commit()
    return render_template("care/notes_due.html", sessions=rows)


def initials(first: str, last: str) -> str:
    """"Avery Chen" -> "A.C." (the only patient identifier the .ics carries)."""
    return f"{first[:1].upper()}.{last[:1].upper()}."


@bp.get("/calendar.ics")
@roles_required("therapist", "prescriber")
def calendar_ics():
    """The signed-in clinician's schedule as iCalendar.

    Minimum necessary (45 CFR 164.502(b)): calendar files end up on phones and in
    third-party calendar services, so events carry only the patient's initials, the session
    kind and modality: no names, diagnoses, notes or locations beyond the modality.
    """
    now = datetime.now(UTC)
    rows = care.clinician_schedule(db.session, current_user, now - timedelta(days=ICS_PAST_DAYS),
                                   now + timedelta(days=ICS_FUTURE_DAYS), audit=False)
    cal = Calendar()
    cal.add("prodid", "-//KAPMS//Care calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{current_app.config['CLINIC_NAME']} sessions")
    for s in rows:
        if s.status == "cancelled":
            continue
        event = Event()
        event.add("uid", f"care-session-{s.id}@kapms")
        event.add("dtstamp", now)
        event.add("dtstart", s.scheduled_start)
        event.add("dtend", s.scheduled_start + timedelta(minutes=s.duration_minutes))
        event.add("summary", f"{s.kind_label} · {initials(s.patient.first_name, s.patient.last_name)}"
                             f" · {s.modality_label}")
        cal.add_component(event)
    record(db.session, current_user, "export", "calendar", current_user.id,
           detail=f"{len(rows)} sessions, initials only")
    db.session.commit()
    return Response(cal.to_ical(), mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="kapms-sessions.ics"'})
