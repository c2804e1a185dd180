"""The portal blueprints: the patient's own pages (``portal``, the patient role only) and
the staff's invitation to it (``portal_staff``: clinicians and billing)."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
guard_blueprint(bp, "patient")
nav.add("My portal", "portal.home", 1)
nav.add("Billing", "portal.billing", 3)
nav.add("Reminders", "portal.reminder_settings", 4)

staff_bp = Blueprint("portal_staff", __name__, url_prefix="/portal-invitations")
guard_blueprint(staff_bp, "therapist", "prescriber", "billing")
