"""Auth pages: sign-in and sign-out, one's own account, and the admins' user management.
Each module adds its routes to a blueprint of kapms.auth.blueprint."""

from kapms.auth.blueprint import admin_bp, bp
from kapms.auth.views import (  # noqa: F401 - registers routes
    account,
    admin_users,
    password_links,
    sign_in,
)

BLUEPRINTS = [bp, admin_bp]
