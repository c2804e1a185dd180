"""The patient's appointments as iCalendar: sessions in, .ics bytes out (no writes).

Minimum necessary: a calendar file ends up on phones and in calendar services, so an event
says "Appointment" with the clinic's name, where (the office or "Telehealth") and when;
never the kind of session, the clinician's notes or a diagnosis.
"""

from datetime import datetime, timedelta

from icalendar import Calendar, Event


def appointments_ics(sessions, clinic: str, address: str, now: datetime) -> bytes:
    """An iCalendar file of the patient's appointments (cancelled ones left out)."""
    cal = Calendar()
    cal.add("prodid", "-//KAPMS//Patient portal//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", clinic)
    for s in sessions:
        if s.status == "cancelled":
            continue
        event = Event()
        event.add("uid", f"portal-appointment-{s.id}@kapms")
        event.add("dtstamp", now)
        event.add("dtstart", s.scheduled_start)
        event.add("dtend", s.scheduled_start + timedelta(minutes=s.duration_minutes))
        event.add("summary", f"Appointment · {clinic}")
        event.add("location", "Telehealth" if s.modality == "telehealth" else address)
        cal.add_component(event)
    return cal.to_ical()
