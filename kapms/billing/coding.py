"""Codes from the care record: what happened at each visit -> billed lines (pure rules).

One set of rules codes both what is planned (course estimates and Good Faith Estimates lay
out planned visits) and what happened (superbills, claims and the GFE watch read the care
record), so an estimate and the bill that follows it can only differ by what was done.

Per visit (:class:`Visit`), in date order:

* **Medical visits** by the prescriber: intake -> 99204 (new patient), follow-up -> 99214.
* **Psychotherapy** (preparation, integration) by its actual minutes: 16-37 -> 90832,
  38-52 -> 90834, 53 or more -> 90837; under 16 minutes there is no code and no line.
* **Add-ons with a medical visit.** Psychotherapy given by the clinician who also had a
  medical visit with the patient that day is billed as the add-on of the same length
  (90833 / 90836 / 90838), as is psychotherapy time recorded within the medical visit
  itself (``psychotherapy_minutes``): CPT does not allow the stand-alone code beside an E/M
  service by the same clinician on the same date.
* **Dosing, administered.** In the office, when the practice bills dosings as monitoring
  (the fee schedule in force says so, ``dosing_as``): 0820T for the lead clinician, 0821T
  for each further physician or qualified clinician, 0822T for each further member of the
  clinical staff, each per hour of monitoring (an hour counts from its 31st minute; under
  31 minutes no monitoring line). By telehealth or at home (0820T-0822T are in person
  only), or when the practice bills dosings as psychotherapy: the time code by the
  session's minutes. Either way, one medication line (MED-KETAMINE).
* **Dosing, held** (not administered: blood pressure, a new contraindication). Never
  medication or monitoring. A clinic setting (``bill_held_dosings``) decides whether it is
  billed at all, and if so as psychotherapy by its actual minutes.
* **96127**, one unit per standardized measure given at the visit (see
  :func:`attach_measures`).
* **Place of service and modifier 95.** In the office: place of service 11. By telehealth
  or at home (the patient at home, the clinician on video): place of service 10 and
  modifier 95 (synchronous telehealth) on every professional line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from kapms.billing.codes import billing_units, psychotherapy_code

SETTINGS = ("office", "telehealth", "home")
KINDS = ("intake", "preparation", "dosing", "integration", "follow_up")
EM_CODES = {"intake": "99204", "follow_up": "99214"}
THERAPY_KINDS = ("preparation", "integration")
DOSING_AS = ("monitoring", "psychotherapy")
MEDICATION = "MED-KETAMINE"
MEASURE_CODE = "96127"
MONITORING_CODES = ("0820T", "0821T", "0822T")  # lead, further clinician, clinical staff
OFFICE_POS, HOME_POS, TELEHEALTH_MODIFIER = "11", "10", "95"


@dataclass(frozen=True)
class Visit:
    """One visit as billing sees it: planned or recorded, never any clinical content."""

    session_id: int | None
    service_date: date
    kind: str
    minutes: int  # face-to-face minutes (actual when recorded, expected when planned)
    setting: str = "office"
    clinician_id: int | None = None
    clinician_name: str = ""
    held: bool = False
    monitoring_minutes: int | None = None  # dosing: monitoring start to end
    monitoring_clinicians: int = 1  # physicians / qualified clinicians monitoring, lead included
    monitoring_staff: int = 0  # clinical staff monitoring besides them
    psychotherapy_minutes: int | None = None  # E/M visit: psychotherapy given within it
    measures: int = 0  # standardized measures given at the visit

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown visit kind {self.kind!r}")
        if self.setting not in SETTINGS:
            raise ValueError(f"unknown setting {self.setting!r}; expected one of {SETTINGS}")
        for name in ("minutes", "monitoring_staff", "measures"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number from 0, got {value!r}")
        if self.monitoring_clinicians < 1:
            raise ValueError("a monitored dosing has a lead clinician")

    @property
    def remote(self) -> bool:
        """True when the patient was not in the office (telehealth or at home)."""
        return self.setting != "office"


@dataclass(frozen=True)
class BilledLine:
    """One billable line of a visit."""

    session_id: int | None
    service_date: date
    code: str
    units: int
    minutes: int | None
    clinician_id: int | None
    clinician_name: str
    setting: str
    place_of_service: str
    modifier: str  # "" or "95"


def psychotherapy_or_none(minutes: int | None, with_em: bool = False) -> str | None:
    """The time code for ``minutes`` of psychotherapy, or None under 16 minutes."""
    if not minutes or minutes < 16:
        return None
    return psychotherapy_code(minutes, with_em=with_em)


def code_visits(visits: Iterable[Visit], *, dosing_as: Callable[[date], str] | str = "monitoring",
                bill_held_dosings: bool = True) -> list[BilledLine]:
    """Billed lines for ``visits`` (rules in the module docstring), in date order.

    ``dosing_as`` is "monitoring" or "psychotherapy", or a function of the service date
    giving it (the fee schedule in force that day decides).
    """
    ordered = sorted(visits, key=lambda v: (v.service_date, v.session_id or 0))
    with_em = {(v.service_date, v.clinician_id) for v in ordered
               if v.kind in EM_CODES and v.clinician_id is not None}
    rule = (lambda _day: dosing_as) if isinstance(dosing_as, str) else dosing_as
    lines: list[BilledLine] = []
    for visit in ordered:
        for code, units, minutes in _codes_for(visit, with_em, rule, bill_held_dosings):
            remote = visit.remote and code != MEDICATION
            lines.append(BilledLine(
                visit.session_id, visit.service_date, code, units, minutes, visit.clinician_id,
                visit.clinician_name, visit.setting,
                HOME_POS if visit.remote else OFFICE_POS,
                TELEHEALTH_MODIFIER if remote else ""))
    return lines


def _codes_for(visit: Visit, with_em: set, rule: Callable[[date], str],
               bill_held: bool) -> list[tuple[str, int, int | None]]:
    """(code, units, minutes) for one visit."""
    codes: list[tuple[str, int, int | None]] = []
    if visit.kind in EM_CODES:
        codes.append((EM_CODES[visit.kind], 1, visit.minutes))
        addon = psychotherapy_or_none(visit.psychotherapy_minutes, with_em=True)
        if addon:
            codes.append((addon, 1, visit.psychotherapy_minutes))
    elif visit.kind in THERAPY_KINDS:
        same_day_em = (visit.service_date, visit.clinician_id) in with_em
        code = psychotherapy_or_none(visit.minutes, with_em=same_day_em)
        if code:
            codes.append((code, 1, visit.minutes))
    elif visit.held:
        code = psychotherapy_or_none(visit.minutes) if bill_held else None
        if code:
            codes.append((code, 1, visit.minutes))
    else:
        codes += _dosing_codes(visit, rule(visit.service_date))
        codes.append((MEDICATION, 1, None))
    if visit.measures and (codes or not visit.held):
        codes.append((MEASURE_CODE, visit.measures, None))
    return codes


def _dosing_codes(visit: Visit, dosing_as: str) -> list[tuple[str, int, int | None]]:
    """The professional lines of an administered dosing."""
    if dosing_as not in DOSING_AS:
        raise ValueError(f"dosings are billed as {DOSING_AS}, not {dosing_as!r}")
    if dosing_as == "psychotherapy" or visit.remote:
        code = psychotherapy_or_none(visit.minutes)
        return [(code, 1, visit.minutes)] if code else []
    minutes = visit.monitoring_minutes if visit.monitoring_minutes is not None else visit.minutes
    if minutes < 31:
        return []  # an hour of monitoring counts from its 31st minute
    hours = billing_units("0820T", minutes)
    lead, clinician, staff = MONITORING_CODES
    return ([(lead, hours, minutes)]
            + [(clinician, hours, minutes)] * (visit.monitoring_clinicians - 1)
            + [(staff, hours, minutes)] * visit.monitoring_staff)


def attach_measures(visits: Iterable[Visit],
                    given: Iterable[tuple[date, int | None]]) -> list[Visit]:
    """Count the standardized measures given at each visit (for 96127).

    ``given`` holds one (date, recorded by) pair per measure administration. A measure
    belongs to the visit that day with the clinician who recorded it; one the patient filled
    in (recorded by nobody) or recorded by someone without a visit that day belongs to that
    day's first visit. A measure on a day without a visit is not billed: 96127 is billed
    with an encounter.
    """
    visits = sorted(visits, key=lambda v: (v.service_date, v.session_id or 0))
    counts = [0] * len(visits)
    for day, recorder in given:
        same_day = [i for i, v in enumerate(visits) if v.service_date == day]
        if not same_day:
            continue
        mine = [i for i in same_day if recorder is not None and visits[i].clinician_id == recorder]
        counts[(mine or same_day)[0]] += 1
    return [replace(v, measures=v.measures + n) if n else v for v, n in zip(visits, counts,
                                                                            strict=True)]
