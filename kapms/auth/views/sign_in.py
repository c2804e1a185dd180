"""Signing in and out.

Sign-in is one or two steps. The password step counts the attempt (committed before the
check, see kapms.auth.services.sign_in), then either finishes or leaves a *pending* sign-in
in the session (user id, session version, when, where to go next) for the second step: the
code from the authenticator app, or setting one up when the person's role requires it.
Nobody is signed in until every step passed. A remembered browser (a signed, expiring,
revocable cookie) skips the code.
"""

from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kapms.auth import services
from kapms.auth.blueprint import bp
from kapms.auth.forms import CodeForm, LoginForm
from kapms.auth.models import User
from kapms.auth.redirects import same_site_path
from kapms.auth.services import second_factor
from kapms.auth.views.enrolment import enrolment_page
from kapms.database import utcnow
from kapms.errors import DomainError
from kapms.extensions import db, limiter
from kapms.web.access import login_only, public, start_session

PENDING = "_pending_sign_in"
PENDING_SECONDS = 600  # the second step must follow the password within this time
DEVICE_COOKIE = "kapms_browser"
# Pages a person who must replace a one-time code may still open.
_BEFORE_NEW_PASSWORD = {"auth.change_password", "auth.logout", "static", "web.health"}


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _policy() -> services.LockPolicy:
    return services.LockPolicy(current_app.config["LOGIN_LOCK_THRESHOLD"],
                               current_app.config["LOGIN_LOCK_MINUTES"])


def required_roles() -> set[str]:
    """Roles that must use a second factor (the MFA_REQUIRED_ROLES setting)."""
    return {r.strip() for r in current_app.config["MFA_REQUIRED_ROLES"].split(",") if r.strip()}


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """The sign-in page: email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        attempt = services.count_attempt(db.session, email=form.email.data, policy=_policy(),
                                         now=now)
        db.session.commit()  # parallel attempts (any worker) must see this one's count
        try:
            user = services.check_password(db.session, attempt, form.password.data,
                                           policy=_policy(), now=now)
        except DomainError as error:
            db.session.commit()  # keep the audit row and a lock
            form.password.errors = [error.message]
            return render_template("auth/login.html", form=form), 200
        db.session.commit()
        return _after_password(user, same_site_path(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def _after_password(user: User, next_path: str | None):
    if user.has_second_factor:
        if _remembered_browser(user):
            return _finish(user, "password and remembered browser", next_path)
        _set_pending(user, "code", next_path)
        return redirect(url_for(".enter_code"))
    if second_factor.second_factor_required(user, required_roles()):
        _set_pending(user, "enrol", next_path)
        return redirect(url_for(".enrol_at_sign_in"))
    return _finish(user, "password", next_path)


def _start(user: User, how: str):
    services.complete_sign_in(db.session, user, how)
    db.session.commit()
    start_session(user)


def _finish(user: User, how: str, next_path: str | None):
    _start(user, how)
    return redirect(_landing(user, next_path))


def _landing(user: User, next_path: str | None) -> str:
    if user.must_change_password:
        flash("Choose your own password now: the one-time code only lets you do this.", "info")
        return url_for(".change_password")
    return next_path or url_for("web.dashboard")


def _set_pending(user: User, step: str, next_path: str | None) -> None:
    session.clear()
    session[PENDING] = {"uid": user.id, "ver": user.session_version, "step": step,
                        "at": datetime.now(UTC).timestamp(), "next": next_path}


def _pending(step: str) -> tuple[User | None, str | None]:
    """The user of a fresh pending sign-in at ``step``, and where to go next."""
    pending = session.get(PENDING)
    if not pending or pending.get("step") != step:
        return None, None
    if datetime.now(UTC).timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = db.session.get(User, pending["uid"])
    if user is None or not user.active or user.session_version != pending["ver"]:
        return None, None  # e.g. an admin cleared the second factor meanwhile
    return user, same_site_path(pending.get("next"))


def _sign_in_again():
    session.pop(PENDING, None)
    flash("Please sign in again.", "info")
    return redirect(url_for(".login"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def enter_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    user, next_path = _pending("code")
    if user is None:
        return _sign_in_again()
    form = CodeForm()
    days = current_app.config["REMEMBER_DEVICE_DAYS"]
    if days:
        form.remember.label.text = f"Remember this browser for {days} days"
    else:
        del form.remember
    if form.validate_on_submit():
        now = utcnow()
        attempt = services.count_attempt(db.session, user_id=user.id, policy=_policy(), now=now)
        db.session.commit()
        try:
            how = second_factor.check_code(db.session, attempt, form.code.data,
                                           policy=_policy(), now=now)
        except services.AccountLocked as error:
            db.session.commit()
            session.pop(PENDING, None)
            flash(error.message, "danger")
            return redirect(url_for(".login"))
        except DomainError as error:
            db.session.commit()
            form.code.errors = [error.message]
            return render_template("auth/code.html", form=form)
        db.session.commit()
        remember = days and form.remember.data
        response = _finish(user, how, next_path)
        if remember:
            _remember_browser(response, user, days)
        return response
    return render_template("auth/code.html", form=form)


@bp.route("/login/set-up-second-factor", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def enrol_at_sign_in():
    """Setting up the authenticator app before the first sign-in completes (roles that
    require a second factor)."""
    user, next_path = _pending("enrol")
    if user is None:
        return _sign_in_again()

    def done(codes):
        _start(user, "password; second factor set up")
        return render_template("auth/recovery_codes.html", codes=codes,
                               continue_url=_landing(user, next_path))

    return enrolment_page(user, done, during_sign_in=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="kapms-remembered-browser")


def _remember_browser(response, user: User, days: int) -> None:
    device_id, token = second_factor.remember_device(
        db.session, user, label=request.user_agent.string[:120], days=days)
    db.session.commit()
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps({"u": user.id, "d": device_id, "t": token}),
        max_age=days * 86400, httponly=True, samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure))


def _remembered_browser(user: User) -> bool:
    days = current_app.config["REMEMBER_DEVICE_DAYS"]
    raw = request.cookies.get(DEVICE_COOKIE)
    if not days or not raw:
        return False
    try:
        data = _serializer().loads(raw, max_age=days * 86400)
    except BadSignature:  # also covers an expired signature
        return False
    if not isinstance(data, dict) or data.get("u") != user.id:
        return False
    try:
        return second_factor.is_remembered(db.session, user, int(data["d"]), str(data["t"]))
    except (KeyError, TypeError, ValueError):
        return False


@bp.post("/logout")
@login_only
def logout():
    """End every session of this user, then this one."""
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def _new_password_first():
    """Someone signed in with an admin's one-time code may only choose a new password."""
    if request.endpoint is None or request.endpoint in _BEFORE_NEW_PASSWORD:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None
