"""Directory import and export as CSV, for onboarding many clinicians at once.

Import keeps every good row and reports each bad one by its line number with the reason:
rows are parsed first (kapms.network.csv_io), then each is saved inside its own savepoint,
so a row the database refuses is rolled back alone. Unknown emails get a new account with
a random password (never shown); an admin sends them a reset.
"""

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from kapms.audit.services import record
from kapms.auth.services import create_user, find_user_by_email
from kapms.errors import DomainError
from kapms.insurance.models import InsurancePlan
from kapms.network import csv_io
from kapms.network.models import ClinicianProfile
from kapms.network.services.profiles import save_profile

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


def import_directory(session, actor, text: str) -> ImportReport:
    """Create or update profiles from CSV text; bad rows are reported, good rows kept."""
    report = ImportReport()
    reader, missing = csv_io.read_rows(text)
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
            parsed = csv_io.parse_row(row, plans)
        except ValueError as error:
            report.errors.append((line, str(error)))
            continue
        if parsed.email in seen:
            report.errors.append((line, f"{parsed.email} already appears on line "
                                        f"{seen[parsed.email]}."))
            continue
        seen[parsed.email] = line
        created = False
        try:
            with session.begin_nested():  # a refused row rolls back alone
                user = find_user_by_email(session, parsed.email)
                if user is None:
                    created = True
                    user = create_user(session, actor, email=parsed.email,
                                       full_name=parsed.full_name, roles=[parsed.profile.kind],
                                       credentials=parsed.credentials,
                                       password=secrets.token_urlsafe(24))
                save_profile(session, actor, user, parsed.profile)
        except DomainError as error:
            report.errors.append((line, error.message))
            continue
        report.saved += 1
        report.created_accounts += created
    record(session, actor, "create", "directory_import", None,
           detail=f"saved {report.saved}, errors {len(report.errors)}")
    return report


def export_directory(session, actor) -> str:
    """Every profile as CSV in the import format (a round trip changes nothing); audited."""
    profiles = session.scalars(select(ClinicianProfile).order_by(ClinicianProfile.id)).all()
    text = csv_io.write_directory(profiles)
    record(session, actor, "export", "directory", None, detail=f"{len(profiles)} profiles")
    return text
