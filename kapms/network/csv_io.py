"""The directory CSV format: reading rows into profiles and writing profiles as rows.

Pure: text and plain values in, text and plain values out; no database. One row per
clinician; list cells (licences, plans, specialties, languages, availability) separate items
with ";". The import and export services (kapms.network.services.directory_csv) use it, and
a round trip changes nothing.
"""

import csv
import io
from dataclasses import dataclass

from kapms.network import parsing
from kapms.network.services.profiles import ProfileData
from kapms.network.vocabulary import PROFILE_KINDS

COLUMNS = ["email", "full_name", "credentials", "role", "npi", "licences", "kap_course",
           "kap_trained_on", "plans", "accepts_private_pay", "private_pay_rate", "in_office",
           "office_address", "latitude", "longitude", "telehealth", "specialties",
           "languages", "accepting_new", "capacity", "availability"]
REQUIRED = {"email", "full_name", "role", "licences", "capacity"}
_FORMULA_START = ("=", "+", "@", "\t", "\r")


@dataclass
class DirectoryRow:
    """One parsed CSV row: who the clinician is and their profile."""

    email: str
    full_name: str
    credentials: str | None
    profile: ProfileData


def _cell(row, name: str) -> str:
    value = (row.get(name) or "").strip()
    if value[:1] == "'" and value[1:2] in _FORMULA_START:
        value = value[1:]  # undo the export's spreadsheet-formula guard
    return value


def parse_row(row: dict, plans: dict[str, int]) -> DirectoryRow:
    """One CSV row as a DirectoryRow; ValueError if bad.

    ``plans`` maps "payer/plan" in lower case to the plan id.
    """
    email, name = _cell(row, "email").lower(), _cell(row, "full_name")
    if "@" not in email or len(email) > 254:
        raise ValueError(f"{email or 'empty'} is not an email address.")
    if not name or len(name) > 200:
        raise ValueError("full_name is required (at most 200 characters).")
    role = _cell(row, "role").lower() or "therapist"
    if role not in PROFILE_KINDS:
        raise ValueError(f"role must be therapist or prescriber, not {role!r}.")
    plan_ids = []
    for label in parsing.items(_cell(row, "plans")):
        if label.lower() not in plans:
            raise ValueError(f"Unknown plan {label!r} (write Payer/Plan as in the plan list).")
        plan_ids.append(plans[label.lower()])
    in_office = parsing.parse_bool(_cell(row, "in_office"), "in_office")
    trained = _cell(row, "kap_trained_on")
    data = ProfileData(
        kind=role, npi=_cell(row, "npi") or None, kap_course=_cell(row, "kap_course") or None,
        kap_trained_on=parsing.parse_date(trained, "kap_trained_on") if trained else None,
        accepts_private_pay=parsing.parse_bool(_cell(row, "accepts_private_pay"),
                                               "accepts_private_pay"),
        private_pay_rate_cents=parsing.parse_cents(_cell(row, "private_pay_rate"),
                                                   "private_pay_rate"),
        in_office=in_office, office_address=_cell(row, "office_address")[:300] or None,
        latitude=parsing.parse_float(_cell(row, "latitude"), "latitude", -90, 90),
        longitude=parsing.parse_float(_cell(row, "longitude"), "longitude", -180, 180),
        telehealth=parsing.parse_bool(_cell(row, "telehealth"), "telehealth"),
        specialties=parsing.parse_specialties(_cell(row, "specialties")),
        languages=parsing.parse_languages(_cell(row, "languages")) or ["English"],
        accepting_new=parsing.parse_bool(_cell(row, "accepting_new") or "yes", "accepting_new"),
        capacity=parsing.parse_int(_cell(row, "capacity"), "capacity", 0, 500),
        licences=parsing.parse_licences(_cell(row, "licences")),
        plan_ids=plan_ids, availability=parsing.parse_slots(_cell(row, "availability")))
    if not data.licences:
        raise ValueError("At least one licence is required.")
    return DirectoryRow(email, name, _cell(row, "credentials")[:60] or None, data)


def read_rows(text: str) -> tuple[csv.DictReader, set[str]]:
    """A reader over the CSV text and the required columns its header lacks."""
    reader = csv.DictReader(io.StringIO(text))
    return reader, REQUIRED - set(reader.fieldnames or [])


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _FORMULA_START else text


def write_directory(profiles) -> str:
    """Saved profiles (with their users and plans) as CSV text in the import format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    yes = {True: "yes", False: "no"}
    for profile in profiles:
        user = profile.user
        writer.writerow([_safe(v) for v in [
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
            ";".join(slot.label for slot in profile.availability)]])
    return out.getvalue()
