"""The admin's audit log page."""

from flask import render_template, request

from kapms.audit import services
from kapms.audit.blueprint import bp
from kapms.audit.forms import AuditFilterForm
from kapms.auth.services import list_users
from kapms.extensions import db

PER_PAGE = 50


@bp.get("/")
def events():
    """List and filter audit events."""
    form = AuditFilterForm(request.args)
    form.user_id.choices = [(0, "Anyone")] + [(u.id, u.email) for u in list_users(db.session)]
    flt = services.AuditFilter()
    if form.validate():
        flt = services.AuditFilter(
            user_id=form.user_id.data or None, patient_id=form.patient_id.data,
            action=form.action.data or None, date_from=form.date_from.data,
            date_to=form.date_to.data)
    page = 1 if form.page.errors else (form.page.data or 1)
    rows, total = services.search(db.session, flt, page=page, per_page=PER_PAGE)
    return render_template("audit/events.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)))
