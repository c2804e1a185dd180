"""Friendly error pages: no stack traces, the security headers still applied.

Views save through kapms.web.forms.attempt(), which turns refusals into form messages;
the handlers here catch what escapes a view anyway, so nothing ends in a 500 page:
a domain refusal (400, its message), someone else's concurrent change or a lost race for
a unique value (409), a value the database refuses (400, logged as a warning: the edge
checks of kapms.web.edge should have refused it first).
"""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied
from kapms.web.edge import RefusedInput

MESSAGES = {
    400: ("Something in that request was not right", "Please go back, check the form and try again."),
    403: ("You do not have access to this page", "If you think you should, ask a network admin."),
    404: ("We could not find that page", "It may have moved, or it is not one you can see."),
    405: ("That action is not allowed here", "Please use the buttons on the page."),
    409: ("Someone else changed this at the same moment",
          "Nothing was saved. Reload the page to see the current version, then try again."),
    413: ("That was more than the server accepts",
          "Please shorten the text or choose a smaller file (at most 4 MB in all)."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "The error has been logged. Nothing was half-saved; please try again."),
}
# Logged when the database, not the edge, refused a value (a test looks for it).
EDGE_MISSED = "input refused by the database, not at the edge"


def render_error(code: int, detail: str | None = None):
    """Render templates/errors/error.html for ``code``."""
    title, hint = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title,
                           hint=detail or hint), code


def init_app(app) -> None:
    """Register handlers for HTTP errors, CSRF failures, domain refusals and races.

    Every error page first rolls back whatever the request had half-done, then commits,
    which writes only the audit records the request made (see kapms.audit.services).
    """
    from kapms.audit.services import has_unsaved_records
    from kapms.extensions import db

    def _abandon_request_keep_audit():
        db.session.rollback()
        db.session.commit()

    @app.teardown_request
    def _save_audit_of_rolled_back_requests(exc):
        # A view that rolled back after a refused save and rendered its form again
        # still owes the log its read.
        if exc is None and has_unsaved_records(db.session):
            db.session.commit()

    @app.errorhandler(CSRFError)
    def _csrf(error):
        _abandon_request_keep_audit()
        return render_error(400, "The form had expired or was missing its security token. "
                                 "Please reload the page and submit again.")

    @app.errorhandler(NotFound)
    def _not_found(error):
        _abandon_request_keep_audit()
        return render_error(404)

    @app.errorhandler(PermissionDenied)
    def _denied(error):
        _abandon_request_keep_audit()
        return render_error(403, error.message)

    @app.errorhandler(ConflictError)
    def _conflict(error):
        _abandon_request_keep_audit()
        return render_error(409, error.message)

    @app.errorhandler(DomainError)
    def _refused(error):
        _abandon_request_keep_audit()
        return render_error(400, error.message)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _race(error):
        _abandon_request_keep_audit()
        return render_error(409)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(error):
        app.logger.warning("%s: %s %s: %s", EDGE_MISSED, request.method, request.path,
                           str(error).splitlines()[0][:200])
        _abandon_request_keep_audit()
        return render_error(400, "Something in that request could not be stored (a value "
                                 "out of range or a character such as a NUL byte). Please "
                                 "go back and check what you entered.")

    @app.errorhandler(HTTPException)
    def _http(error):
        _abandon_request_keep_audit()
        detail = error.description if isinstance(error, RefusedInput) else None
        return render_error(error.code or 500, detail)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        try:
            _abandon_request_keep_audit()
        except Exception:  # the database itself may be what failed
            db.session.rollback()
        return render_error(500)
