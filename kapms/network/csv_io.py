"""The directory CSV format: reading rows into profiles and writing profiles as rows.

Pure: bytes, text and plain values in, text and plain values out; no database. One row per
clinician; list cells (licences, plans, specialties, languages, availability) separate items
with ";". The import and export services (kapms.network.services.directory_csv) use it, and
a round trip changes nothing.
"""

import csv
import io
from dataclasses import dataclass, field

from kapms.csv_export import unguard
from kapms.errors import DomainError
from kapms.network import parsing
from kapms.network.services.profiles import MAX_CAPACITY, ProfileData
from kapms.network.vocabulary import PROFILE_KINDS

COLUMNS = ["email", "full_name", "credentials", "role", "npi", "licences", "kap_course",
           "kap_trained_on", "plans", "accepts_private_pay", "private_pay_rate", "in_office",
           "office_address", "latitude", "longitude", "telehealth", "specialties",
           "languages", "accepting_new", "capacity", "availability"]
REQUIRED = {"email", "full_name", "role", "licences", "capacity"}
# The largest directory file accepted (the request limit, MAX_CONTENT_LENGTH, is above it).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


# Profile fields as the CSV names them (for problems found by the profile rules), and the
# columns a rule's problem depends on (not reported again when one of them is unreadable).
FIELD_COLUMNS = {"kind": "role", "plan_ids": "plans"}
DEPENDS_ON = {"office_address": {"in_office", "latitude", "longitude"},
              "private_pay_rate": {"accepts_private_pay"},
              "kap_course": {"kap_trained_on"}}


def upload_text(raw: bytes) -> str:
    """The text of an uploaded directory file (at most MAX_UPLOAD_BYTES of UTF-8, a byte
    order mark allowed); DomainError on the file field otherwise."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DomainError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
                          "split it.", "file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text; export it as CSV UTF-8.",
                          "file") from None


@dataclass
class DirectoryRow:
    """One parsed CSV row: who the clinician is, their profile, and every problem found.

    ``unparsed`` names the columns that could not be read (their profile values are the
    defaults), so the profile rules do not report them a second time.
    """

    email: str
    full_name: str
    credentials: str | None
    profile: ProfileData
    problems: list[str] = field(default_factory=list)
    unparsed: set[str] = field(default_factory=set)

    def add_rule_problems(self, problems: list[tuple[str, str]]) -> None:
        """Add the profile rules' (field, message) problems, named by CSV column."""
        for name, message in problems:
            column = FIELD_COLUMNS.get(name, name)
            if not ({column} | DEPENDS_ON.get(column, set())) & self.unparsed:
                self.problems.append(f"{column}: {message}")


def _cell(row, name: str) -> str:
    return unguard((row.get(name) or "").strip())  # undo the export's formula guard


def parse_row(row: dict, plans: dict[str, int]) -> DirectoryRow:
    """One CSV row, with every problem of it (each column read on its own, and each item
    of a list column). ``plans`` maps "payer/plan" in lower case to the plan id."""
    problems: list[str] = []
    unparsed: set[str] = set()

    def read(column: str, parse, default=None):
        try:
            return parse(_cell(row, column))
        except ValueError as error:
            message = str(error)
            problems.append(message if message.startswith(column) else f"{column}: {message}")
            unparsed.add(column)
            return default

    def read_items(column: str, parse) -> list:
        values = []
        for item in parsing.items(_cell(row, column)):
            value = read(column, lambda _text, item=item: parse(item))
            if value is not None:
                values.append(value)
        return values

    email, name = _cell(row, "email").lower(), _cell(row, "full_name")
    if "@" not in email or len(email) > 254:
        problems.append(f"email: {email or 'empty'} is not an email address.")
    if not name or len(name) > 200:
        problems.append("full_name: required, at most 200 characters.")
    role = _cell(row, "role").lower() or "therapist"
    if role not in PROFILE_KINDS:
        problems.append(f"role: must be therapist or prescriber, not {role!r}.")
        unparsed.add("role")

    def plan(label: str) -> int:
        if label.lower() not in plans:
            raise ValueError(f"unknown plan {label!r} (write Payer/Plan as in the plan list).")
        return plans[label.lower()]

    data = ProfileData(
        kind=role, npi=_cell(row, "npi") or None, kap_course=_cell(row, "kap_course") or None,
        kap_trained_on=read("kap_trained_on", lambda t: parsing.parse_date(
            t, "kap_trained_on") if t else None),
        accepts_private_pay=read("accepts_private_pay", lambda t: parsing.parse_bool(
            t, "accepts_private_pay"), False),
        private_pay_rate_cents=read("private_pay_rate", lambda t: parsing.parse_cents(
            t, "private_pay_rate")),
        in_office=read("in_office", lambda t: parsing.parse_bool(t, "in_office"), False),
        office_address=_cell(row, "office_address")[:300] or None,
        latitude=read("latitude", lambda t: parsing.parse_float(t, "latitude", -90, 90)),
        longitude=read("longitude", lambda t: parsing.parse_float(t, "longitude", -180, 180)),
        telehealth=read("telehealth", lambda t: parsing.parse_bool(t, "telehealth"), False),
        specialties=read("specialties", parsing.parse_specialties, []),
        languages=read("languages", parsing.parse_languages, []) or ["English"],
        accepting_new=read("accepting_new", lambda t: parsing.parse_bool(
            t or "yes", "accepting_new"), True),
        capacity=read("capacity", lambda t: parsing.parse_int(t, "capacity", 0, MAX_CAPACITY), 0),
        licences=read_items("licences", parsing.parse_licence),
        plan_ids=read_items("plans", plan),
        availability=read_items("availability", parsing.parse_slot))
    if not data.licences and "licences" not in unparsed:
        problems.append("licences: at least one licence is required.")
    return DirectoryRow(email, name, _cell(row, "credentials")[:60] or None, data, problems,
                        unparsed)


def read_rows(text: str) -> tuple[csv.DictReader, set[str]]:
    """A reader over the CSV text and the required columns its header lacks."""
    reader = csv.DictReader(io.StringIO(text))
    return reader, REQUIRED - set(reader.fieldnames or [])


def directory_rows(profiles):
    """The header, then one row per profile in the import format (unguarded cells: the
    CSV writer guards them)."""
    yes = {True: "yes", False: "no"}
    yield COLUMNS
    for profile in profiles:
        user = profile.user
        yield [
            user.email, user.full_name, user.credentials, profile.kind, profile.npi,
            ";".join(f"{x.licence_type} {x.number} {x.state} {x.expires_on.isoformat()}"
                     for x in profile.licences),
            profile.kap_course,
            profile.kap_trained_on.isoformat() if profile.kap_trained_on else "",
            ";".join(f"{p.payer.name}/{p.name}" for p in profile.plans),
            yes[profile.accepts_private_pay],
            f"{profile.private_pay_rate_cents / 100:.2f}"
            if profile.private_pay_rate_cents else "",
            yes[profile.in_office], profile.office_address, profile.latitude,
            profile.longitude, yes[profile.telehealth], ";".join(profile.specialty_list),
            ";".join(profile.language_list), yes[profile.accepting_new], profile.capacity,
            ";".join(slot.label for slot in profile.availability)]
