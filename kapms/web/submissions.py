"""Saving a form once: the one-time submission token of the current request.

Used by kapms.web.forms.attempt(): before the action runs, the token is looked up (a twin
that already saved answers with that result); after it, the token is claimed by inserting
it, with the record the action made, in the action's transaction. Tokens are bound to the
user and the page (endpoint) that sent them. See kapms.web.models.FormSubmission.
"""

import re
import secrets
from datetime import timedelta

import click
from flask import current_app, request
from flask.cli import with_appcontext
from flask_login import current_user
from sqlalchemy import delete, inspect, select

from kapms.database import utcnow
from kapms.errors import ConflictError
from kapms.extensions import db
from kapms.web.models import TOKEN_MAX, FormSubmission

FIELD = "submission"
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{16,{TOKEN_MAX}}}")
_SAVED_IN_THIS_REQUEST = "kapms.submission_saved"

OUT_OF_DATE = ("This page is out of date (its form had no valid submission token). Nothing "
               "was saved: reload the page and send the form again.")
ALREADY_SAVED = "This form had already been sent and was saved then; it was not saved again."


def new_token() -> str:
    """A fresh token for a form being shown (about 144 random bits)."""
    return secrets.token_urlsafe(18)


class Submission:
    """The token of the current POST, if the request is one to save once."""

    def __init__(self, token: str | None):
        self.token = token

    @classmethod
    def of_request(cls, sent: str | None) -> "Submission":
        """The current request's token, as ``sent`` in the form. Raises
        ConflictError(OUT_OF_DATE) when it is malformed, or missing while
        SUBMISSION_TOKENS_REQUIRED is on. A GET, or a request that already saved one form
        (a view calling attempt twice), claims nothing."""
        if request.method != "POST" or request.environ.get(_SAVED_IN_THIS_REQUEST):
            return cls(None)
        if not sent:
            if current_app.config["SUBMISSION_TOKENS_REQUIRED"]:
                raise ConflictError(OUT_OF_DATE)
            return cls(None)
        if not _TOKEN.fullmatch(sent):
            raise ConflictError(OUT_OF_DATE)
        return cls(sent)

    def earlier(self) -> FormSubmission | None:
        """The saved submission with this token, if a twin request saved it already."""
        if self.token is None:
            return None
        row = db.session.scalar(select(FormSubmission).where(FormSubmission.token == self.token))
        if row is not None and (row.user_id != _user_id() or row.endpoint != _endpoint()):
            raise ConflictError(OUT_OF_DATE)  # a token copied from another form or person
        return row

    def claim(self, result) -> None:
        """Insert the token, noting the record the action made (its first mapped object),
        and flush: a twin request doing the same fails on the unique token
        (IntegrityError) once this transaction commits."""
        if self.token is None:
            return
        row = FormSubmission(token=self.token, user_id=_user_id(), endpoint=_endpoint())
        entity = saved_record(result)
        if entity is not None:
            db.session.flush()
            state = inspect(entity)
            if state.identity is not None and len(state.identity) == 1:
                row.result_type, row.result_id = type(entity).__name__, state.identity[0]
        db.session.add(row)
        db.session.flush()

    @staticmethod
    def done() -> None:
        """This request has saved its form; later attempt() calls in it claim nothing."""
        request.environ[_SAVED_IN_THIS_REQUEST] = True  # per request (g may outlive one)


def saved_record(result):
    """The ORM object an action returned (or the first one in a returned tuple or list)."""
    for candidate in (result if isinstance(result, tuple | list) else (result,)):
        state = inspect(candidate, raiseerr=False)
        if state is not None and hasattr(state, "mapper"):
            return candidate
    return None


def earlier_result(row: FormSubmission):
    """The record the first submission made (None if it made none, or it is gone)."""
    if row.result_type is None:
        return None
    models = {m.class_.__name__: m.class_ for m in db.Model.registry.mappers}
    model = models.get(row.result_type)
    return None if model is None else db.session.get(model, row.result_id)


def _endpoint() -> str:
    return (request.endpoint or request.path)[:120]


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def prune(session, older_than: timedelta) -> int:
    """Forget saved submissions older than ``older_than``; returns how many. A page kept
    open (or in the browser history) longer than that and sent again saves again."""
    cutoff = utcnow() - older_than
    return session.execute(delete(FormSubmission).where(
        FormSubmission.created_at < cutoff)).rowcount


@click.command("prune-submissions")
@click.option("--days", default=30, show_default=True, help="Keep this many days.")
@with_appcontext
def prune_command(days: int) -> None:
    """Forget one-time form tokens older than DAYS (run it daily, e.g. from cron)."""
    removed = prune(db.session, timedelta(days=days))
    db.session.commit()
    click.echo(f"Forgot {removed} saved form submission(s) older than {days} days.")


def init_app(app) -> None:
    """Offer ``submission_token()`` to templates (hand-written POST buttons) and the
    prune command."""
    app.add_template_global(new_token, "submission_token")
    app.cli.add_command(prune_command)
