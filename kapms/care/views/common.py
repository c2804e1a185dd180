"""Small helpers shared by the care view modules: settings, clinic-local times, loading a
patient as its prescriber or therapist."""

from datetime import date, datetime, time

from flask import current_app
from flask_login import current_user

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.rules import Thresholds
from kapms.clinic_time import local_date as local_day  # noqa: F401 - used by the views
from kapms.errors import PermissionDenied
from kapms.extensions import db
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient


def thresholds() -> Thresholds:
    """The clinic's care-path settings from the app config."""
    return Thresholds.from_config(current_app.config)


def local_to_utc(day: date, at: time | None, fold: int | None = None) -> datetime | None:
    """A clinic-local date and time as an aware UTC datetime (None without a time);
    kapms.clinic_time.to_utc refuses skipped and unresolved repeated times. Forms with
    times use ClinicTimes.clinic_instant, which also asks which repeated time was meant."""
    return clinic_time.to_utc(day, at, fold=fold)


def patient_as(patient_id: int, role: str, refusal: str):
    """The patient (404 outside the care team), when the signed-in user is on its care
    team as ``role``; otherwise PermissionDenied with ``refusal``."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    if not care.on_team(current_user, patient, role):
        raise PermissionDenied(refusal)
    return patient
