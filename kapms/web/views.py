"""The dashboard and the health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from kapms.extensions import db
from kapms.web.access import login_only, public

bp = Blueprint("web", __name__)


@bp.get("/")
@login_only
def dashboard():
    """Landing page: each domain contributes what this user needs to see today."""
    from flask import current_app, redirect, url_for
    from flask_login import current_user

    from kapms.web import panels

    # Patients land in their portal (issue 11), clinicians on their calendar (issue 3);
    # admins and billing keep the dashboard.
    if current_user.has_role("patient") and "portal.home" in current_app.view_functions:
        return redirect(url_for("portal.home"))
    clinician = current_user.has_role("therapist", "prescriber")
    if clinician and not current_user.has_role("admin") \
            and "care.calendar" in current_app.view_functions:
        return redirect(url_for("care.calendar"))
    return render_template("web/dashboard.html",
                           panels=panels.collect(panels.DASHBOARD, current_user))


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on pages that name no icon (a PDF, a JSON answer):
    send them to the app's icon rather than a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/health")
@public
def health():
    """Liveness and database check for load balancers; reveals nothing else."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
