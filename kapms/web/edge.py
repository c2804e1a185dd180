"""Input at the edge: the limits every value from a browser meets before any code (or the
database) sees it.

- ids in URLs: the ``int`` URL converter is replaced by ``IdConverter``, which matches
  ASCII digits only and answers 404 beyond the database's integer range (2^31 - 1, a
  PostgreSQL ``integer``), so no route ever receives an id the database cannot hold;
- ids in query strings: ``id_arg(name)`` (None when absent or not a valid id);
- text in query strings: a NUL or other control character is refused with a 400 page
  that says so (form fields get the same check as a form error, kapms.web.forms), except
  in the sign-in page's ``next``, which kapms.auth.redirects reads only to refuse anything
  but a same-site path (so a hostile link still lets the user sign in);
- request size: MAX_CONTENT_LENGTH (a friendly 413 page, kapms.web.errors).

The limits themselves (ID_MAX, the date range, control characters) are defined here once
and used by the form base class in kapms.web.forms.
"""

import re
import unicodedata
from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# PostgreSQL ``integer`` (every id and foreign key column); SQLite holds more.
ID_MAX = 2**31 - 1
ID_MIN = -(2**31)
# Dates a clinic records: births from 1900, plans and estimates well into the future.
# Far outside this (year 1, year 9999) date arithmetic overflows, so refuse at the edge.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
# Line breaks and tabs are text in a multi-line field; every other control character
# (NUL, escape, backspace, the C1 range ...) is refused everywhere.
MULTILINE_ALLOWED = frozenset("\t\n\r")
_ID = re.compile(r"[0-9]{1,10}")
UNCHECKED_QUERY_ARGUMENT = "next"  # never stored or queried; see the module docstring

CONTROL_CHARACTER_MESSAGE = ("Remove the invisible control character (such as a NUL byte) "
                             "from this field: it cannot be saved.")


class RefusedInput(BadRequest):
    """A request refused at the edge; its description is shown to the user."""


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a control character (or a lone surrogate) that is not
    a line break or tab of a multi-line field."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text)


def parse_id(raw) -> int | None:
    """A record id from text: ASCII digits within 0..ID_MAX, else None."""
    if isinstance(raw, str) and _ID.fullmatch(raw):
        value = int(raw)
        if value <= ID_MAX:
            return value
    return None


def id_arg(name: str) -> int | None:
    """The query-string id ``name`` of the current request (None if absent or invalid)."""
    return parse_id(request.args.get(name))


def page_arg(name: str = "page", last: int = 100_000) -> int:
    """The query-string page number of a paginated list, 1 to ``last`` (1 if invalid)."""
    value = parse_id(request.args.get(name))
    return min(max(value or 1, 1), last)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits, 0 to ID_MAX; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=0, max=ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


def init_app(app) -> None:
    """Install the id converter (before any blueprint adds its routes) and the query check."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_control_characters_in_query():
        for key, value in request.args.items(multi=True):
            if key == UNCHECKED_QUERY_ARGUMENT:
                continue
            if has_control_characters(key) or has_control_characters(value):
                raise RefusedInput(
                    "The address contained an invisible control character (such as a NUL "
                    "byte). Please go back and search again without it.")
