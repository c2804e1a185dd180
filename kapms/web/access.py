"""Deny-by-default access control.

Every endpoint is refused unless it declares who may use it:
- ``@public`` for the few pages anyone may open (login, health check, static files);
- ``@roles_required(...)`` on a view, or ``guard_blueprint(bp, ...)`` for a whole blueprint;
- ``@login_only`` for pages every signed-in person needs (their account, the dashboard).
A view with no declaration answers 403, so a forgotten check fails closed.
"""

from datetime import UTC, datetime, timedelta

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from kapms.audit.services import current_ip, record
from kapms.auth.services import load_session_user
from kapms.extensions import db, login_manager

ANY_SIGNED_IN = "*"
PUBLIC_ENDPOINTS = {"static"}


def public(view):
    """Mark a view as open to anonymous visitors."""
    view._kapms_public = True
    return view


def roles_required(*roles: str):
    """Allow the view to users holding any of ``roles``."""

    def decorate(view):
        view._kapms_roles = frozenset(roles)
        return view

    return decorate


def login_only(view):
    """Allow the view to any signed-in user, whatever their role."""
    view._kapms_roles = frozenset({ANY_SIGNED_IN})
    return view


def guard_blueprint(bp, *roles: str) -> None:
    """Default roles for every view of ``bp`` that does not declare its own."""
    bp.kapms_roles = frozenset(roles)


def required_roles(app, endpoint: str):
    """(is_public, roles) for an endpoint; roles None means nobody (undeclared)."""
    if endpoint in PUBLIC_ENDPOINTS:
        return True, None
    view = app.view_functions.get(endpoint)
    if view is None:
        return False, None
    if getattr(view, "_kapms_public", False):
        return True, None
    roles = getattr(view, "_kapms_roles", None)
    if roles is None and "." in endpoint:
        bp = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        roles = getattr(bp, "kapms_roles", None)
    return False, roles


def user_may(user, roles) -> bool:
    """True when ``user`` satisfies a role declaration."""
    if roles is None:
        return False
    return ANY_SIGNED_IN in roles or user.has_role(*roles)


def init_app(app) -> None:
    """Install the login loader and the per-request access check."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(token):
        return load_session_user(db.session, token)

    @app.before_request
    def _enforce_access():
        current_ip.set(request.remote_addr)
        if request.endpoint is None:
            return None  # 404/405 follow
        is_public, roles = required_roles(app, request.endpoint)
        if is_public:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if _session_expired():
            logout_user()
            session.clear()
            flash("Your session timed out. Please sign in again.", "info")
            return redirect(url_for("auth.login", next=request.full_path))
        if not user_may(current_user, roles):
            record(db.session, current_user._get_current_object(), "access-denied", "route",
                   request.endpoint, outcome="denied", detail=request.path[:500])
            db.session.commit()
            abort(403)
        return None


def _session_expired() -> bool:
    """Idle and absolute timeouts (settings), refreshed on every request."""
    now = datetime.now(UTC).timestamp()
    cfg = current_app.config
    started = session.get("_login_at")
    seen = session.get("_seen", started)
    if started is None:
        return True
    if now - started > timedelta(hours=cfg["ABSOLUTE_TIMEOUT_HOURS"]).total_seconds():
        return True
    if seen is not None and now - seen > timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]).total_seconds():
        return True
    session["_seen"] = now
    return False


def start_session(user) -> None:
    """Begin a fresh session for ``user``: new identifier, timeout clocks reset."""
    from secrets import token_urlsafe

    from flask_login import login_user

    session.clear()
    login_user(user)
    now = datetime.now(UTC).timestamp()
    session["_login_at"] = now
    session["_seen"] = now
    session["_sid"] = token_urlsafe(16)
    session.permanent = False

