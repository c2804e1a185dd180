"""Care-path rules as pure functions: plain values in, a decision out.

No database, no Flask: the services gather the facts, call these, and turn a refusal
(a message string) into ``RuleViolation``. Tested in tests/care/test_rules.py.
"""

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kapms import clinic_time
from kapms.care.constants import (
    CLINIC_ONLY_ROUTES,
    CO_MEDICATION_LABELS,
    CONTRAINDICATION_LABELS,
    DOSING_SETTINGS,
    END_KINDS,
    MAX_DOSINGS,
    PRODUCTS,
    ROUTES,
    SEDATING_CO_MEDICATIONS,
)
from kapms.config import Config

MAX_SCHEDULE_III_REFILLS = 5  # 21 CFR 1306.22(a)
REFILL_WINDOW_MONTHS = 6  # 21 CFR 1306.22(a)
# A time entered on a tablet whose clock runs a little ahead is still "now".
CLOCK_SKEW = timedelta(minutes=5)

# Plausible vitals (a value outside is a typing mistake): forms, services and amendments.
VITAL_RANGES = {"systolic": (40, 300), "diastolic": (20, 200), "heart_rate": (20, 250),
                "spo2": (50, 100)}
VITAL_LABELS = {"systolic": "Systolic BP", "diastolic": "Diastolic BP",
                "heart_rate": "Heart rate", "spo2": "SpO2 %"}

# Thresholds field -> the setting in kapms.config that holds it (defaults live there only).
SETTING_NAMES = {
    "hold_systolic": "BP_HOLD_SYSTOLIC",
    "hold_diastolic": "BP_HOLD_DIASTOLIC",
    "rise_systolic": "BP_RISE_FLAG_SYSTOLIC",
    "rise_diastolic": "BP_RISE_FLAG_DIASTOLIC",
    "clearance_valid_months": "CLEARANCE_VALID_MONTHS",
    "clearance_warning_days": "CLEARANCE_RENEWAL_WARNING_DAYS",
    "checkin_interval_minutes": "CHAPERONE_CHECKIN_MINUTES",
    "dose_tolerance_percent": "DOSE_TOLERANCE_PERCENT",
    "min_monitoring_minutes": "MIN_MONITORING_MINUTES",
    "vitals_due_minutes": "VITALS_DUE_MINUTES",
    "vitals_overdue_minutes": "VITALS_OVERDUE_MINUTES",
    "follow_up_after_dosing": "FOLLOW_UP_AFTER_DOSING",
    "follow_up_days": "FOLLOW_UP_DAYS",
}


@dataclass(frozen=True)
class Thresholds:
    """Clinic settings for the care path (kapms/config.py), passed into services."""

    hold_systolic: int = Config.BP_HOLD_SYSTOLIC
    hold_diastolic: int = Config.BP_HOLD_DIASTOLIC
    rise_systolic: int = Config.BP_RISE_FLAG_SYSTOLIC
    rise_diastolic: int = Config.BP_RISE_FLAG_DIASTOLIC
    clearance_valid_months: int = Config.CLEARANCE_VALID_MONTHS
    clearance_warning_days: int = Config.CLEARANCE_RENEWAL_WARNING_DAYS
    checkin_interval_minutes: int = Config.CHAPERONE_CHECKIN_MINUTES
    dose_tolerance_percent: int = Config.DOSE_TOLERANCE_PERCENT
    min_monitoring_minutes: int = Config.MIN_MONITORING_MINUTES
    vitals_due_minutes: int = Config.VITALS_DUE_MINUTES
    vitals_overdue_minutes: int = Config.VITALS_OVERDUE_MINUTES
    follow_up_after_dosing: int = Config.FOLLOW_UP_AFTER_DOSING
    follow_up_days: int = Config.FOLLOW_UP_DAYS

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        """Build from a Flask config mapping (or any mapping with the same keys)."""
        return cls(**{f.name: int(config[SETTING_NAMES[f.name]]) for f in fields(cls)})


# --- times on a session's day ------------------------------------------------------------

def phase_instant(session_start: datetime, at: time, zone: ZoneInfo,
                  fold: int | None = None) -> datetime:
    """The instant of a clinic-local time of day ``at`` during the session that starts at
    ``session_start`` (aware): the occurrence of that time nearest the start, so a 23:00
    session discharged at 00:40 ends the next day and a 00:10 session checked in at 23:50
    began the day before.

    kapms.clinic_time converts: a time that does not exist that day (the hour skipped when
    clocks go forward) is refused (NonexistentLocalTime, a ValueError); one in the hour
    repeated when clocks go back needs ``fold`` (0 the first, 1 the second), else
    AmbiguousLocalTime asks which.
    """
    day = session_start.astimezone(zone).date()
    candidates = [datetime.combine(day + timedelta(days=shift), at.replace(tzinfo=None), zone)
                  for shift in (-1, 0, 1)]
    local = min(candidates, key=lambda c: abs(c - session_start))
    return clinic_time.to_utc(local.date(), at, fold=fold, zone=zone)


def vitals_refusal(values: dict, required=("systolic", "diastolic", "heart_rate")) -> str | None:
    """Why a vitals reading is incomplete or implausible (values: name -> int | None)."""
    missing = [VITAL_LABELS[n] for n in required if values.get(n) is None]
    if missing:
        return "Enter " + ", ".join(missing) + "."
    for name, (low, high) in VITAL_RANGES.items():
        value = values.get(name)
        if value is not None and not low <= value <= high:
            return f"{VITAL_LABELS[name]} must be between {low} and {high}."
    return None


def future_refusal(instant: datetime, now: datetime, what: str) -> str | None:
    """A time entered for something that happened may not lie in the future."""
    if instant > now + CLOCK_SKEW:
        return f"The {what} time is in the future: enter when it happened."
    return None


# --- clearance ---------------------------------------------------------------------------

def screen_refusal(answers: dict) -> str | None:
    """Every screen item must be answered yes or no (answers: key -> True/False/None)."""
    missing = [label for key, label in CONTRAINDICATION_LABELS.items()
               if answers.get(key) not in (True, False)]
    if missing:
        return ("Answer every item of the contraindication screen with yes or no: "
                + "; ".join(missing) + ".")
    return None


def answered_yes(answers: dict) -> list[str]:
    """Keys of contraindications answered yes, in screen order."""
    return [key for key in CONTRAINDICATION_LABELS if answers.get(key) is True]


def clearance_refusal(decision: str, reason: str | None, answers: dict,
                      override_reason: str | None, bp: tuple[int | None, int | None] = (None, None),
                      heart_rate: int | None = None) -> str | None:
    """Why a clearance decision may not be recorded, or None when it may.

    Clearing needs the whole screen answered, baseline blood pressure and heart rate, and an
    override reason when any contraindication is answered yes (the sources list every
    screen item as "not appropriate", pregnancy and unstable conditions included)."""
    if decision not in ("cleared", "not_cleared", "deferred"):
        return "Choose the decision: cleared, not cleared or deferred."
    if not (reason or "").strip():
        return "Give the reason for the decision."
    if decision == "cleared":
        refusal = screen_refusal(answers)
        if refusal:
            return refusal
        if None in bp or heart_rate is None:
            return "Clearing needs the baseline vitals: blood pressure and heart rate."
        blocking = answered_yes(answers)
        if blocking and not (override_reason or "").strip():
            labels = "; ".join(CONTRAINDICATION_LABELS[k] for k in blocking)
            return (f"A contraindication was answered yes ({labels}). "
                    "Clearing needs an explicit override reason.")
    return None


def clearance_is_current(decision: str | None, expires_on: date | None, revoked: bool,
                         day: date) -> bool:
    """Cleared, not expired on ``day`` (valid through its expiry day) and not revoked."""
    return (decision == "cleared" and not revoked and expires_on is not None
            and day <= expires_on)


def plan_refusal(dosing_count: int | None, product: str | None, route: str | None,
                 dose_mg: Decimal | None, expires_on: date | None, today: date,
                 maintenance_dosings: int = 0) -> str | None:
    """Why a treatment plan (version) is incomplete or impossible, or None."""
    if not dosing_count or not 1 <= dosing_count <= MAX_DOSINGS:
        return f"The plan needs between 1 and {MAX_DOSINGS} dosing sessions."
    if not 0 <= (maintenance_dosings or 0) <= MAX_DOSINGS:
        return f"Maintenance dosings must be between 0 and {MAX_DOSINGS}."
    if product not in PRODUCTS or route not in ROUTES:
        return "Choose the product and route of the plan."
    if not dose_mg or dose_mg <= 0:
        return "Give the planned dose in mg."
    if expires_on is None or expires_on <= today:
        return "The plan's expiry must be after today."
    return None


# --- dosing preconditions ----------------------------------------------------------------

@dataclass(frozen=True)
class DosingFacts:
    """The patient's timeline around one dosing, as the dosing rules need it.

    Everything is judged at the dosing's own time, so recording out of order cannot
    break a rule: ``earlier_open`` and ``later_recorded`` name the neighbours that make
    the order matter (see docs/care.md, "Order of entry").
    """

    clearance_current: bool  # cleared, not revoked, not expired on the dosing's day
    clearance_decided_before: bool = True  # False: every clearance is dated after it
    plan_count: int | None = None  # the plan's course dosings
    maintenance_count: int = 0  # the plan's maintenance dosings
    administered_before: int = 0  # under this clearance, before this dosing
    maintenance_before: int = 0  # of which maintenance dosings
    completed_preparations: int = 0  # before this dosing
    last_dosing_needs_integration: bool = False  # the previous dosing has none after it
    follow_up_after_course: bool = False  # a medical follow-up after the course's last dosing
    earlier_open: datetime | None = None  # an earlier dosing still scheduled or in progress
    later_recorded: datetime | None = None  # a later dosing already checked in

    @property
    def course_done(self) -> bool:
        """All the plan's course dosings administered before this one."""
        return (self.plan_count is not None
                and self.administered_before - self.maintenance_before >= self.plan_count)


def dosing_refusal(facts: DosingFacts) -> str | None:
    """Why a dosing may not go ahead, or None. Checked at check-in and again before the
    medication is given."""
    if facts.earlier_open is not None:
        return (f"An earlier dosing ({facts.earlier_open:%b %d}) is still open: record it, "
                "or cancel it if it did not happen, before this one. Dosings are recorded "
                "in the order they happen.")
    if facts.later_recorded is not None:
        return (f"A later dosing ({facts.later_recorded:%b %d}) is already recorded: a dosing "
                "cannot be slotted in before it. Cancel this session or reschedule it after "
                "that one.")
    if not facts.clearance_decided_before:
        return ("The clearance was decided after this dosing's time: a clearance counts "
                "only for dosings after its decision.")
    if not facts.clearance_current:
        return ("No current medical clearance: a prescriber must clear the patient "
                "(cleared, not expired, not revoked) before any dosing.")
    if facts.completed_preparations < 1:
        return "At least one completed preparation session is needed before the first dosing."
    if facts.last_dosing_needs_integration:
        return ("The previous dosing has no integration session after it yet: hold an "
                "integration session before the next dosing.")
    if facts.course_done:
        if facts.maintenance_before >= facts.maintenance_count:
            return (f"The treatment plan's {facts.plan_count} dosing sessions are all done"
                    + (f" (and its {facts.maintenance_count} maintenance dosings)"
                       if facts.maintenance_count else "")
                    + ": the prescriber must amend the plan or issue a new clearance.")
        if not facts.follow_up_after_course:
            return ("Maintenance dosing follows the course's medical follow-up: the "
                    "prescriber sees the patient first.")
    return None


def is_maintenance(facts: DosingFacts) -> bool:
    """A dosing after the completed course is a maintenance dosing."""
    return facts.course_done


# --- check-in ----------------------------------------------------------------------------

def hold_reason(systolic: int | None, diastolic: int | None, t: Thresholds,
                new_contraindication: str | None = None) -> str | None:
    """Why a dosing must be held instead of administered, or None to proceed."""
    reasons = []
    if systolic is not None and diastolic is not None and (
            systolic >= t.hold_systolic or diastolic >= t.hold_diastolic):
        reasons.append(f"Pre-dose blood pressure {systolic}/{diastolic} mmHg is at or above "
                       f"the hold threshold {t.hold_systolic}/{t.hold_diastolic}.")
    if (new_contraindication or "").strip():
        reasons.append(f"New contraindication reported: {new_contraindication.strip()}")
    return " ".join(reasons) or None


def check_in_refusal(setting: str, chaperone_name: str | None, chaperone_phone: str | None,
                     co_medications: dict, staff_count: int | None,
                     clinician_count: int | None = 1) -> str | None:
    """What a check-in lacks, or None."""
    if setting not in DOSING_SETTINGS:
        return "Choose the setting: in office, telehealth or at home."
    if setting != "office" and not ((chaperone_name or "").strip()
                                    and (chaperone_phone or "").strip()):
        return ("A telehealth or at-home dosing needs the chaperone's (peer treatment "
                "monitor's) name and phone.")
    missing = [label for key, label in CO_MEDICATION_LABELS.items()
               if co_medications.get(key) not in (True, False)]
    if missing:
        return "Answer yes or no for each co-medication taken today: " + "; ".join(missing) + "."
    if not staff_count or staff_count < 1:
        return "Give the number of staff monitoring the patient (at least 1)."
    if clinician_count is None or not 1 <= clinician_count <= staff_count:
        return (f"Of the {staff_count} staff monitoring, give how many are physicians or "
                "qualified clinicians (at least 1, the clinician leading the session).")
    return None


def sedating_taken(co_medications: dict) -> list[str]:
    """Labels of sedating co-medications taken today (they call for a confirmed reason)."""
    return [CO_MEDICATION_LABELS[k] for k in CO_MEDICATION_LABELS
            if k in SEDATING_CO_MEDICATIONS and co_medications.get(k) is True]


# --- administration ----------------------------------------------------------------------

def mg(dose: Decimal) -> str:
    """A dose in words without trailing zeros: 200, 200.5."""
    return f"{Decimal(dose).normalize():f}"


def max_dose(plan_dose: Decimal, t: Thresholds) -> Decimal:
    """The highest dose the plan allows, with the clinic's tolerance."""
    return (plan_dose * (100 + t.dose_tolerance_percent) / 100).quantize(Decimal("0.01"))


def administration_refusal(plan: tuple[str, str, Decimal], product: str, route: str,
                           dose_mg: Decimal, setting: str, t: Thresholds) -> str | None:
    """Why this medication may not be given under the plan (product, route, dose), or None."""
    plan_product, plan_route, plan_dose = plan
    if product not in PRODUCTS or route not in ROUTES:
        return "Choose the product and route given."
    if product != plan_product or route != plan_route:
        return (f"The plan is {PRODUCTS[plan_product]}, {ROUTES[plan_route].lower()}: "
                "anything else needs a plan change from the prescriber.")
    if route in CLINIC_ONLY_ROUTES and setting != "office":
        return (f"{ROUTES[route]} is given by staff in the office, never at a telehealth "
                "or at-home dosing.")
    if dose_mg is None or dose_mg <= 0:
        return "Give the dose in mg."
    limit = max_dose(plan_dose, t)
    if dose_mg > limit:
        allowed = (f"{mg(plan_dose)} mg" if limit == plan_dose
                   else f"{mg(plan_dose)} mg + {t.dose_tolerance_percent}% = {mg(limit)} mg")
        return (f"{mg(dose_mg)} mg is above the plan's dose ({allowed}): a higher dose needs "
                "the prescriber (request a plan change).")
    return None


# --- monitoring --------------------------------------------------------------------------

def bp_rise_flag(pre: tuple[int | None, int | None],
                 readings: list[tuple[str, int | None, int | None]],
                 t: Thresholds) -> str | None:
    """A flag text when a post-dose reading rose >= the rise setting over pre-dose.

    ``readings`` are (label, systolic, diastolic), e.g. ("~40 minutes", 150, 95).
    """
    pre_sys, pre_dia = pre
    if pre_sys is None or pre_dia is None:
        return None
    flags = []
    for label, sys_, dia in readings:
        if sys_ is None or dia is None:
            continue
        if sys_ - pre_sys >= t.rise_systolic or dia - pre_dia >= t.rise_diastolic:
            flags.append(f"{label}: {sys_}/{dia} (+{sys_ - pre_sys}/+{dia - pre_dia} over "
                         f"pre-dose {pre_sys}/{pre_dia})")
    return ("Post-dose blood pressure rise: " + "; ".join(flags)) if flags else None


def monitoring_minutes(start: datetime | None, end: datetime | None) -> int | None:
    """Whole minutes between monitoring start and end; None when either is missing."""
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


@dataclass(frozen=True)
class VitalsDue:
    """The ~40-minute vitals: when due, and where they stand now."""

    due_at: datetime
    overdue_at: datetime
    state: str  # done, upcoming, due, overdue


def vitals_due(given_at: datetime, taken: bool, now: datetime, t: Thresholds) -> VitalsDue:
    """Where the ~40-minute vitals stand: due from VITALS_DUE_MINUTES after the dose,
    overdue after VITALS_OVERDUE_MINUTES."""
    due_at = given_at + timedelta(minutes=t.vitals_due_minutes)
    overdue_at = given_at + timedelta(minutes=t.vitals_overdue_minutes)
    if taken:
        state = "done"
    elif now >= overdue_at:
        state = "overdue"
    elif now >= due_at:
        state = "due"
    else:
        state = "upcoming"
    return VitalsDue(due_at, overdue_at, state)


@dataclass(frozen=True)
class CheckinSlot:
    """One chaperone check-in the interval calls for."""

    due_at: datetime
    state: str  # done, missed, pending


def checkin_slots(start: datetime, end: datetime, times: list[datetime],
                  interval_minutes: int, closed: bool = False) -> list[CheckinSlot]:
    """The check-ins due every ``interval_minutes`` from ``start`` (the dose) up to ``end``
    (now while monitoring; discharge once ``closed``), and whether each was made.

    A slot counts as done when a check-in falls within half an interval of it. While
    monitoring, a slot whose window is still open is pending; once closed, every slot
    before discharge without a check-in was missed.
    """
    step = timedelta(minutes=interval_minutes)
    half = step / 2
    slots, due = [], start + step
    while due < end or (not closed and due <= end):
        if any(due - half < at <= due + half for at in times):
            state = "done"
        elif not closed and due + half > end:
            state = "pending"
        else:
            state = "missed"
        slots.append(CheckinSlot(due, state))
        due += step
    return slots


# --- discharge ---------------------------------------------------------------------------

def discharge_refusal(*, given_at: datetime, discharged_at: datetime, mid_vitals: bool,
                      discharge_vitals: bool, stable: bool, ride_home: bool,
                      no_driving: bool, t: Thresholds) -> str | None:
    """Why the session may not close yet, or None."""
    if discharged_at < given_at:
        return "Discharge cannot be before the dose was given."
    if not mid_vitals:
        return "Record the ~40-minute vitals before discharge."
    if not discharge_vitals:
        return "Record the vitals before discharge."
    if not (stable and ride_home and no_driving):
        return ("Discharge needs the patient stable, a safe ride home arranged and told not "
                "to drive until the next day.")
    minutes = monitoring_minutes(given_at, discharged_at)
    if minutes < t.min_monitoring_minutes:
        return (f"Monitoring has lasted {minutes} minutes: the clinic's minimum is "
                f"{t.min_monitoring_minutes} minutes from the dose.")
    return None


def end_early_refusal(*, kind: str | None, reason: str | None, transferred_to: str | None,
                      no_driving: bool, given_at: datetime, ended_at: datetime) -> str | None:
    """Why a dosing in monitoring may not be closed early as described, or None.

    Closing early is for a session that cannot end in a normal discharge: it needs what
    happened in words; an emergency transfer says where the patient was taken; a patient
    who leaves on their own (against advice, or ended early otherwise) must have been told
    not to drive, as at any discharge. The minimum monitoring time does not apply (the
    record says how long monitoring lasted).
    """
    if kind not in END_KINDS:
        return "Choose how the session ended."
    if not (reason or "").strip():
        return "Describe what happened and why the session ended early."
    if ended_at < given_at:
        return "The session cannot end before the dose was given."
    if kind == "emergency_transfer" and not (transferred_to or "").strip():
        return "Say where the patient was transferred (e.g. the emergency department)."
    if kind != "emergency_transfer" and not no_driving:
        return ("A patient who leaves before discharge must be told not to drive until the "
                "next day: confirm it.")
    return None


MEDICAL_VISITS = frozenset({"intake", "follow_up"})


def psychotherapy_refusal(kind: str, psychotherapy_minutes: int | None,
                          visit_minutes: int) -> str | None:
    """Why psychotherapy minutes cannot be recorded on this visit, or None.

    Only a medical visit (intake, follow-up) records psychotherapy given within it (CPT's
    add-on codes), and that time is a part of the visit separate from the medical
    evaluation, so it is shorter than the whole visit.
    """
    if psychotherapy_minutes is None:
        return None
    if kind not in MEDICAL_VISITS:
        return ("Psychotherapy minutes are recorded on a medical visit (intake or "
                "follow-up); this session's minutes are its psychotherapy.")
    if psychotherapy_minutes < 0:
        return "Psychotherapy minutes cannot be negative."
    if psychotherapy_minutes >= visit_minutes:
        return (f"Psychotherapy ({psychotherapy_minutes} min) must be a part of the "
                f"{visit_minutes}-minute visit, separate from the medical evaluation.")
    return None


# --- prescriptions -----------------------------------------------------------------------

_DEA = re.compile(r"^[A-Z][A-Z9](\d{7})$")


def dea_number_valid(number: str) -> bool:
    """Format (2 letters, 7 digits) and the DEA check digit."""
    match = _DEA.match((number or "").strip().upper())
    if not match:
        return False
    d = [int(c) for c in match.group(1)]
    total = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])
    return total % 10 == d[6]


def refills_refusal(refills: int) -> str | None:
    """Schedule III: at most 5 refills."""
    if refills < 0 or refills > MAX_SCHEDULE_III_REFILLS:
        return f"A Schedule III prescription may be refilled at most {MAX_SCHEDULE_III_REFILLS} times."
    return None


def refill_refusal(issued_on: date, authorized: int, done: int, refill_on: date) -> str | None:
    """Why a refill on ``refill_on`` is refused (1306.22: <= 5, within 6 months of issue)."""
    if refill_on < issued_on:
        return "A refill cannot be dated before the prescription was issued."
    if refill_on > clinic_time.add_months(issued_on, REFILL_WINDOW_MONTHS):
        return ("Schedule III refills are allowed only within 6 months of the issue date "
                f"(until {clinic_time.add_months(issued_on, REFILL_WINDOW_MONTHS):%b %d, %Y}).")
    if done >= authorized:
        return f"All {authorized} authorized refills have been used."
    return None
