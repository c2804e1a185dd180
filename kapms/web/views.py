"""The dashboard and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from kapms.extensions import db
from kapms.web.access import login_only, public

bp = Blueprint("web", __name__)

# Each domain may register a function(user) -> list of dashboard panels (dicts with
# "title" and "template" keys plus the template's data).
DASHBOARD_PANELS = []


@bp.get("/")
@login_only
def dashboard():
    """Landing page: each domain contributes what this user needs to see today."""
    from flask_login import current_user

    panels = [p for fn in DASHBOARD_PANELS for p in fn(current_user)]
    return render_template("web/dashboard.html", panels=panels)


@bp.get("/health")
@public
def health():
    """Liveness and database check for load balancers; reveals nothing else."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
