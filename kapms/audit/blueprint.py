"""The audit blueprint: admins only. Imports nothing from the views."""

from flask import Blueprint

from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
guard_blueprint(bp, "admin")
nav.add("Audit log", "audit.events", 95)
