"""The care blueprint and its access guard (the routes live in kapms.care.views)."""

from flask import Blueprint

from kapms.web.access import guard_blueprint

bp = Blueprint("care", __name__, url_prefix="/care")
# Clinical pages: the care team and admins (admins read, services refuse their writes).
# Billing never reaches these pages: they hold note narratives and clinical data.
guard_blueprint(bp, "therapist", "prescriber", "admin")
