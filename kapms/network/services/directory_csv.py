"""Directory import and export as CSV, for onboarding many clinicians at once.

Import keeps every good row and reports every problem of each bad one by its line number:
rows are parsed (kapms.network.csv_io) and checked against the profile rules before they are
saved, so the database refuses a row only when another change raced the import; then the
whole import is refused and nothing is saved. Unknown emails get a new account with a
random password (never shown); an admin sends them a reset.
"""

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select

from kapms.audit.services import record
from kapms.auth.models import User
from kapms.auth.passwords import hash_password
from kapms.auth.services import create_user
from kapms.csv_export import to_csv
from kapms.errors import ConflictError, DomainError
from kapms.insurance.models import InsurancePlan
from kapms.network import csv_io
from kapms.network.models import ClinicianProfile
from kapms.network.services.profiles import profile_problems, save_profile

MAX_ROWS = 5000


@dataclass
class ImportReport:
    """What an import did: rows saved, accounts created, and every problem of each bad row
    by its line."""

    saved: int = 0
    created_accounts: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)


def plan_lookup(session) -> dict[str, int]:
    """"payer/plan" (lower case) -> plan id, for every plan."""
    return {f"{p.payer.name}/{p.name}".lower(): p.id
            for p in session.scalars(select(InsurancePlan)).all()}


def _read(session, text: str, report: ImportReport) -> list[tuple[int, csv_io.DirectoryRow]]:
    """Parse every row (no writes); rows beyond the limit or too wide are reported."""
    reader, missing = csv_io.read_rows(text)
    if missing:
        raise DomainError("The header row lacks: " + ", ".join(sorted(missing)) + ".")
    plans, rows, seen = plan_lookup(session), [], {}
    for index, row in enumerate(reader):
        line = reader.line_num
        if index >= MAX_ROWS:
            report.errors.append((line, [f"Only {MAX_ROWS} rows are imported at a time."]))
            break
        if None in row:  # more cells than header columns
            report.errors.append((line, ["The row has more cells than the header."]))
            continue
        parsed = csv_io.parse_row(row, plans)
        if parsed.email in seen:
            parsed.problems.append(f"email: {parsed.email} already appears on line "
                                   f"{seen[parsed.email]}.")
        seen.setdefault(parsed.email, line)
        rows.append((line, parsed))
    return rows


def import_directory(session, actor, text: str) -> ImportReport:
    """Create or update profiles from CSV text; every problem of each bad row is reported,
    good rows are kept.

    New accounts' password hashes are made before the first write: argon2 is slow on
    purpose, and SQLite's write lock must not be held while it runs.
    """
    report = ImportReport()
    rows = _read(session, text, report)
    known = {u.email: u for u in session.scalars(select(User).where(
        User.email.in_({parsed.email for _, parsed in rows})))} if rows else {}
    hashes = {parsed.email: hash_password(secrets.token_urlsafe(24))
              for _, parsed in rows if not parsed.problems and parsed.email not in known}
    # (a row refused later by the profile rules wastes its hash: rare, and still lock-free)
    for line, parsed in rows:
        user = known.get(parsed.email)
        parsed.add_rule_problems(profile_problems(session, user, parsed.profile))
        if parsed.problems:
            report.errors.append((line, parsed.problems))
            continue
        try:
            if user is None:
                user = create_user(session, actor, email=parsed.email,
                                   full_name=parsed.full_name, roles=[parsed.profile.kind],
                                   credentials=parsed.credentials,
                                   password_hash=hashes[parsed.email])
            save_profile(session, actor, user, parsed.profile)
        except DomainError as error:  # checked above, so only a concurrent change gets here
            raise ConflictError(f"The directory changed while importing (line {line}: "
                                f"{error.message}). Nothing was saved; import again.") from None
        known[parsed.email] = user
        report.saved += 1
        report.created_accounts += parsed.email in hashes
    record(session, actor, "create", "directory_import", None,
           detail=f"saved {report.saved}, refused {len(report.errors)} row(s)")
    return report


def export_directory(session, actor) -> str:
    """Every profile as CSV in the import format (a round trip changes nothing); audited.
    The same text the download streams (:func:`start_directory_export`)."""
    return to_csv(start_directory_export(session, actor))


def start_directory_export(session, actor):
    """The directory export for streaming: the export is audited now (with the number of
    profiles), and the returned rows (header first) are read from the database in batches
    as the response is sent, so time and memory stay bounded by a batch."""
    count = session.scalar(select(func.count()).select_from(ClinicianProfile))
    record(session, actor, "export", "directory", None, detail=f"{count} profiles")

    def profiles():
        yield from session.scalars(select(ClinicianProfile).order_by(ClinicianProfile.id)
                                   .execution_options(yield_per=500))

    return csv_io.directory_rows(profiles())
