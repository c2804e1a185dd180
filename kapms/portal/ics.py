"""The patient's appointments as iCalendar: sessions in, .ics bytes out (no writes).

Minimum necessary: a calendar file ends up on phones and in calendar services, so an event
says "Appointment" with the clinic's name, where (the office or "Telehealth") and when;
never the kind of session, the clinician's notes or a diagnosis. The file is written by the
care domain's calendar exporter; this module says what a patient's event carries.
"""

from datetime import datetime

from kapms.care.ics import sessions_ics


def appointments_ics(sessions, clinic: str, address: str, now: datetime) -> bytes:
    """An iCalendar file of the patient's appointments (cancelled ones left out)."""
    def describe(s):
        return (f"Appointment · {clinic}",
                "Telehealth" if s.modality == "telehealth" else address)

    return sessions_ics(sessions, clinic, now, describe=describe,
                        prodid="-//KAPMS//Patient portal//EN", uid="portal-appointment")
