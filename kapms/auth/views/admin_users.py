"""Network admins manage accounts: list, create, change roles, deactivate, reset a password
(a one-time code, never a password the admin chooses or sees) and clear a second factor
(with a reason for the audit log)."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms.auth import services
from kapms.auth.blueprint import admin_bp as bp
from kapms.auth.forms import (
    ButtonForm,
    ClearSecondFactorForm,
    UserCreateForm,
    UserDetailsForm,
    UserEditForm,
)
from kapms.auth.services import second_factor
from kapms.extensions import db
from kapms.web import refused
from kapms.web.edge import page_arg
from kapms.web.forms import attempt, attempt_and_flash

# The hook for sending the reset by email (issue 11): register a callable
# ``send(user, issued: services.ResetIssued) -> None`` as app.extensions[RESET_SENDER] that
# emails the person a reset link (or the code). With it, the admin never sees the code;
# without it, the admin reads the code once and hands it over in person or by phone.
RESET_SENDER = "kapms_reset_sender"
USERS_PER_PAGE = 50


PER_PAGE = 50


@bp.get("/")
def list_users():
    """Staff accounts (or, on their own tab, patients' portal accounts) with roles and
    status by name, a page at a time; searchable by name or email."""
    text = request.args.get("q", "").strip()[:100]
    patients = request.args.get("accounts") == "patients"
    page = page_arg()
    users, has_next = services.search_users(db.session, text, patients=patients, page=page,
                                            per_page=PER_PAGE)
    return render_template("auth/users.html", users=users, q=text, page=page,
                           has_next=has_next, accounts="patients" if patients else None)


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
    """Change roles and active status; reset the password; clear the second factor."""
    user = services.get_user(db.session, user_id)
    form = _edit_form(user)
    if form.validate_on_submit():
        def save():
            if "roles" in form:  # a patient's portal account keeps its one role
                services.set_roles(db.session, current_user, user, form.roles.data)
            if form.active.data != user.active:
                services.set_active(db.session, current_user, user, form.active.data)

        ok, _ = attempt(form, save)
        if ok:
            flash("Account updated.", "success")
            return redirect(url_for(".list_users"))
    return _edit_page(user, form=form)


@bp.post("/<int:user_id>/details")
def edit_details(user_id: int):
    """Correct the person's name, email and credentials (audited with old and new)."""
    user = services.get_user(db.session, user_id)
    form = UserDetailsForm(prefix="details")
    page = url_for(".edit_user", user_id=user.id)
    ok = form.validate_on_submit() and attempt(form, lambda: services.set_details(
        db.session, current_user, user, full_name=form.full_name.data,
        email=form.email.data, credentials=form.credentials.data))[0]
    if ok:
        flash(f"Name and email saved for {user.full_name}.", "success")
    else:
        refused.keep(form, page)  # shown again on the account page (POST-redirect-GET)
    return redirect(page)


def _edit_page(user, status: int = 200, **forms):
    forms.setdefault("form", _edit_form(user))
    if "details_form" not in forms:
        forms["details_form"] = UserDetailsForm(prefix="details", obj=user, formdata=None)
        refused.restore(forms["details_form"], url_for(".edit_user", user_id=user.id))
    forms.setdefault("reset_form", ButtonForm(prefix="reset"))
    forms.setdefault("clear_form", ClearSecondFactorForm(prefix="clear"))
    return render_template("auth/user_edit.html", user=user, **forms), status


@bp.post("/<int:user_id>/reset-password")
def reset_password(user_id: int):
    """Replace the password by a one-time code the person must change at first sign-in.
    The account is unlocked and every session of theirs ends."""
    user = services.get_user(db.session, user_id)
    if not ButtonForm(prefix="reset").validate_on_submit():
        return _edit_page(user, 400)
    settings = current_app.config
    ok, issued = attempt(ButtonForm(prefix="reset"), lambda: services.issue_password_reset(
        db.session, current_user, user, hours=settings["RESET_CODE_HOURS"]))
    if not ok:
        return redirect(url_for(".edit_user", user_id=user.id))
    sender = current_app.extensions.get(RESET_SENDER)
    if sender is not None:
        sender(user, issued)
        flash(f"A password reset was sent to {user.email}.", "success")
        return redirect(url_for(".list_users"))
    return render_template("auth/reset_code.html", user=user, issued=issued)


@bp.post("/<int:user_id>/clear-second-factor")
def clear_second_factor(user_id: int):
    """Remove the person's second factor, recording why."""
    user = services.get_user(db.session, user_id)
    form = ClearSecondFactorForm(prefix="clear")
    if not form.validate_on_submit():
        return _edit_page(user, 400, clear_form=form)
    if attempt_and_flash(lambda: second_factor.clear(db.session, current_user, user,
                                                     form.reason.data),
                         f"Second factor cleared for {user.full_name}; they set up a new one "
                         "at their next sign-in."):
        return redirect(url_for(".list_users"))
    return redirect(url_for(".edit_user", user_id=user.id))


def _edit_form(user) -> UserEditForm:
    """Roles and status; a patient's portal account has only its status to change."""
    form = UserEditForm(data=_edit_defaults(user))
    if user.patient_id is not None:
        del form.roles
    return form


def _edit_defaults(user) -> dict:
    """Current values; a POST's form data takes precedence over these."""
    return {"roles": sorted(user.roles), "active": user.active}
