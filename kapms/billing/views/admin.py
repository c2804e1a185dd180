"""Admin page for clinicians' individual NPIs (printed on superbills and GFEs)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.billing.forms import NpiForm
from kapms.billing.services import clinicians as clinician_svc
from kapms.errors import DomainError
from kapms.extensions import db
from kapms.web import nav
from kapms.web.access import guard_blueprint

admin_bp = Blueprint("billing_admin", __name__, url_prefix="/admin/clinician-npis")
guard_blueprint(admin_bp, "admin")
nav.add("Clinician NPIs", "billing_admin.npis", 85)


@admin_bp.get("/")
def npis():
    """Every active clinician with the NPI on file."""
    people = clinician_svc.clinicians(db.session)
    on_file = clinician_svc.npi_by_user(db.session)
    forms = {u.id: NpiForm(prefix=f"u{u.id}", data={"npi": on_file.get(u.id, "")})
             for u in people}
    return render_template("billing/npis.html", people=people, forms=forms)


@admin_bp.post("/<int:user_id>")
def set_npi(user_id: int):
    """Set or clear one clinician's NPI."""
    form = NpiForm(prefix=f"u{user_id}")
    if form.validate_on_submit():
        try:
            clinician_svc.set_npi(db.session, current_user, user_id, form.npi.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("NPI saved.", "success")
    else:
        flash("An NPI is 10 digits.", "danger")
    return redirect(url_for(".npis"))
