"""Parsing the compact text forms of licences, availability and vocabularies.

The profile form (one item per line) and the CSV import (items separated by ";") accept the
same syntax, so a clinician and an onboarding spreadsheet are validated identically.
Every parser raises ValueError with a message fit to show the user.
"""

import re
from datetime import date, time

from kapms.network.vocabulary import LICENCE_TYPES, SPECIALTIES, WEEKDAYS

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split())
_SPLIT = re.compile(r"[;\n]+")
_SLOT = re.compile(r"^(\w{3})\w*\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}


def items(text: str | None) -> list[str]:
    """Non-empty items of a ";"- or line-separated text."""
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


def parse_state(text: str) -> str:
    """A USPS state code, upper-cased."""
    state = (text or "").strip().upper()
    if state not in US_STATES:
        raise ValueError(f"{text!r} is not a US state code (e.g. CA).")
    return state


def parse_date(text: str, what: str = "date") -> date:
    """An ISO date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date like 2027-06-30.") from None


def parse_licence(text: str) -> tuple[str, str, str, date]:
    """"LMFT 12345 CA 2027-06-30" -> (type, number, state, expires_on)."""
    parts = text.split()
    if len(parts) != 4:
        raise ValueError(f"Licence {text!r} should read TYPE NUMBER STATE EXPIRY, "
                         "e.g. LMFT 12345 CA 2027-06-30.")
    kind, number, state, expires = parts
    types = {t.upper(): t for t in LICENCE_TYPES}
    if kind.upper() not in types:
        raise ValueError(f"Licence type {kind!r} is not one of {', '.join(LICENCE_TYPES)}.")
    if len(number) > 40:
        raise ValueError("A licence number has at most 40 characters.")
    return types[kind.upper()], number, parse_state(state), parse_date(expires, "Expiry")


def parse_licences(text: str | None) -> list[tuple[str, str, str, date]]:
    """Every licence in a ";"- or line-separated text."""
    return [parse_licence(item) for item in items(text)]


def parse_time(text: str) -> time:
    """"9:00" or "09:00" -> time."""
    try:
        hours, minutes = (int(x) for x in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 09:00.") from None


def parse_slot(text: str) -> tuple[int, time, time]:
    """"Tue 09:00-12:00" -> (1, 09:00, 12:00)."""
    m = _SLOT.match(text.strip())
    if not m:
        raise ValueError(f"Availability {text!r} should read like Tue 09:00-12:00.")
    day = m.group(1).title()
    if day not in WEEKDAYS:
        raise ValueError(f"{m.group(1)!r} is not a weekday (Mon ... Sun).")
    start, end = parse_time(m.group(2)), parse_time(m.group(3))
    if end <= start:
        raise ValueError(f"In {text!r} the end is not after the start.")
    return WEEKDAYS.index(day), start, end


def parse_slots(text: str | None) -> list[tuple[int, time, time]]:
    """Every weekly slot in a ";"- or line-separated text."""
    return [parse_slot(item) for item in items(text)]


def parse_specialties(text: str | None) -> list[str]:
    """Specialty keys or labels from the fixed vocabulary."""
    by_label = {label.lower(): key for key, label in SPECIALTIES.items()}
    keys = []
    for item in items((text or "").replace(",", ";")):
        word = item.lower().replace(" ", "_")
        key = word if word in SPECIALTIES else by_label.get(item.lower())
        if key is None:
            raise ValueError(f"Unknown specialty {item!r}; use: {', '.join(SPECIALTIES)}.")
        if key not in keys:
            keys.append(key)
    return keys


def parse_languages(text: str | None) -> list[str]:
    """Language names, title-cased, without duplicates."""
    langs = []
    for item in items((text or "").replace(",", ";")):
        if len(item) > 40 or not re.fullmatch(r"[A-Za-z][A-Za-z \-]*", item):
            raise ValueError(f"{item!r} is not a language name.")
        if item.title() not in langs:
            langs.append(item.title())
    return langs


def parse_bool(text: str | None, what: str) -> bool:
    """yes/no, true/false, 1/0; empty means no."""
    word = (text or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{what} should be yes or no, not {text!r}.")


def parse_cents(text: str | None, what: str) -> int | None:
    """"180" or "$180.00" -> 18000 cents; empty -> None."""
    raw = (text or "").strip().replace("$", "").replace(",", "")
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", raw):
        raise ValueError(f"{what} {text!r} is not an amount like 180.00.")
    dollars, _, cents = raw.partition(".")
    return int(dollars) * 100 + int((cents + "00")[:2])


def parse_float(text: str | None, what: str, low: float, high: float) -> float | None:
    """A number within [low, high]; empty -> None."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number.") from None
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}.")
    return value


def parse_int(text: str | None, what: str, low: int, high: int) -> int:
    """A whole number within [low, high]."""
    try:
        value = int((text or "").strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}.")
    return value
