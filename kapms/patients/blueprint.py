"""The patients blueprint: the patient list, registration, editing and the patient page."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("patients", __name__, url_prefix="/patients")
guard_blueprint(bp, "therapist", "prescriber", "billing", "admin")
nav.add("Patients", "patients.list", 10)
