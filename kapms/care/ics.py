"""The clinician's schedule as iCalendar: sessions in, .ics bytes out (no writes).

Minimum necessary (45 CFR 164.502(b)): calendar files end up on phones and in third-party
calendar services, so events carry only the patient's initials, the session kind and
modality: no names, diagnoses, notes or locations beyond the modality.
"""

from datetime import datetime, timedelta

from icalendar import Calendar, Event


def initials(first: str, last: str) -> str:
    """"Avery Chen" -> "A.C." (the only patient identifier the .ics carries)."""
    return f"{first[:1].upper()}.{last[:1].upper()}."


def sessions_ics(sessions, calendar_name: str, now: datetime) -> bytes:
    """An iCalendar file of ``sessions`` (cancelled ones left out)."""
    cal = Calendar()
    cal.add("prodid", "-//KAPMS//Care calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    for s in sessions:
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
    return cal.to_ical()
