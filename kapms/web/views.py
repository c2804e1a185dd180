"""The dashboard and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from kapms.extensions import db
from kapms.web.access import login_only, public

bp = Blueprint("web", __name__)


@bp.get("/")
@login_only
def dashboard():
    """Landing page: each domain contributes what this user needs to see today."""
    from flask_login import current_user

    from kapms.web import panels

    return render_template("web/dashboard.html",
                           panels=panels.collect(panels.DASHBOARD, current_user))


@bp.get("/health")
@public
def health():
    """Liveness and database check for load balancers; reveals nothing else."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
