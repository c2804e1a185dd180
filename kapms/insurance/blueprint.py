"""The payer admin blueprint (network admins only). Imports nothing from the views."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("insurance", __name__, url_prefix="/admin/payers")
guard_blueprint(bp, "admin")
nav.add("Payers", "insurance.payers", 80)
