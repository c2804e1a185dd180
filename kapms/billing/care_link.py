"""The one place billing reads the care path, and how care sessions become billed lines.

The care domain provides, in ``kapms.care.services``: ``administered_dosing_count``,
``treatment_plan_dosings`` and ``billable_sessions`` (see docs/care.md); billing calls them
only through this module.

Session kind + minutes -> service codes (:func:`session_lines`):

* intake -> 99204 (new-patient medical visit by the prescriber);
* follow_up -> 99214 (established-patient medical visit);
* preparation / integration -> timed psychotherapy by minutes (90832 / 90834 / 90837);
* dosing in the office -> 0820T per hour of in-person monitoring (CPT's midpoint rule, see
  :func:`kapms.billing.codes.billing_units`); dosing by telehealth -> timed psychotherapy,
  since the monitoring codes are in-person only; either way one medication line
  (MED-KETAMINE) per administered dosing;
* a held dosing (not administered: blood pressure, new contraindication) is still a visit
  with the therapist: it bills as timed psychotherapy by its minutes, never medication or
  monitoring (the care domain's contract says the same);
* a session too short to bill (psychotherapy under 16 minutes, monitoring under 31) is left
  out rather than guessed, and reported in ``BilledLine`` form only when billable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from kapms.billing.codes import billing_units, psychotherapy_code
from kapms.care import services as _care


@dataclass(frozen=True)
class BilledLine:
    """One billable line made from a care session."""

    session_id: int
    service_date: date
    code: str
    units: int
    minutes: int | None
    clinician_id: int | None
    clinician_name: str
    modality: str


def administered_dosing_count(session, patient_id: int) -> int:
    """Dosings the patient has had (held and cancelled ones excluded)."""
    return _care.administered_dosing_count(session, patient_id)


def treatment_plan_dosings(session, patient_id: int) -> int | None:
    """Dosings in the patient's current treatment plan, or None when there is none."""
    return _care.treatment_plan_dosings(session, patient_id)


def billable_sessions(session, patient_id: int, start: date, end: date,
                      tz: tzinfo | None = None) -> list:
    """The care sessions from ``start`` to ``end`` (BillableSession objects), or [].

    ``tz`` is the clinic's time zone, so a session's service date is the local date.
    """
    if tz is None:
        return list(_care.billable_sessions(session, patient_id, start, end))
    return list(_care.billable_sessions(session, patient_id, start, end, tz=tz))


def session_lines(sessions) -> list[BilledLine]:
    """Map care sessions to billed lines (rules in the module docstring), in date order."""
    lines: list[BilledLine] = []
    for s in sorted(sessions, key=lambda s: (s.service_date, s.session_id)):
        for code, minutes in _codes_for(s.kind, s.minutes, s.modality, s.held):
            try:
                units = billing_units(code, minutes)
            except ValueError:
                continue  # too short to bill as this code
            lines.append(BilledLine(s.session_id, s.service_date, code, units, minutes,
                                    s.clinician_id, s.clinician_name, s.modality))
    return lines


def _codes_for(kind: str, minutes: int | None, modality: str,
               held: bool = False) -> list[tuple[str, int | None]]:
    """(code, minutes) pairs for one session; [] when it is not billable."""
    if kind == "intake":
        return [("99204", None)]
    if kind == "follow_up":
        return [("99214", None)]
    if kind in ("preparation", "integration", "dosing"):
        codes: list[tuple[str, int | None]] = []
        if kind == "dosing" and modality == "office" and not held:
            codes.append(("0820T", minutes))
        else:
            try:
                codes.append((psychotherapy_code(int(minutes or 0)), minutes))
            except ValueError:
                pass  # under 16 minutes: not billable as psychotherapy
        if kind == "dosing" and not held:
            codes.append(("MED-KETAMINE", None))
        return codes
    return []
