"""Setting a password through a link: "Forgot your password?" (for everyone, staff and
patients) and the page an invitation or reset link opens.

The link's token moves from the URL into the session at once and the browser is sent to
a clean URL, so the token does not linger in the address bar or the history. The pages
are public (the person is signed out) and share the sign-in rate limit.
"""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import logout_user

from kapms.auth.blueprint import bp
from kapms.auth.forms import ForgotPasswordForm, SetPasswordForm
from kapms.auth.messages import make_reset_sender
from kapms.auth.services import tokens
from kapms.auth.views.admin_users import RESET_SENDER
from kapms.auth.views.sign_in import _login_limit
from kapms.extensions import db, limiter
from kapms.web.access import public
from kapms.web.forms import attempt, sent_before

LINK_TOKEN = "_password_link"


@bp.record_once
def _register_reset_sender(state) -> None:
    # With email, an admin's reset mails the person a link (valid as long as the code).
    state.app.extensions.setdefault(RESET_SENDER, make_reset_sender(
        state.app.config["RESET_CODE_HOURS"]))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        # Once per submission: a twin of the form (a double click) sends no second email.
        ok, _ = attempt(form, lambda: tokens.request_password_reset(
            db.session, form.email.data, hours=config["PASSWORD_RESET_LINK_HOURS"],
            per_hour=config["PASSWORD_RESET_EMAILS_PER_HOUR"]))
        if not (ok or sent_before(form)):
            return render_template("auth/forgot_password.html", form=form)
        flash("If an account uses this email, a link to choose a new password is on its way. "
              f"It works for {config['PASSWORD_RESET_LINK_HOURS']} hours.", "info")
        return redirect(url_for(".login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.get("/set-password/<token>")
@public
@limiter.limit(_login_limit)
def open_password_link(token: str):
    """The link in the email: check it, keep it in the session, go to a clean URL."""
    try:
        tokens.open_token(db.session, token)
    except tokens.LinkRefused as error:
        db.session.commit()  # keep the audit row of the refusal
        return render_template("auth/link_refused.html", message=error.message), 410
    logout_user()
    session.clear()
    session[LINK_TOKEN] = token
    return redirect(url_for(".set_password"))


@bp.route("/set-password", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def set_password():
    """Choose a password (same rules as everywhere); then sign in with it."""
    token = session.get(LINK_TOKEN)
    if not token:
        return redirect(url_for(".forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        ok, _ = attempt(form, lambda: tokens.set_password_with_token(
            db.session, token, form.password.data))
        if ok:
            session.pop(LINK_TOKEN, None)
            flash("Your password is set. Sign in with your email and the new password.",
                  "success")
            return redirect(url_for(".login"))
    return render_template("auth/set_password.html", form=form)
