"""Directory import and export as CSV, for onboarding many clinicians at once.

One row per clinician; list cells (licences, plans, specialties, languages, availability)
separate items with ";". Import keeps every good row and reports each bad one by its line
number with the reason: rows are parsed first, then each is saved inside its own savepoint,
so a row the database refuses is rolled back alone. Unknown emails get a new account with
a random password (never shown); an admin sends them a reset.
"""

import csv
import io
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from kapms.audit.services import record
from kapms.auth.services import create_user, find_user_by_email
from kapms.csv_export import to_csv, unguard
from kapms.errors import DomainError
from kapms.insurance.models import InsurancePlan
from kapms.network import parsing
from kapms.network.models import PROFILE_KINDS, WEEKDAYS, ClinicianProfile
from kapms.network.services import ProfileData, profile_data, save_profile

COLUMNS = ["email", "full_name", "credentials", "role", "npi", "licences", "kap_course",
           "kap_trained_on", "plans", "accepts_private_pay", "private_pay_rate", "in_office",
           "office_address", "latitude", "longitude", "telehealth", "specialties",
           "languages", "accepting_new", "capacity", "availability"]
REQUIRED = {"email", "full_name", "role", "licences", "capacity"}
MAX_ROWS = 5000


@dataclass
class ImportReport:
    """What an import did: rows saved, accounts created, and bad rows by line."""

    saved: int = 0
    created_accounts: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def plan_lookup(session) -> dict[str, int]:
    """"payer/plan" (lower case) -> plan id, for every plan."""
    return {f"{p.payer.name}/{p.name}".lower(): p.id
            for p in session.scalars(select(InsurancePlan)).all()}


def _cell(row, name: str) -> str:
    return unguard((row.get(name) or "").strip())  # undo the export's formula guard


def parse_row(row: dict, plans: dict[str, int]) -> tuple[str, str, str | None, ProfileData]:
    """(email, full name, credentials, profile) from one CSV row; ValueError if bad."""
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
    return email, name, _cell(row, "credentials")[:60] or None, data


def import_directory(session, actor, text: str) -> ImportReport:
    """Create or update profiles from CSV text; bad rows are reported, good rows kept."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    missing = REQUIRED - set(reader.fieldnames or [])
    if missing:
        raise DomainError("The header row lacks: " + ", ".join(sorted(missing)) + ".")
    plans = plan_lookup(session)
    seen: dict[str, int] = {}
    for index, row in enumerate(reader):
        line = reader.line_num
        if index >= MAX_ROWS:
            report.errors.append((line, f"Only {MAX_ROWS} rows are imported at a time."))
            break
        if None in row:  # more cells than header columns
            report.errors.append((line, "The row has more cells than the header."))
            continue
        try:
            email, name, credentials, data = parse_row(row, plans)
        except ValueError as error:
            report.errors.append((line, str(error)))
            continue
        if email in seen:
            report.errors.append((line, f"{email} already appears on line {seen[email]}."))
            continue
        seen[email] = line
        created = False
        try:
            with session.begin_nested():  # a refused row rolls back alone
                user = find_user_by_email(session, email)
                if user is None:
                    created = True
                    user = create_user(session, actor, email=email, full_name=name,
                                       roles=[data.kind], credentials=credentials,
                                       password=secrets.token_urlsafe(24))
                save_profile(session, actor, user, data)
        except DomainError as error:
            report.errors.append((line, error.message))
            continue
        report.saved += 1
        report.created_accounts += created
    record(session, actor, "create", "directory_import", None,
           detail=f"saved {report.saved}, errors {len(report.errors)}")
    return report


def export_directory(session, actor) -> str:
    """Every profile as CSV in the import format (a round trip changes nothing)."""
    rows = [COLUMNS]
    profiles = session.scalars(select(ClinicianProfile).order_by(ClinicianProfile.id)).all()
    for profile in profiles:
        d, user = profile_data(profile), profile.user
        yes = {True: "yes", False: "no"}
        rows.append([
            user.email, user.full_name, user.credentials, d.kind, d.npi,
            ";".join(f"{t} {n} {s} {e.isoformat()}" for t, n, s, e in d.licences),
            d.kap_course, d.kap_trained_on.isoformat() if d.kap_trained_on else "",
            ";".join(f"{p.payer.name}/{p.name}" for p in profile.plans),
            yes[d.accepts_private_pay],
            f"{d.private_pay_rate_cents / 100:.2f}" if d.private_pay_rate_cents else "",
            yes[d.in_office], d.office_address, d.latitude, d.longitude, yes[d.telehealth],
            ";".join(d.specialties), ";".join(d.languages), yes[d.accepting_new], d.capacity,
            ";".join(f"{WEEKDAYS[w]} {a:%H:%M}-{b:%H:%M}" for w, a, b in d.availability)])
    record(session, actor, "export", "directory", None, detail=f"{len(profiles)} profiles")
    return to_csv(rows)
