"""Helpers shared by views for turning domain errors into form errors."""

from flask import flash

from kapms.errors import DomainError
from kapms.extensions import db


def show_domain_error(form, error: DomainError) -> None:
    """Attach ``error`` to the field it names, or flash it when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def attempt(form, action):
    """Run one service call for a submitted form. On success commit and return
    (True, result); when a domain rule refuses it, roll back, show the message on the
    form (or flash it) and return (False, None)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False, None
    db.session.commit()
    return True, result


def attempt_and_flash(action, success: str) -> bool:
    """For a POST button that redirects back: run one service call, then commit and flash
    ``success``, or roll back and flash why a domain rule refused it. Returns whether it
    went through."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True
