"""Care-path rules as pure functions: plain values in, a decision out.

No database, no Flask: the services gather the facts, call these, and turn a refusal
(a message string) into ``RuleViolation``. Tested in tests/care/test_rules.py.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from kapms.care.constants import ABSOLUTE_CONTRAINDICATIONS, CONTRAINDICATION_LABELS

MAX_SCHEDULE_III_REFILLS = 5  # 21 CFR 1306.22(a)
REFILL_WINDOW_MONTHS = 6  # 21 CFR 1306.22(a)


@dataclass(frozen=True)
class Thresholds:
    """Clinic settings for the care path (kapms/config.py), passed into services."""

    hold_systolic: int = 160
    hold_diastolic: int = 100
    rise_systolic: int = 40
    rise_diastolic: int = 25
    clearance_valid_months: int = 12

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        """Build from a Flask config mapping (or any mapping with the same keys)."""
        return cls(config["BP_HOLD_SYSTOLIC"], config["BP_HOLD_DIASTOLIC"],
                   config["BP_RISE_FLAG_SYSTOLIC"], config["BP_RISE_FLAG_DIASTOLIC"],
                   config["CLEARANCE_VALID_MONTHS"])


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- clearance ---------------------------------------------------------------------------

def absolute_yes(answers: dict) -> list[str]:
    """Keys of absolute contraindications answered yes (answers: key -> bool)."""
    return [key for key in CONTRAINDICATION_LABELS
            if key in ABSOLUTE_CONTRAINDICATIONS and answers.get(key)]


def clearance_refusal(decision: str, reason: str | None, answers: dict,
                      override_reason: str | None) -> str | None:
    """Why a clearance decision may not be recorded, or None when it may."""
    if decision not in ("cleared", "not_cleared", "deferred"):
        return "Choose cleared, not cleared or deferred."
    if not (reason or "").strip():
        return "Give the reason for the decision."
    if decision == "cleared":
        blocking = absolute_yes(answers)
        if blocking and not (override_reason or "").strip():
            labels = "; ".join(CONTRAINDICATION_LABELS[k] for k in blocking)
            return (f"An absolute contraindication was answered yes ({labels}). "
                    "Clearing needs an explicit override reason.")
    return None


def clearance_is_current(decision: str | None, expires_on: date | None, revoked: bool,
                         today: date) -> bool:
    """Cleared, not expired (valid through its expiry day) and not revoked."""
    return (decision == "cleared" and not revoked and expires_on is not None
            and today <= expires_on)


# --- dosing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DosingFacts:
    """What the dosing rules need to know about a patient right now."""

    clearance_current: bool
    plan_count: int | None
    administered_under_plan: int
    completed_preparations: int
    last_dosing_needs_integration: bool


def dosing_refusal(facts: DosingFacts) -> str | None:
    """Why a dosing may not go ahead, or None. Checked before any medication is given."""
    if not facts.clearance_current:
        return ("No current medical clearance: a prescriber must clear the patient "
                "(cleared, not expired, not revoked) before any dosing.")
    if facts.completed_preparations < 1:
        return "At least one completed preparation session is needed before the first dosing."
    if facts.last_dosing_needs_integration:
        return ("The previous dosing has no integration session after it yet: hold an "
                "integration session before the next dosing.")
    if facts.plan_count is not None and facts.administered_under_plan >= facts.plan_count:
        return (f"The treatment plan's {facts.plan_count} dosing sessions are all done: "
                "the prescriber must amend the plan or issue a new clearance.")
    return None


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
    if refill_on > add_months(issued_on, REFILL_WINDOW_MONTHS):
        return ("Schedule III refills are allowed only within 6 months of the issue date "
                f"(until {add_months(issued_on, REFILL_WINDOW_MONTHS):%b %d, %Y}).")
    if done >= authorized:
        return f"All {authorized} authorized refills have been used."
    return None
