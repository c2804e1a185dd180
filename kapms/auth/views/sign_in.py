"""Signing in and out."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from kapms.auth import services
from kapms.auth.blueprint import bp
from kapms.auth.forms import LoginForm
from kapms.errors import DomainError
from kapms.extensions import db, limiter
from kapms.web.access import login_only, public, start_session


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only follow local paths after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        policy = services.LockPolicy(current_app.config["LOGIN_LOCK_THRESHOLD"],
                                     current_app.config["LOGIN_LOCK_MINUTES"])
        try:
            user = services.authenticate(db.session, form.email.data, form.password.data,
                                         policy=policy)
        except DomainError as error:
            db.session.commit()  # keep the failure count and audit row
            form.password.errors = [error.message]
            return render_template("auth/login.html", form=form), 200
        db.session.commit()
        start_session(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_only
def logout():
    """End every session of this user, then this one."""
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
