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


def clinician_event(s) -> tuple[str, str | None]:
    """(summary, location) of a session in the clinician's calendar."""
    return (f"{s.kind_label} · {initials(s.patient.first_name, s.patient.last_name)}"
            f" · {s.modality_label}", None)


def sessions_ics(sessions, calendar_name: str, now: datetime, describe=clinician_event,
                 prodid: str = "-//KAPMS//Care calendar//EN", uid: str = "care-session") -> bytes:
    """An iCalendar file of ``sessions`` (cancelled ones left out); ``describe(session)``
    gives each event's (summary, location): what this calendar may say."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    for s in sessions:
        if s.status == "cancelled":
            continue
        summary, location = describe(s)
        event = Event()
        event.add("uid", f"{uid}-{s.id}@kapms")
        event.add("dtstamp", now)
        event.add("dtstart", s.scheduled_start)
        event.add("dtend", s.scheduled_start + timedelta(minutes=s.duration_minutes))
        event.add("summary", summary)
        if location:
            event.add("location", location)
        cal.add_component(event)
    return cal.to_ical()
