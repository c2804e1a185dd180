"""Accounts: creating users, roles, active status, passwords and admin resets."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from kapms.audit.services import record
from kapms.auth import otp, passwords
from kapms.auth.models import PATIENT, ROLES, RememberedDevice, User, UserRole, matching_users
from kapms.database import utcnow
from kapms.errors import DomainError, NotFound


class PasswordRejected(DomainError):
    """The new password breaks the password policy."""


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


def _check_roles(roles, patient_id: int | None = None) -> list[str]:
    """The roles, sorted; refuses unknown ones, and keeps patient accounts apart: the
    patient role belongs to an account linked to a patient record, alone."""
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise DomainError(f"Unknown role: {', '.join(unknown)}.")
    if (PATIENT in roles) != (patient_id is not None) or (PATIENT in roles and len(roles) > 1):
        raise DomainError("A patient's portal account has the patient role and no other; "
                          "staff use an account of their own.", field="roles")
    return roles


def create_user(session, actor, *, email: str, full_name: str, roles, password: str | None = None,
                credentials: str | None = None, password_hash: str | None = None,
                patient_id: int | None = None) -> User:
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
    checked = _check_roles(roles, patient_id)
    user = User(email=email, full_name=full_name.strip(), credentials=credentials or None,
                password_hash=password_hash, password_changed_at=utcnow(), patient_id=patient_id)
    user.role_rows = [UserRole(role=r) for r in checked]
    session.add(user)
    session.flush()
    record(session, actor, "create", "user", user.id, detail=f"roles={','.join(sorted(user.roles))}")
    return user


def set_roles(session, actor, user: User, roles) -> None:
    """Replace a user's roles. An admin cannot remove their own admin role (lock-out guard)."""
    roles = _check_roles(roles, user.patient_id)
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


@dataclass(frozen=True)
class ResetIssued:
    """A one-time code that replaces the password until the person chooses a new one."""

    code: str
    expires_at: datetime


def issue_password_reset(session, actor, user: User, *, now: datetime | None = None,
                         hours: int = 72) -> ResetIssued:
    """An admin resets someone's password without ever knowing a usable password.

    The password becomes a random one-time code that works until ``hours`` from now and
    then only to choose a new password (``must_change_password``). The account is unlocked
    and every session ends. The caller hands the code to the person (in person or by phone
    now; by a reset link in an email once the app sends email) and never stores it.
    """
    if actor is not None and actor.id == user.id:
        raise DomainError("Use Change password for your own account.")
    now = now or utcnow()
    code = otp.new_one_time_password()
    user.password_hash = passwords.hash_password(code)
    user.password_changed_at = now
    user.must_change_password = True
    user.password_expires_at = now + timedelta(hours=hours)
    user.failed_logins = 0
    user.locked_until = None
    user.session_version += 1
    session.flush()
    record(session, actor, "update", "user", user.id,
           detail="password reset by admin: one-time code issued, to be changed at first "
                  "sign-in")
    return ResetIssued(code, user.password_expires_at)


def change_password(session, user: User, current_password: str, new_password: str) -> None:
    """The user changes their own password; every session of theirs ends."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise DomainError("Your current password is not correct.", field="current_password")
    if current_password == new_password:
        raise PasswordRejected("Choose a password different from the current one.",
                               field="new_password")
    _apply_new_password(user, new_password, field="new_password")
    was_reset = user.must_change_password
    user.must_change_password = False
    user.password_expires_at = None
    session.flush()
    record(session, user, "update", "user", user.id,
           detail="one-time code replaced by a new password" if was_reset else "password changed")


def _apply_new_password(user: User, new_password: str, field: str = "password") -> None:
    problems = passwords.password_problems(new_password, user.email)
    if problems:
        raise PasswordRejected(problems[0], field=field)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version += 1


def revoke_remembered_devices(session, user: User, now: datetime | None = None) -> int:
    """Stop trusting every remembered browser of ``user``; returns how many were revoked."""
    result = session.execute(
        update(RememberedDevice)
        .where(RememberedDevice.user_id == user.id, RememberedDevice.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount


def end_sessions(session, user: User) -> None:
    """Sign the user out everywhere (logout ends every session of that user)."""
    user.session_version += 1
    session.flush()
    record(session, user, "logout", "user", user.id)


def set_details(session, actor, user: User, *, full_name: str, email: str,
                credentials: str | None) -> None:
    """An admin corrects someone's name, email (their sign-in) or credentials; audited with
    the old and new values. The email must stay unique."""
    email = normalise_email(email)
    full_name = " ".join((full_name or "").split())
    if not email or "@" not in email:
        raise DomainError("Enter a valid email address.", field="email")
    if not full_name:
        raise DomainError("Enter the person's full name.", field="full_name")
    other = find_user_by_email(session, email)
    if other is not None and other.id != user.id:
        raise DomainError("Another account already uses this email.", field="email")
    credentials = (credentials or "").strip() or None
    changes = [f"{label}: {old or '-'} -> {new or '-'}" for label, old, new in (
        ("name", user.full_name, full_name), ("email", user.email, email),
        ("credentials", user.credentials, credentials)) if old != new]
    if not changes:
        return
    user.full_name, user.email, user.credentials = full_name, email, credentials
    session.flush()
    record(session, actor, "update", "user", user.id, detail="; ".join(changes))


def search_users(session, text: str = "", *, patients: bool = False, page: int = 1,
                 per_page: int = 50):
    """A page of staff accounts by name (patients' portal accounts instead when
    ``patients``; a network has far more of those), those whose name or email contains
    ``text``, and whether more follow."""
    is_patient = User.role_rows.any(UserRole.role == PATIENT)
    query = (select(User).where(is_patient if patients else ~is_patient)
             .order_by(func.lower(User.full_name), User.id))
    if text.strip():
        query = query.where(matching_users(text))
    rows = session.scalars(query.options(selectinload(User.role_rows))
                           .offset((max(page, 1) - 1) * per_page).limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


def _users_query(*, role: str | None, include_inactive: bool, name: str | None):
    query = select(User)
    if role:
        query = query.where(User.role_rows.any(UserRole.role == role))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    if name:
        query = query.where(matching_users(name))
    return query


def list_users(session, *, role: str | None = None, include_inactive: bool = True,
               name: str | None = None, limit: int | None = None, offset: int = 0):
    """Users by name (``limit`` of them from ``offset``), optionally only those holding
    ``role`` or whose name or email contains ``name``; their roles load with them."""
    query = _users_query(role=role, include_inactive=include_inactive, name=name)
    return session.scalars(query.options(selectinload(User.role_rows))
                           .order_by(func.lower(User.full_name), User.id)
                           .offset(offset).limit(limit)).all()


def count_users(session, *, role: str | None = None, include_inactive: bool = True,
                name: str | None = None) -> int:
    """How many users :func:`list_users` finds with the same filters."""
    query = _users_query(role=role, include_inactive=include_inactive, name=name)
    return session.scalar(select(func.count()).select_from(query.subquery()))


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
