"""Auth pages: sign-in and sign-out, one's own account, and the admins' user management.
Each module adds its routes to a blueprint of kapms.auth.blueprint."""

from kapms.auth.blueprint import admin_bp, bp
from kapms.auth.views import account, admin_users, sign_in  # noqa: F401 - registers routes

BLUEPRINTS = [bp, admin_bp]
