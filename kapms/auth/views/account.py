"""One's own account: changing the password."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, logout_user

from kapms.auth import services
from kapms.auth.blueprint import bp
from kapms.auth.forms import ChangePasswordForm
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
