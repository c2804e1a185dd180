"""Helpers shared by the billing views: today's clinic date, patient loading, PDFs."""

from flask import current_app, make_response
from flask_login import current_user

from kapms import clinic_time
from kapms.billing import pdf
from kapms.billing.services import Practice
from kapms.extensions import db
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient


def today():
    """Today's date in the clinic's time zone (due dates and "as of" dates are local)."""
    return clinic_time.today()


def load_patient(patient_id: int, audit: bool = True):
    """The patient in the billing category, or 404/403 (the read is audited)."""
    return get_patient(db.session, current_user, patient_id, need=BILLING, audit=audit)


def practice() -> Practice:
    """The billing provider from the clinic settings."""
    return Practice.from_config(current_app.config)


def pdf_response(template: str, filename: str, **context):
    """Render ``templates/billing/pdf/<template>`` to a downloadable PDF."""
    response = make_response(pdf.render(template, practice(), **context))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
