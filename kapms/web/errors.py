"""Friendly error pages: no stack traces, the security headers still applied."""

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kapms.errors import NotFound, PermissionDenied

MESSAGES = {
    400: ("Something in that request was not right", "Please go back, check the form and try again."),
    403: ("You do not have access to this page", "If you think you should, ask a network admin."),
    404: ("We could not find that page", "It may have moved, or it is not one you can see."),
    405: ("That action is not allowed here", "Please use the buttons on the page."),
    413: ("That upload is too large", "Please choose a smaller file."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "The error has been logged. Nothing was half-saved; please try again."),
}


def render_error(code: int, detail: str | None = None):
    """Render templates/errors/error.html for ``code``."""
    title, hint = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title,
                           hint=detail or hint), code


def init_app(app) -> None:
    """Register handlers for HTTP errors, CSRF failures and domain lookups."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, "The form had expired or was missing its security token. "
                                 "Please reload the page and submit again.")

    @app.errorhandler(NotFound)
    def _not_found(error):
        return render_error(404)

    @app.errorhandler(PermissionDenied)
    def _denied(error):
        return render_error(403, error.message)

    @app.errorhandler(HTTPException)
    def _http(error):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error):
        from kapms.extensions import db

        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
