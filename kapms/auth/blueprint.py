"""The auth blueprints and their access rules: signing in and one's own account (``auth``)
and the admins' account management (``admin_users``). Imports nothing from the views.
Registering them also sets the key that encrypts authenticator secrets."""

from flask import Blueprint

from kapms.auth import secret_box
from kapms.web import nav
from kapms.web.access import guard_blueprint

# Sign-in pages declare @public / @login_only one by one; the rest is denied by default.
bp = Blueprint("auth", __name__)

admin_bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")
guard_blueprint(admin_bp, "admin")
nav.add("Users", "admin_users.list_users", 90)


@bp.record_once
def _configure_secret_box(state) -> None:
    config = state.app.config
    secret_box.configure(config.get("TOTP_ENCRYPTION_KEY") or config["SECRET_KEY"])
