"""Network admins manage accounts: list, create, change roles, deactivate, reset passwords."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kapms.auth import services
from kapms.auth.blueprint import admin_bp as bp
from kapms.auth.forms import ResetPasswordForm, UserCreateForm, UserEditForm
from kapms.extensions import db
from kapms.web.forms import attempt


@bp.get("/")
def list_users():
    """Every account with roles and status."""
    return render_template("auth/users.html", users=services.list_users(db.session))


@bp.route("/new", methods=["GET", "POST"])
def create_user():
    """Create an account."""
    form = UserCreateForm()
    if form.validate_on_submit():
        ok, user = attempt(form, lambda: services.create_user(
            db.session, current_user, email=form.email.data, full_name=form.full_name.data,
            roles=form.roles.data, password=form.password.data,
            credentials=form.credentials.data))
        if ok:
            flash(f"Account created for {user.full_name}.", "success")
            return redirect(url_for(".list_users"))
    return render_template("auth/user_form.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change roles and active status; reset the password."""
    user = services.get_user(db.session, user_id)
    form = UserEditForm(data=_edit_defaults(user))
    reset_form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        def save():
            services.set_roles(db.session, current_user, user, form.roles.data)
            if form.active.data != user.active:
                services.set_active(db.session, current_user, user, form.active.data)

        ok, _ = attempt(form, save)
        if ok:
            flash("Account updated.", "success")
            return redirect(url_for(".list_users"))
    return render_template("auth/user_edit.html", user=user, form=form, reset_form=reset_form)


@bp.post("/<int:user_id>/reset-password")
def reset_password(user_id: int):
    """Set a new password for a user, unlocking the account."""
    user = services.get_user(db.session, user_id)
    reset_form = ResetPasswordForm(prefix="reset")
    if reset_form.validate_on_submit():
        ok, _ = attempt(reset_form, lambda: services.reset_password(
            db.session, current_user, user, reset_form.password.data))
        if ok:
            flash(f"Password reset for {user.full_name}; their sessions have ended.", "success")
            return redirect(url_for(".list_users"))
    form = UserEditForm(data=_edit_defaults(user))
    return render_template("auth/user_edit.html", user=user, form=form,
                           reset_form=reset_form), 400

def _edit_defaults(user) -> dict:
    """Current values; a POST's form data takes precedence over these."""
    return {"roles": sorted(user.roles), "active": user.active}
