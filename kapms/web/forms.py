"""The one way forms are built and saved.

Building (every form class of the app derives from one of these; a test checks it):
- ``Form``: a POST form. Its Meta gives every field the edge checks of kapms.web.edge
  (no control characters in text, integers within the database's range, finite numbers,
  dates between EARLIEST_DATE and LATEST_DATE, a length cap on text without its own), and
  it carries ``submission``, a one-time token that makes a double submit save once.
- ``QueryForm``: a GET filter form (no CSRF token, no submission token), same checks.
- ``Versioned``: the optimistic-lock mixin; ``loaded_version()`` parses the hidden
  ``version`` strictly and refuses anything else (missing, "abc", "1.5", "NaN", non-ASCII
  digits) with the stale message, so the version check is never skipped.
- ``ClinicTimes``: the mixin for forms where a clinic-local time is typed;
  ``clinic_instant(day, field)`` refuses times skipped by daylight saving and asks which
  one (``dst_fold``) when a time happens twice.
- ``IdField``: a record id in a hidden input (ASCII digits within the id range).

Saving: ``attempt(form, action)`` runs one service call for a submitted form and
``attempt_and_flash(action, success)`` for a POST button. Both save once per submission
token (a twin request gets the record the first one made, with "already sent"), commit on
success, and turn every refusal into a message instead of a 500: a domain rule
(DomainError) on the form or flashed, a stale save (StaleDataError) and a lost race for a
unique value (IntegrityError, after one retry against the new state) as a conflict. A
NotFound or PermissionDenied (and any error class passed as ``reraise``) rolls back,
commits the audit records of the request, and propagates to the 404/403 page.
"""

import math
import re
from datetime import datetime
from decimal import Decimal

from flask import flash, request
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (
    DateField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from kapms import clinic_time
from kapms.errors import ConflictError, DomainError, NotFound, PermissionDenied
from kapms.extensions import db
from kapms.web import edge, submissions
from kapms.web.submissions import ALREADY_SAVED, Submission, earlier_result, new_token

STALE_MESSAGE = ("This record was changed by someone else since you opened it (or the page "
                 "is out of date). Nothing was saved: reload the page and make your change "
                 "again.")
CLASH_MESSAGE = ("Someone saved the same thing at the same moment, so this was not saved. "
                 "Check the page and try again.")
SINGLE_LINE_MAX = 1_000   # a text field without its own Length
MULTI_LINE_MAX = 100_000  # a text area without its own Length
_VERSION = re.compile(r"[0-9]{1,9}")


# --- the checks every field gets -------------------------------------------------------

def _no_control_characters(form, field):
    if isinstance(field.data, str) and edge.has_control_characters(
            field.data, multiline=isinstance(field, TextAreaField)):
        field.errors[:] = []
        raise StopValidation(edge.CONTROL_CHARACTER_MESSAGE)


def _finite_amount(form, field):
    # First in the chain: comparing a Decimal NaN (NumberRange) raises InvalidOperation.
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        raise StopValidation("Enter an amount as a number, such as 12.50.")


def _finite_number(form, field):
    if isinstance(field.data, float) and not math.isfinite(field.data):
        raise StopValidation("Enter a number.")


def _integer_in_range(form, field):
    if isinstance(field.data, int) and not edge.ID_MIN <= field.data <= edge.ID_MAX:
        raise ValidationError("That number is out of range.")


def _date_in_range(form, field):
    if field.data is not None and not edge.EARLIEST_DATE <= field.data <= edge.LATEST_DATE:
        raise ValidationError(f"Enter a date between {edge.EARLIEST_DATE:%Y} and "
                              f"{edge.LATEST_DATE:%Y}.")


def _at_most(cap: int):
    def check(form, field):
        if isinstance(field.data, str) and len(field.data) > cap:
            raise ValidationError(f"Keep this under {cap:,} characters.")
    return check


def _edge_checks(field) -> tuple[list, list]:
    """(validators to run first, validators to run last) for a bound field."""
    first, last = [], []
    if isinstance(field, StringField):  # text, text areas, email, password, hidden
        first.append(_no_control_characters)
        if not any(isinstance(v, Length) for v in field.validators):
            last.append(_at_most(MULTI_LINE_MAX if isinstance(field, TextAreaField)
                                 else SINGLE_LINE_MAX))
    if isinstance(field, DecimalField):
        first.append(_finite_amount)
    if isinstance(field, FloatField):
        last.append(_finite_number)
    if isinstance(field, IntegerField) or (isinstance(field, SelectField)
                                           and field.coerce is int):
        last.append(_integer_in_range)  # a choice's id too (a list may not check choices)
    if isinstance(field, DateField):
        last.append(_date_in_range)
    return first, last


class _EdgeMeta:
    """Meta mixin: every bound field gets the edge checks around its own validators."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        first, last = _edge_checks(field)
        field.validators = [*first, *field.validators, *last]
        return field


class SubmissionField(HiddenField):
    """The one-time submission token: a fresh random value whenever the form is shown
    anew; the value sent back is claimed by attempt()."""

    def _value(self):
        if not self.data:
            self.data = new_token()
        return self.data


class Form(FlaskForm):
    """Base of every POST form: CSRF, the edge checks and a one-time submission token."""

    class Meta(_EdgeMeta, FlaskForm.Meta):
        pass

    submission = SubmissionField()


class QueryForm(FlaskForm):
    """Base of every GET filter form (a search: no CSRF or submission token)."""

    class Meta(_EdgeMeta, FlaskForm.Meta):
        csrf = False


class IdField(HiddenField):
    """A record id in a hidden input: ASCII digits from 0 to the database's id range;
    anything else is a form error (the data is then None)."""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = edge.parse_id(raw)
        if raw and self.data is None:
            raise ValueError("Not a valid choice.")


# --- optimistic locking -----------------------------------------------------------------

class VersionField(HiddenField):
    """The version of the record as the editor loaded it. A POST without it is a missing
    version, never the record's current one."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


def version_of(field, stale_message: str = STALE_MESSAGE, *, optional: bool = False
               ) -> int | None:
    """The version a VersionField holds, parsed strictly: plain ASCII digits (or an int
    from the record shown); anything else raises ConflictError(stale_message). An
    ``optional`` field left empty gives None (e.g. a plan change not made from a request)."""
    raw = field.data
    if optional and raw in (None, ""):
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= edge.ID_MAX:
        return raw
    if isinstance(raw, str) and _VERSION.fullmatch(raw):
        return int(raw)
    raise ConflictError(stale_message)


class Versioned:
    """Mixin for a form that edits a record with a ``version`` (optimistic locking).

    The view sets ``form.version.data`` to the record's version (0 for a record not yet
    created) when it shows the form, and passes ``form.loaded_version()`` to the service
    inside attempt(): anything but plain digits raises ConflictError(stale_message). A form
    with more version-like hidden fields declares them as VersionField and reads them with
    version_of()."""

    version = VersionField()
    stale_message = STALE_MESSAGE

    def loaded_version(self) -> int:
        """The loaded version; ConflictError when it is missing or not a plain number."""
        return version_of(self.version, self.stale_message)


# --- clinic-local times -----------------------------------------------------------------

class DstFoldField(RadioField):
    """"Which one?" for a clinic-local time that happens twice (clocks go back); shown
    by the form macros only when asked."""

    def __init__(self, label="That time happens twice: which one?", **kwargs):
        super().__init__(label, choices=[
            ("0", "The first (before the clocks go back, daylight time)"),
            ("1", "The second (after the clocks go back, standard time)")],
            validators=[Optional()], **kwargs)


class ClinicTimes:
    """Mixin for a form where clinic-local times are typed (kapms.clinic_time owns the
    conversion)."""

    dst_fold = DstFoldField()

    def fold(self) -> int | None:
        """0 or 1 when the user said which of a repeated time they meant, else None."""
        return int(self.dst_fold.data) if self.dst_fold.data in ("0", "1") else None

    def clinic_instant(self, day, field_name: str) -> datetime | None:
        """The UTC instant of the clinic-local time in ``field_name`` on ``day``."""
        return clinic_time.to_utc(day, self[field_name].data, fold=self.fold(),
                                  field=field_name)


# --- saving -----------------------------------------------------------------------------

def show_domain_error(form, error: DomainError) -> None:
    """Attach ``error`` to the visible field it names, or flash it; ``form.refusal`` keeps
    it for a view that shows more (e.g. the refused text on a conflict page)."""
    if form is not None:
        form.refusal = error
    field = form._fields.get(error.field) if error.field and form is not None else None
    if field is not None and not isinstance(field.widget, HiddenInput):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def flash_form_errors(form) -> None:
    """Flash what is wrong with a form whose page is not shown again (a POST button)."""
    for field in form:
        for message in field.errors:
            flash(message if isinstance(field.widget, HiddenInput)
                  else f"{field.label.text}: {message}", "danger")


def _keep_audit():
    db.session.rollback()
    db.session.commit()  # writes only the audit records the request made


def attempt(form, action, *, reraise=(), replay=None):
    """Run one service call for a submitted form (or POST button, ``form`` None), once.

    Returns (True, result) after committing; (False, None) after rolling back and showing
    why. When a twin request with the same submission token saved first, nothing runs and
    ALREADY_SAVED is flashed: (True, the record the first one made) — ``replay`` turns it
    into the result the view expects (default: the record itself) — or, when the first
    made no record to show again (it returned none, or a plain value), (False, None), so
    a view never meets a success without its result.

    The token is claimed after the action, in its transaction: nothing slow runs while the
    claim holds a lock (on SQLite the write lock), and a twin that ran at the same moment
    fails on the claim (or on what the first one saved) and then finds the first's result.
    """
    try:
        submission = Submission.of_request(_sent_token(form))
    except ConflictError as error:
        show_domain_error(form, error)
        return False, None
    for last_try in (False, True):
        try:
            earlier = submission.earlier()
        except ConflictError as error:
            show_domain_error(form, error)
            return False, None
        if earlier is not None:
            return _replayed(form, earlier, replay)
        try:
            result = action()
            submission.claim(result)
            db.session.commit()
        except (NotFound, PermissionDenied, *reraise):
            _keep_audit()
            if (earlier := _saved_by_twin(submission)) is not None:
                return _replayed(form, earlier, replay)
            raise
        except (DomainError, StaleDataError, IntegrityError) as error:
            db.session.rollback()
            if (earlier := _saved_by_twin(submission)) is not None:
                return _replayed(form, earlier, replay)
            if isinstance(error, IntegrityError) and not last_try:
                # Another request saved a unique value first: run once more against the
                # new state, where the service's own check says what is wrong.
                continue
            show_domain_error(form, error if isinstance(error, DomainError) else
                              ConflictError(CLASH_MESSAGE if isinstance(error, IntegrityError)
                                            else STALE_MESSAGE))
            return False, None
        submission.done()
        _fresh_token(form)
        return True, result
    raise AssertionError("unreachable: the last try returns")


def _saved_by_twin(submission):
    """The submission a twin request saved while this one ran, if any."""
    try:
        return submission.earlier()
    except ConflictError:
        return None


def _replayed(form, earlier, replay) -> tuple[bool, object]:
    flash(ALREADY_SAVED, "info")
    _fresh_token(form)
    record = earlier_result(earlier)
    if record is None:
        return False, None
    return True, replay(record) if replay else record


def sent_before(form=None) -> bool:
    """True when this POST is a twin of one already saved (the same submission token, by
    the same user to the same page): for a view whose own checks would refuse it before
    attempt() can answer with the first one's result (e.g. a single-use link now used)."""
    try:
        return Submission.of_request(_sent_token(form)).earlier() is not None
    except ConflictError:
        return False


def _sent_token(form) -> str | None:
    """The submission token the request sent for ``form`` (its prefix applied), or for a
    POST button without a form object."""
    field = getattr(form, "submission", None)
    if isinstance(field, SubmissionField):
        return field.raw_data[0] if field.raw_data else None
    return request.form.get(submissions.FIELD)


def _fresh_token(form) -> None:
    """A form shown again after a save gets a new token (it is a new submission)."""
    field = getattr(form, "submission", None)
    if isinstance(field, SubmissionField):
        field.data = None


def attempt_and_flash(action, success: str, *, reraise=()) -> bool:
    """For a POST button that redirects back: attempt() without a form, flashing
    ``success`` when it went through. Returns whether it did."""
    ok, _ = attempt(None, action, reraise=reraise)
    if ok:
        flash(success, "success")
    return ok
