"""The coordinators' work queue: patients waiting for a therapist or a prescriber."""

from flask import render_template, request
from flask_login import current_user

from kapms import clinic_time
from kapms.extensions import db
from kapms.network.blueprint import bp
from kapms.network.services import queue
from kapms.patients.models import CARE_TEAM_ROLES
from kapms.web.edge import page_arg


@bp.get("/queue")
def waiting():
    """Oldest first, with their needs, linked to matching (admins: network operations)."""
    role = request.args.get("role", "")
    role = role if role in CARE_TEAM_ROLES else None
    page = page_arg(last=10_000)
    rows, total = queue.waiting_patients(db.session, current_user, role=role, page=page)
    pages = max(1, -(-total // queue.PER_PAGE))
    return render_template("network/queue.html", rows=rows, total=total, role=role, page=page,
                           pages=pages, today=clinic_time.today())
