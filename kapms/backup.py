"""Backing up and restoring the database: ``flask backup create`` / ``flask backup restore``.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  while the app keeps running; the copy is checked with ``PRAGMA integrity_check``. Restore
  copies the backup over the live file with the same API.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot, the app may keep running)
  and ``pg_restore --clean --single-transaction`` (all or nothing). The client programs are
  looked for where Debian installs them (/usr/lib/postgresql/<version>/bin, the newest
  first), then on PATH; the password comes from the URL through PGPASSWORD, never argv.

Backups hold every patient record: files are created mode 600. Restore replaces the whole
database, so stop the app first (restore asks for confirmation).
"""

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class BackupFile:
    """A backup written or read: where, how big, and its SHA-256 (to check a copy)."""

    path: Path
    size: int
    sha256: str


def default_path(engine, folder: Path, now: datetime | None = None) -> Path:
    """instance/backups/kapms-<UTC time>.<sqlite3|pgdump>."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if engine.dialect.name == "sqlite" else "pgdump"
    return folder / f"kapms-{stamp}.{suffix}"


def create(engine, path: Path) -> BackupFile:
    """Write a backup of ``engine``'s database to ``path`` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose another file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_copy(_sqlite_file(engine), partial)
            _check_sqlite(partial)
        elif engine.dialect.name == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", _libpq_url(engine)], engine)
        else:
            raise BackupError(f"no backup method for {engine.dialect.name}")
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return describe(path)


def restore(engine, path: Path) -> BackupFile:
    """Replace ``engine``'s database with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    engine.dispose()  # no pooled connection may keep the old data (or locks) open
    if engine.dialect.name == "sqlite":
        _check_sqlite(path)
        _sqlite_copy(path, _sqlite_file(engine))
    elif engine.dialect.name == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={_libpq_url(engine)}",
              str(path)], engine)
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()
    return describe(path)


def describe(path: Path) -> BackupFile:
    """Size and SHA-256 of a backup file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return BackupFile(Path(path), Path(path).stat().st_size, digest.hexdigest())


def _sqlite_file(engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite backup: {error}") from error
    if result != "ok":
        raise BackupError(f"{path} failed its integrity check: {result}")


def pg_binary(name: str) -> str:
    """A PostgreSQL client program: Debian's newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found: install the PostgreSQL client "
                          "(Debian: apt-get install postgresql-client)")
    return path


def _libpq_url(engine) -> str:
    url = make_url(engine.url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _run(command: list[str], engine) -> None:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = engine.url.password
    result = subprocess.run([pg_binary(command[0]), *command[1:]], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
