"""Phone numbers: checked by Google's libphonenumber (the `phonenumbers` package) and
written one way, so "abc" is refused and "510.555.0110", "5105550110" and "(510) 555-0110"
are stored alike.

A number without a country code is read as one of the clinic's country (setting
CLINIC_COUNTRY, set by the app factory); it is stored in that country's national format,
"(510) 555-0110", and a number elsewhere in the international format, "+44 20 7946 0958".
Pure: no database and no Flask.
"""

import phonenumbers

MESSAGE = "Enter a phone number such as (510) 555-0110, or +44 20 7946 0958 abroad."
_region = "US"


def configure(region: str) -> None:
    """Set the clinic's country (an ISO 3166 code such as "US")."""
    global _region
    _region = region.upper()


def region() -> str:
    """The clinic's country code."""
    return _region


def normalise(text: str | None) -> str | None:
    """``text`` written as the clinic writes phone numbers; None for an empty one.
    ValueError(MESSAGE) when it is not a possible, valid number."""
    if text is None or not text.strip():
        return None
    try:
        number = phonenumbers.parse(text, _region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(MESSAGE) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(MESSAGE)
    home = phonenumbers.region_code_for_number(number) == _region
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if home
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digits(text: str) -> str:
    """The digits of ``text`` (what a phone search compares)."""
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())
