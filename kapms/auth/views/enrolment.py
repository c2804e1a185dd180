"""Setting up an authenticator app: the page with the QR code and the secret, shared by the
enrolment during sign-in and the one from the account's security page."""

from flask import current_app, render_template, session
from markupsafe import Markup

from kapms.auth import otp
from kapms.auth.forms import EnrolForm
from kapms.auth.services import second_factor
from kapms.errors import DomainError
from kapms.extensions import db

_SECRET = "_enrol_secret"


def enrolment_page(user, done, **page):
    """Show the QR code for a new secret (kept in the session until confirmed); on a right
    code turn the second factor on, commit and return ``done(recovery_codes)``."""
    pending = session.get(_SECRET)
    if not pending or pending.get("uid") != user.id:
        pending = {"uid": user.id, "secret": otp.new_secret()}
        session[_SECRET] = pending
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(db.session, user, pending["secret"], form.code.data)
        except DomainError as error:
            db.session.rollback()
            form.code.errors = [error.message]
        else:
            db.session.commit()
            session.pop(_SECRET, None)
            return done(codes)
    uri = otp.provisioning_uri(pending["secret"], user.email,
                               current_app.config["CLINIC_NAME"] or "KAPMS")
    return render_template("auth/enrol.html", form=form, qr=Markup(otp.qr_svg(uri)),
                           secret=otp.grouped_secret(pending["secret"]), **page)
