"""Account operations: sign-in with lockout, creating users, roles and passwords."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from kapms.audit.services import record
from kapms.auth import passwords
from kapms.auth.models import ROLES, User, UserRole
from kapms.database import utcnow
from kapms.errors import DomainError, NotFound


class PasswordRejected(DomainError):
    """The new password breaks the password policy."""


class AccountLocked(DomainError):
    """Too many failed sign-ins in a row; the account is locked for a while."""


@dataclass(frozen=True)
class LockPolicy:
    """How many failures in a row lock an account, and for how long."""

    threshold: int = 10
    minutes: int = 15


GENERIC_LOGIN_ERROR = "Email or password is not correct."


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def find_user_by_email(session, email: str) -> User | None:
    """The user with this email, or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def authenticate(session, email: str, password: str, *, policy: LockPolicy = LockPolicy(),
                 now: datetime | None = None) -> User:
    """Check a sign-in attempt, counting failures and locking the account.

    Returns the user on success. Raises AccountLocked while locked and DomainError with a
    message that does not reveal whether the email exists otherwise.
    """
    now = now or utcnow()
    user = find_user_by_email(session, email)
    if user is None:
        # Hash anyway so the response time does not reveal unknown emails.
        passwords.verify_password(passwords.hash_password("timing-equaliser"), password)
        record(session, None, "login-failed", "user", outcome="failed",
               actor_email=normalise_email(email)[:254], detail="unknown email")
        raise DomainError(GENERIC_LOGIN_ERROR)
    if user.locked_until and user.locked_until > now:
        record(session, user, "login-failed", "user", user.id, outcome="denied",
               detail="account locked")
        raise AccountLocked(_locked_message(user.locked_until, now))
    if not passwords.verify_password(user.password_hash, password):
        user.failed_logins += 1
        detail = f"wrong password ({user.failed_logins} in a row)"
        if user.failed_logins >= policy.threshold:
            user.locked_until = now + timedelta(minutes=policy.minutes)
            user.failed_logins = 0
            detail += "; account locked"
        record(session, user, "login-failed", "user", user.id, outcome="failed", detail=detail)
        if user.locked_until and user.locked_until > now:
            raise AccountLocked(_locked_message(user.locked_until, now))
        raise DomainError(GENERIC_LOGIN_ERROR)
    if not user.active:
        record(session, user, "login-failed", "user", user.id, outcome="denied",
               detail="account deactivated")
        raise DomainError("This account has been deactivated. Ask a network admin.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record(session, user, "login", "user", user.id)
    return user


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return (f"Too many failed sign-ins. This account is locked; try again in about "
            f"{minutes} minute{'s' if minutes != 1 else ''}, or ask an admin to reset it.")


def _check_roles(roles) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise DomainError(f"Unknown role: {', '.join(unknown)}.")
    return roles


def create_user(session, actor, *, email: str, full_name: str, roles, password: str | None = None,
                credentials: str | None = None, password_hash: str | None = None) -> User:
    """Create an account after checking the email is free and the password is acceptable.

    ``password_hash`` instead of ``password``: a hash of a random, never-shown password made
    before the write transaction (argon2 is slow on purpose; SQLite's write lock must not
    wait for it, e.g. while a directory import creates many accounts).
    """
    email = normalise_email(email)
    if not email or "@" not in email:
        raise DomainError("Enter a valid email address.", field="email")
    if find_user_by_email(session, email):
        raise DomainError("An account with this email already exists.", field="email")
    if password_hash is None:
        problems = passwords.password_problems(password or "", email)
        if problems:
            raise PasswordRejected(problems[0], field="password")
        password_hash = passwords.hash_password(password)
    user = User(email=email, full_name=full_name.strip(), credentials=credentials or None,
                password_hash=password_hash, password_changed_at=utcnow())
    user.role_rows = [UserRole(role=r) for r in _check_roles(roles)]
    session.add(user)
    session.flush()
    record(session, actor, "create", "user", user.id, detail=f"roles={','.join(sorted(user.roles))}")
    return user


def set_roles(session, actor, user: User, roles) -> None:
    """Replace a user's roles. An admin cannot remove their own admin role (lock-out guard)."""
    roles = _check_roles(roles)
    if actor is not None and actor.id == user.id and "admin" not in roles:
        raise DomainError("You cannot remove your own admin role.")
    current = {r.role: r for r in user.role_rows}
    user.role_rows = [current.get(r) or UserRole(role=r) for r in roles]
    user.session_version += 1  # new rights take effect at the next sign-in
    session.flush()
    record(session, actor, "update", "user", user.id, detail=f"roles={','.join(roles)}")


def set_active(session, actor, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if actor is not None and actor.id == user.id and not active:
        raise DomainError("You cannot deactivate your own account.")
    user.active = active
    if not active:
        user.session_version += 1
    session.flush()
    record(session, actor, "update", "user", user.id,
           detail="activated" if active else "deactivated")


def reset_password(session, actor, user: User, new_password: str) -> None:
    """An admin sets a new password; the account is unlocked and every session ends."""
    _apply_new_password(user, new_password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    record(session, actor, "update", "user", user.id, detail="password reset by admin")


def change_password(session, user: User, current_password: str, new_password: str) -> None:
    """The user changes their own password; every session of theirs ends."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise DomainError("Your current password is not correct.", field="current_password")
    if current_password == new_password:
        raise PasswordRejected("Choose a password different from the current one.",
                               field="new_password")
    _apply_new_password(user, new_password, field="new_password")
    session.flush()
    record(session, user, "update", "user", user.id, detail="password changed")


def _apply_new_password(user: User, new_password: str, field: str = "password") -> None:
    problems = passwords.password_problems(new_password, user.email)
    if problems:
        raise PasswordRejected(problems[0], field=field)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version += 1


def end_sessions(session, user: User) -> None:
    """Sign the user out everywhere (logout ends every session of that user)."""
    user.session_version += 1
    session.flush()
    record(session, user, "logout", "user", user.id)


def list_users(session, *, role: str | None = None, include_inactive: bool = True):
    """Users by name, optionally only those holding ``role``."""
    query = select(User).order_by(func.lower(User.full_name))
    if role:
        query = query.where(User.role_rows.any(UserRole.role == role))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return session.scalars(query).all()


def load_session_user(session, user_id_token: str) -> User | None:
    """Resolve a Flask-Login id ("<id>:<session version>") to an active user, or None."""
    try:
        raw_id, raw_version = user_id_token.split(":")
        user = session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_version) != raw_version:
        return None
    return user
