"""Flask-Mailman wiring, and the development mail folder.

``MAIL_BACKEND``: "folder" (the default: each message is written as one .eml file into
``MAIL_FOLDER``, default instance/mail, which admins browse under Outbox), "smtp"
(production: MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS or
MAIL_USE_SSL), "locmem" (the test suite) or "console".

The folder holds what was sent, links included: it is for development and demos. In
production mail goes out by SMTP and nothing is kept here.
"""

import email
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from flask_mailman import Mail
from flask_mailman.backends.base import BaseEmailBackend

mail = Mail()
FOLDER_BACKEND = "kapms.outbox.mail.FolderEmailBackend"
# Only names this module writes are ever opened (no path from a URL reaches the disk).
_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}\.eml$")


def mail_folder(app) -> Path:
    """Where the folder backend writes (setting MAIL_FOLDER, default instance/mail)."""
    return Path(app.config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail")


def init_app(app) -> None:
    """Configure Flask-Mailman from the settings."""
    backend = app.config["MAIL_BACKEND"]
    app.config["MAIL_FILE_PATH"] = str(mail_folder(app))
    mail.init_app(app)
    app.extensions["mailman"].backend = FOLDER_BACKEND if backend == "folder" else backend


class FolderEmailBackend(BaseEmailBackend):
    """Writes each message to its own .eml file (mode 600), named by the UTC time."""

    def send_messages(self, messages):
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in messages:
            name = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}.eml"
            partial = folder / (name + ".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.message().as_bytes())
            partial.rename(folder / name)
            sent += 1
        return sent


@dataclass(frozen=True)
class FolderMessage:
    """One message of the development folder, as an admin reads it."""

    name: str
    to: str
    subject: str
    date: str
    body: str
    attachments: tuple[str, ...]


def folder_names(folder: Path, *, before: str | None = None, limit: int = 50) -> list[str]:
    """Message file names, newest first, a page at a time (``before``: the last name of
    the previous page)."""
    if not folder.is_dir():
        return []
    names = sorted((n for n in os.listdir(folder) if _NAME.match(n)), reverse=True)
    if before:
        names = [n for n in names if n < before]
    return names[:limit]


def read_message(folder: Path, name: str) -> FolderMessage | None:
    """The message called ``name`` in ``folder``, or None (also for any other name)."""
    if not _NAME.match(name or "") or not (folder / name).is_file():
        return None
    parsed = email.message_from_bytes((folder / name).read_bytes(), policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    attachments = tuple(part.get_filename() or "attachment"
                        for part in parsed.iter_attachments())
    return FolderMessage(name, str(parsed["To"] or ""), str(parsed["Subject"] or ""),
                         str(parsed["Date"] or ""), body.get_content() if body else "",
                         attachments)
