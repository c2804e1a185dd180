"""Service codes with the clinic's own plain-language labels, and the time rules that pick them.

CPT descriptors are the AMA's copyright, so the labels here are our own words, not the
official descriptors. Diagnosis codes (ICD-10-CM) live in :mod:`kapms.icd10`.

Service types group codes the way plan benefits do (a copay per service type):
``office_visit`` (diagnostic evaluations and medical E/M visits), ``psychotherapy``,
``monitoring`` (in-person monitoring during a dosing session, billed per hour),
``testing`` (standardized measures) and ``medication`` (ketamine, per dosing; not a CPT code).
"""

from __future__ import annotations

SERVICE_TYPES = ("office_visit", "psychotherapy", "monitoring", "testing", "medication")

SERVICE_CODES: dict[str, tuple[str, str]] = {
    "90791": ("Diagnostic evaluation by a therapist", "office_visit"),
    "90792": ("Diagnostic evaluation by a prescriber, with medical review", "office_visit"),
    "99204": ("Medical intake visit, new patient, moderate complexity", "office_visit"),
    "99214": ("Medical follow-up visit, moderate complexity", "office_visit"),
    "90832": ("Psychotherapy session, about 30 minutes", "psychotherapy"),
    "90834": ("Psychotherapy session, about 45 minutes", "psychotherapy"),
    "90837": ("Psychotherapy session, about 60 minutes", "psychotherapy"),
    "90833": ("Psychotherapy added to a medical visit, about 30 minutes", "psychotherapy"),
    "90836": ("Psychotherapy added to a medical visit, about 45 minutes", "psychotherapy"),
    "90838": ("Psychotherapy added to a medical visit, about 60 minutes", "psychotherapy"),
    "0820T": ("Dosing-session monitoring in person, lead clinician, per hour", "monitoring"),
    "0821T": ("Dosing-session monitoring in person, second clinician, per hour", "monitoring"),
    "0822T": ("Dosing-session monitoring in person, clinical staff, per hour", "monitoring"),
    "96127": ("Standardized symptom questionnaire, per questionnaire", "testing"),
    "MED-KETAMINE": ("Ketamine medication for one dosing session", "medication"),
}

# Codes billed in units of one hour of time rather than once per session.
PER_HOUR_CODES = frozenset({"0820T", "0821T", "0822T"})


def psychotherapy_code(minutes: int, with_em: bool = False) -> str:
    """Pick the psychotherapy code for a session's face-to-face minutes.

    16-37 minutes -> 90832, 38-52 -> 90834, 53 or more -> 90837; with a medical (E/M) visit
    the same day by the same prescriber, the add-ons 90833 / 90836 / 90838. Fewer than 16
    minutes is not billable as psychotherapy: ValueError.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError(f"minutes must be an int, not {type(minutes).__name__} {minutes!r}")
    if minutes < 16:
        raise ValueError(f"{minutes} minutes is too short to bill as psychotherapy (16 minimum)")
    if minutes <= 37:
        return "90833" if with_em else "90832"
    if minutes <= 52:
        return "90836" if with_em else "90834"
    return "90838" if with_em else "90837"


def billing_units(code: str, minutes: int | None) -> int:
    """Units billed for one occurrence of ``code`` lasting ``minutes``.

    Per-hour codes (0820T-0822T) count an hour once its midpoint is passed (CPT's time rule):
    31-90 minutes is 1 unit, 91-150 is 2, and so on; under 31 minutes is not billable. A
    per-hour code with no minutes counts as 1 hour. Every other code is 1 unit per session.
    """
    if code not in PER_HOUR_CODES:
        return 1
    if minutes is None:
        return 1
    if minutes < 31:
        raise ValueError(f"{code} needs at least 31 minutes to bill an hour, got {minutes}")
    return (minutes + 29) // 60


def label(code: str) -> str:
    """Plain-language label of a service code; ValueError naming an unknown code."""
    return _entry(code)[0]


def service_type(code: str) -> str:
    """Service type (one of SERVICE_TYPES) of a service code; ValueError for an unknown code."""
    return _entry(code)[1]


def _entry(code: str) -> tuple[str, str]:
    try:
        return SERVICE_CODES[code]
    except KeyError:
        raise ValueError(f"unknown service code {code!r}") from None
