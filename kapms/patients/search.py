"""What a patient search box was given: pure reading of the typed text, no database.

One box takes a name ("elena", "mor elena", "Elena Morales"), a date of birth
("1988-03-14", "3/14/1988"), a phone number (four digits or more, any punctuation) or a
member id ("W123456789", or its start). ``read_query`` says which of these the text can be;
kapms.patients.services.find_patients turns that into SQL.
"""

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from kapms import phone

MAX_LENGTH = 100
_US_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_PHONE_LIKE = re.compile(r"[\d\s().+-]+")
_MEMBER_ID = re.compile(r"(?=.*\d)[A-Za-z0-9-]{3,40}")  # member ids carry digits


@dataclass(frozen=True)
class Query:
    """The ways the text can find a patient (an empty query finds everyone visible)."""

    text: str
    words: tuple[str, ...] = ()  # lower-case name prefixes, every one must match
    birth_date: date | None = None
    phone_digits: str | None = None  # the digits a stored phone number contains
    member_id: str | None = None  # upper-case start of a member id

    @property
    def empty(self) -> bool:
        """Nothing was typed."""
        return not self.text

    def kinds(self) -> list[str]:
        """What the search looks at, in words (for the audit log and the results page)."""
        return [kind for kind, on in (("name", self.words), ("date of birth", self.birth_date),
                                      ("phone", self.phone_digits),
                                      ("member id", self.member_id)) if on]


def read_query(text: str | None) -> Query:
    """Read what was typed into the search box (see the module docstring)."""
    text = " ".join((text or "").split())[:MAX_LENGTH]
    if not text:
        return Query("")
    born = _birth_date(text)
    if born is not None:
        return Query(text, birth_date=born)
    member = text.replace(" ", "").upper() if _MEMBER_ID.fullmatch(text.replace(" ", "")) \
        else None
    if _PHONE_LIKE.fullmatch(text):
        number = _phone_digits(text)
        return Query(text, phone_digits=number, member_id=member) if number \
            else Query(text, member_id=member)
    words = tuple(w for w in re.split(r"[\s,]+", text.lower()) if w)
    return Query(text, words=words, member_id=member)


def _birth_date(text: str) -> date | None:
    if m := _ISO_DATE.fullmatch(text):
        y, mo, d = map(int, m.groups())
    elif m := _US_DATE.fullmatch(text):
        mo, d, y = map(int, m.groups())
    else:
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _phone_digits(text: str) -> str | None:
    """The national digits of a typed phone number (so "+1 510 555 0110" finds
    "(510) 555-0110"), or the digits typed when it is only part of one; None under four."""
    digits = phone.digits(text)
    if len(digits) < 4:
        return None
    try:
        number = phonenumbers.parse(text, phone.region())
    except phonenumbers.NumberParseException:
        return digits
    if phonenumbers.is_valid_number(number):
        return phonenumbers.national_significant_number(number)
    return digits
