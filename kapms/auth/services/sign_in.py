"""Signing in: every attempt is counted before any secret is checked, then the password, then
(when the person has one) the second factor.

Lockout holds under parallel guessing and across workers because the count lives in the
database and is taken by one atomic UPDATE: ``failed_logins = failed_logins + 1`` only while
the account is below the threshold and not locked. An attempt that does not get a count is
refused without checking anything, so 40 parallel wrong passwords check at most ``threshold``
of them. The caller commits the count (``count_attempt``) before the check, so parallel
requests in other processes see it. A correct password gives its count back; only a
completed sign-in clears the count, so wrong second-factor codes add up across password
entries.

Unknown emails and locked accounts cost one argon2 verify against a dummy hash, the same work
as a real check, so the response time does not tell them apart.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from kapms.audit.services import record
from kapms.auth import passwords
from kapms.auth.models import User
from kapms.auth.services.accounts import normalise_email
from kapms.database import utcnow
from kapms.errors import DomainError

GENERIC_LOGIN_ERROR = "Email or password is not correct."


class AccountLocked(DomainError):
    """Too many failed sign-ins in a row; the account is locked for a while."""


@dataclass(frozen=True)
class LockPolicy:
    """How many failures in a row lock an account, and for how long."""

    threshold: int = 10
    minutes: int = 15


DEFAULT_POLICY = LockPolicy()


@dataclass(frozen=True)
class Attempt:
    """One sign-in step (password or code), already counted against the account."""

    email: str
    user_id: int | None  # None: no such account
    admitted: bool  # False: locked, so nothing will be checked
    failures: int  # failures in a row if this attempt fails too


def count_attempt(session, *, email: str | None = None, user_id: int | None = None,
                  policy: LockPolicy = DEFAULT_POLICY, now: datetime | None = None) -> Attempt:
    """Count one attempt against the account named by ``email`` or ``user_id`` (one atomic
    UPDATE). Commit before checking the secret so that parallel requests see the count."""
    now = now or utcnow()
    email = normalise_email(email) if email is not None else None
    which = User.email == email if user_id is None else User.id == user_id
    counted = session.execute(
        update(User)
        .where(which, User.failed_logins < policy.threshold,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.id, User.failed_logins)
        .execution_options(synchronize_session=False)).first()
    if counted is not None:
        return Attempt(email or "", counted.id, True, counted.failed_logins)
    found = session.scalar(select(User.id).where(which))
    return Attempt(email or "", found, found is None, policy.threshold)


def check_password(session, attempt: Attempt, password: str, *,
                   policy: LockPolicy = DEFAULT_POLICY, now: datetime | None = None) -> User:
    """The user when the password is right (the sign-in is not complete yet: a second
    factor may follow, see ``complete_sign_in``). Raises AccountLocked while locked and a
    DomainError that does not say whether the email exists otherwise."""
    now = now or utcnow()
    if attempt.user_id is None:
        passwords.verify_dummy(password)
        record(session, None, "login-failed", "user", outcome="failed",
               actor_email=attempt.email[:254], detail="unknown email")
        raise DomainError(GENERIC_LOGIN_ERROR)
    user = session.get(User, attempt.user_id, populate_existing=True)
    if not attempt.admitted:
        passwords.verify_dummy(password)
        refuse_locked(session, user, policy, now)
    if not passwords.verify_password(user.password_hash, password):
        count_failure(session, user, attempt, "wrong password", policy=policy, now=now)
    give_back(session, user)
    if not user.active:
        record(session, user, "login-failed", "user", user.id, outcome="denied",
               detail="account deactivated")
        raise DomainError("This account has been deactivated. Ask a network admin.")
    if user.must_change_password and user.password_expires_at and user.password_expires_at <= now:
        record(session, user, "login-failed", "user", user.id, outcome="denied",
               detail="one-time code expired")
        raise DomainError("This one-time code has expired. Ask a network admin for a new one.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def refuse_locked(session, user: User, policy: LockPolicy, now: datetime):
    """Audit and refuse an attempt on a locked account."""
    record(session, user, "login-failed", "user", user.id, outcome="denied",
           detail="account locked")
    raise AccountLocked(_locked_message(user.locked_until or now + timedelta(
        minutes=policy.minutes), now))


def count_failure(session, user: User, attempt: Attempt, what: str, *, policy: LockPolicy,
                  now: datetime):
    """A wrong secret: audit it, lock the account when this was the last allowed failure,
    and raise the message to show."""
    detail = f"{what} ({attempt.failures} in a row)"
    if attempt.failures >= policy.threshold:
        session.execute(update(User).where(User.id == user.id)
                        .values(locked_until=now + timedelta(minutes=policy.minutes),
                                failed_logins=0)
                        .execution_options(synchronize_session=False))
        session.expire(user, ["locked_until", "failed_logins"])
        record(session, user, "login-failed", "user", user.id, outcome="failed",
               detail=detail + "; account locked")
        raise AccountLocked(_locked_message(user.locked_until, now))
    record(session, user, "login-failed", "user", user.id, outcome="failed", detail=detail)
    if what == "wrong password":
        raise DomainError(GENERIC_LOGIN_ERROR)
    raise DomainError("That code is not correct.", field="code")


def give_back(session, user: User) -> None:
    """A right secret was not a failure: take its count back (without clearing earlier
    failures, which only a completed sign-in does)."""
    session.execute(update(User)
                    .where(User.id == user.id, User.failed_logins > 0)
                    .values(failed_logins=User.failed_logins - 1)
                    .execution_options(synchronize_session=False))
    session.expire(user, ["failed_logins"])


def complete_sign_in(session, user: User, how: str, *, now: datetime | None = None) -> None:
    """Every factor passed: clear the failure count and audit the sign-in with ``how``
    (e.g. "password and authenticator code")."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now or utcnow()
    session.flush()
    record(session, user, "login", "user", user.id, detail=how)


def authenticate(session, email: str, password: str, *, policy: LockPolicy = DEFAULT_POLICY,
                 now: datetime | None = None) -> User:
    """Password-only sign-in in one transaction (the shell and the tests; the sign-in page
    commits between the steps and asks for the second factor)."""
    attempt = count_attempt(session, email=email, policy=policy, now=now)
    user = check_password(session, attempt, password, policy=policy, now=now)
    complete_sign_in(session, user, "password", now=now)
    return user


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return (f"Too many failed sign-ins. This account is locked; try again in about "
            f"{minutes} minute{'s' if minutes != 1 else ''}, or ask an admin to reset it.")
