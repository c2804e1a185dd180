"""Account verbs, split by meaning: accounts (users, roles, passwords, admin resets), sign_in
(attempt counting, password, lockout) and second_factor (TOTP, recovery codes, remembered
browsers). Every function takes the session first, flushes but never commits and audits.
The names other domains use are importable from here."""

from kapms.auth.services.accounts import (
    PasswordRejected,
    ResetIssued,
    change_password,
    count_users,
    create_user,
    end_sessions,
    find_user_by_email,
    get_user,
    issue_password_reset,
    list_users,
    load_session_user,
    normalise_email,
    search_users,
    set_active,
    set_details,
    set_roles,
)
from kapms.auth.services.sign_in import (
    GENERIC_LOGIN_ERROR,
    AccountLocked,
    Attempt,
    LockPolicy,
    authenticate,
    check_password,
    complete_sign_in,
    count_attempt,
)

__all__ = [
    "GENERIC_LOGIN_ERROR", "AccountLocked", "Attempt", "LockPolicy", "PasswordRejected",
    "ResetIssued", "authenticate", "change_password", "check_password", "complete_sign_in",
    "count_attempt", "create_user", "end_sessions", "find_user_by_email", "get_user",
    "count_users", "issue_password_reset", "list_users", "load_session_user", "normalise_email",
    "search_users", "set_active", "set_details", "set_roles",
]
