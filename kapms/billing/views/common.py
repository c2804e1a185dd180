"""Helpers shared by the billing views: today's clinic date, patient loading, the clinic's
billing settings, PDFs and pages of a list."""

from flask import current_app, flash, make_response, redirect
from flask_login import current_user

from kapms import clinic_time
from kapms.billing import pdf
from kapms.billing.services import Policy, Practice
from kapms.errors import RuleViolation
from kapms.extensions import db
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient
from kapms.web.edge import page_arg

PER_PAGE = 20


def today():
    """Today's date in the clinic's time zone (due dates and "as of" dates are local)."""
    return clinic_time.today()


def load_patient(patient_id: int, audit: bool = True):
    """The patient in the billing category, or 404/403 (the read is audited)."""
    return get_patient(db.session, current_user, patient_id, need=BILLING, audit=audit)


def practice() -> Practice:
    """The billing provider from the clinic settings."""
    return Practice.from_config(current_app.config)


def policy() -> Policy:
    """The clinic's billing choices from the settings."""
    return Policy.from_config(current_app.config)


def page_number() -> int:
    """The ``?page=`` asked for (1 when missing or nonsense; within the edge's bound)."""
    return page_arg()


def file_response(body: bytes | str, filename: str, content_type: str):
    """A download of ``body``."""
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(template: str, filename: str, **context):
    """Render ``templates/billing/pdf/<template>`` to a downloadable PDF."""
    return file_response(pdf.render(template, practice(), **context), filename,
                         "application/pdf")


def for_print(load, back_url: str):
    """(document, None) from ``load`` (a service load audited as "print", which checks the
    NPIs the document prints), or (None, a redirect to ``back_url``) after rolling back and
    flashing why it was refused."""
    try:
        return load(), None
    except (RuleViolation, ValueError) as error:
        db.session.rollback()
        flash(getattr(error, "message", str(error)), "danger")
        return None, redirect(back_url)
