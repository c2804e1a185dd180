"""One's own account: changing the password, and the second factor (set up, new recovery
codes, forgetting remembered browsers)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, logout_user

from kapms.auth import services
from kapms.auth.blueprint import bp
from kapms.auth.forms import ButtonForm, ChangePasswordForm, ConfirmCodeForm
from kapms.auth.services import second_factor
from kapms.auth.views.enrolment import enrolment_page
from kapms.auth.views.sign_in import required_roles
from kapms.extensions import db
from kapms.web.access import login_only
from kapms.web.forms import attempt


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    """Change one's own password; every session ends and the user signs in again."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: services.change_password(
            db.session, current_user._get_current_object(), form.current_password.data,
            form.new_password.data))
        if ok:
            logout_user()
            flash("Password changed. Please sign in with your new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/change_password.html", form=form)


@bp.get("/account/security")
@login_only
def security():
    """Second factor status, recovery codes left and remembered browsers."""
    user = current_user._get_current_object()
    return render_template(
        "auth/security.html", user=user,
        required=second_factor.second_factor_required(user, required_roles()),
        codes_left=second_factor.remaining_recovery_codes(db.session, user)
        if user.has_second_factor else 0,
        devices=second_factor.remembered_devices(db.session, user),
        codes_form=ConfirmCodeForm(prefix="codes"), forget_form=ButtonForm(prefix="forget"))


@bp.route("/account/security/set-up", methods=["GET", "POST"])
@login_only
def enrol():
    """Set up an authenticator app (for people whose role does not require it yet, or
    after an admin cleared the old one)."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return redirect(url_for(".security"))

    def done(codes):
        return render_template("auth/recovery_codes.html", codes=codes,
                               continue_url=url_for(".security"))

    return enrolment_page(user, done, during_sign_in=False)


@bp.post("/account/security/recovery-codes")
@login_only
def new_recovery_codes():
    """Replace the recovery codes after a current code from the app."""
    user = current_user._get_current_object()
    form = ConfirmCodeForm(prefix="codes")
    if form.validate_on_submit() and user.has_second_factor:
        ok, codes = attempt(form, lambda: second_factor.new_recovery_codes(
            db.session, user, form.code.data))
        if ok:
            return render_template("auth/recovery_codes.html", codes=codes,
                                   continue_url=url_for(".security"))
    flash("New recovery codes need the current code from your app.", "danger")
    return redirect(url_for(".security"))


@bp.post("/account/security/forget-browsers")
@login_only
def forget_browsers():
    """Stop trusting every remembered browser; each asks for a code again."""
    if ButtonForm(prefix="forget").validate_on_submit():
        count = second_factor.forget_devices(db.session, current_user._get_current_object())
        db.session.commit()
        flash(f"{count} browser{'' if count == 1 else 's'} forgotten.", "success")
    return redirect(url_for(".security"))
