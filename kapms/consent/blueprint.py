"""The consent blueprints: admins keep the documents (``consent_admin``); clinicians record
paper signatures, and everyone who may see a signature prints its signed copy
(``consent``)."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

admin_bp = Blueprint("consent_admin", __name__, url_prefix="/admin/consents")
guard_blueprint(admin_bp, "admin")
nav.add("Consents", "consent_admin.documents", 88)

bp = Blueprint("consent", __name__, url_prefix="/consent")
guard_blueprint(bp, "therapist", "prescriber")
