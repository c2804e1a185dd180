"""The staff's side of the portal: the patient page's "Patient portal" section and the
invitation (clinicians on the care team and billing staff)."""

from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from kapms.extensions import db
from kapms.patients.access import BILLING
from kapms.patients.services import get_patient
from kapms.portal.blueprint import staff_bp
from kapms.portal.forms import InviteForm
from kapms.portal.services import invitations
from kapms.web import panels
from kapms.web.forms import attempt


@staff_bp.post("/patients/<int:patient_id>")
def invite(patient_id: int):
    """Invite the patient to the portal (or send the invitation again)."""
    patient = get_patient(db.session, current_user, patient_id, need=BILLING)
    form = InviteForm(prefix="portal")
    back = url_for("patients.detail", patient_id=patient.id) + "#portal"
    if form.validate_on_submit():
        ok, account = attempt(form, lambda: invitations.invite_patient(
            db.session, current_user, patient, form.email.data,
            hours=current_app.config["INVITATION_HOURS"]))
        if ok:
            flash(f"Invitation sent to {account.email}. The link works once, for "
                  f"{current_app.config['INVITATION_HOURS']} hours.", "success")
            return redirect(back)
    db.session.commit()
    for errors in form.errors.values():
        flash(errors[0], "danger")
    return redirect(back)


def patient_panels(user, patient=None, categories=frozenset(), **context):
    """The patient's portal account: none, invited or in use; the invitation form."""
    if patient is None or BILLING not in categories or user.has_role("patient"):
        return []
    account = patient.portal_account  # loaded with the patient on the patient page
    data = {"patient": patient, "account": account,
            "status": invitations.account_status(db.session, account),
            "can_invite": user.has_role(*invitations.INVITER_ROLES),
            "form": InviteForm(prefix="portal", formdata=None,
                               data={"email": account.email if account else patient.email})}
    return [panels.Panel("portal/_staff_panel.html", data, order=90)]


panels.register(panels.PATIENT_PAGE, patient_panels)
