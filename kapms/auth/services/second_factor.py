"""The second factor: enrolling an authenticator app, checking its codes and recovery codes
at sign-in, remembered devices, and an admin clearing it (with a recorded reason).

A TOTP code is accepted once: the step it belongs to must be later than the last accepted
one, set by a conditional UPDATE so two parallel requests cannot both use it. A recovery code
is marked used by a conditional UPDATE for the same reason. Wrong codes count against the
same failure limit as wrong passwords (``sign_in.count_attempt``).
"""

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from kapms.audit.services import record
from kapms.auth import otp, secret_box
from kapms.auth.models import RecoveryCode, RememberedDevice, User
from kapms.auth.services.accounts import revoke_remembered_devices
from kapms.auth.services.sign_in import (
    DEFAULT_POLICY,
    Attempt,
    LockPolicy,
    count_failure,
    give_back,
    refuse_locked,
)
from kapms.database import utcnow
from kapms.errors import DomainError

MIN_REASON = 10


def second_factor_required(user: User, required_roles) -> bool:
    """True when one of the person's roles must use a second factor (a clinic setting)."""
    return bool(user.roles & set(required_roles))


def enrol(session, user: User, secret: str, code: str, *, now: datetime | None = None
          ) -> list[str]:
    """Turn on the second factor with ``secret`` once ``code`` proves the app has it.
    Returns fresh recovery codes, to show once; only their hashes are kept."""
    now = now or utcnow()
    if user.has_second_factor:
        raise DomainError("A second factor is already set up for this account.")
    step = otp.matching_step(secret, code, now)
    if step is None:
        raise DomainError("That code does not match. Check that your phone's clock is right "
                          "and enter the code the app shows now.", field="code")
    user.totp_secret = secret_box.seal(secret)
    user.totp_enrolled_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(session, user, now)
    record(session, user, "update", "user", user.id, detail="second factor enrolled")
    return codes


def check_code(session, attempt: Attempt, code: str, *, policy: LockPolicy = DEFAULT_POLICY,
               now: datetime | None = None) -> str:
    """Check an authenticator or recovery code at sign-in (``attempt`` counted and
    committed first). Returns how the person proved it; raises AccountLocked or a
    DomainError on the ``code`` field."""
    now = now or utcnow()
    user = session.get(User, attempt.user_id, populate_existing=True)
    if not attempt.admitted:
        refuse_locked(session, user, policy, now)
    if otp.looks_like_recovery_code(code):
        if _use_recovery_code(session, user, code, now):
            give_back(session, user)
            left = remaining_recovery_codes(session, user)
            record(session, user, "update", "user", user.id,
                   detail=f"recovery code used ({left} left)")
            return "password and recovery code"
    elif _accept_totp(session, user, code, now):
        give_back(session, user)
        return "password and authenticator code"
    count_failure(session, user, attempt, "wrong second-factor code", policy=policy, now=now)


def confirm_code(session, user: User, code: str, *, now: datetime | None = None) -> None:
    """A signed-in person proves they still hold the app (before sensitive changes)."""
    if not _accept_totp(session, user, code, now or utcnow()):
        raise DomainError("That code is not correct.", field="code")


def _accept_totp(session, user: User, code: str, now: datetime) -> bool:
    secret = secret_box.unseal(user.totp_secret) if user.totp_secret else None
    step = otp.matching_step(secret, code, now) if secret else None
    if step is None:
        return False
    taken = session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount
    session.expire(user, ["totp_last_step"])
    return taken == 1  # 0: this code (or a later one) was already used


def _use_recovery_code(session, user: User, code: str, now: datetime) -> bool:
    found = session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == otp.recovery_code_hash(code),
        RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    return session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1


def remaining_recovery_codes(session, user: User) -> int:
    """How many unused recovery codes the person still has."""
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def new_recovery_codes(session, user: User, code: str, *, now: datetime | None = None
                       ) -> list[str]:
    """Replace every recovery code (the old ones stop working) after a current app code."""
    now = now or utcnow()
    confirm_code(session, user, code, now=now)
    codes = _replace_recovery_codes(session, user, now)
    record(session, user, "update", "user", user.id, detail="new recovery codes")
    return codes


def _replace_recovery_codes(session, user: User, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = otp.new_recovery_codes()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=otp.recovery_code_hash(c),
                                 created_at=now) for c in codes)
    session.flush()
    return codes


def remember_device(session, user: User, *, label: str | None, days: int,
                    now: datetime | None = None) -> tuple[int, str]:
    """Trust this browser for ``days``: returns (device id, token) for a signed cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    device = RememberedDevice(user_id=user.id, token_hash=otp.token_hash(token),
                              label=(label or "")[:120] or None, created_at=now,
                              expires_at=now + timedelta(days=days))
    session.add(device)
    session.flush()
    record(session, user, "update", "user", user.id,
           detail=f"browser remembered for {days} days")
    return device.id, token


def is_remembered(session, user: User, device_id: int, token: str, *,
                  now: datetime | None = None) -> bool:
    """True when the cookie's device is this person's, unexpired and not revoked."""
    device = session.get(RememberedDevice, device_id)
    return bool(device is not None and device.user_id == user.id
                and device.revoked_at is None and device.expires_at > (now or utcnow())
                and hmac.compare_digest(device.token_hash, otp.token_hash(token)))


def remembered_devices(session, user: User, *, now: datetime | None = None):
    """The person's browsers that are still trusted, newest first."""
    return session.scalars(select(RememberedDevice).where(
        RememberedDevice.user_id == user.id, RememberedDevice.revoked_at.is_(None),
        RememberedDevice.expires_at > (now or utcnow()))
        .order_by(RememberedDevice.id.desc())).all()


def forget_devices(session, user: User, *, now: datetime | None = None) -> int:
    """The person stops trusting every remembered browser."""
    count = revoke_remembered_devices(session, user, now)
    record(session, user, "update", "user", user.id, detail=f"{count} remembered browsers revoked")
    return count


def clear(session, actor: User, user: User, reason: str, *, now: datetime | None = None) -> None:
    """An admin removes someone's second factor (lost phone and codes), with a reason that
    goes into the audit log. The person sets it up again at the next sign-in when their
    role requires one; every session and remembered browser of theirs ends."""
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise DomainError(f"Give the reason (at least {MIN_REASON} characters): it is kept "
                          "in the audit log.", field="reason")
    if actor.id == user.id:
        raise DomainError("Another admin must clear your own second factor.")
    if not user.has_second_factor:
        raise DomainError(f"{user.full_name} has no second factor to clear.")
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.session_version += 1
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_remembered_devices(session, user, now)
    session.flush()
    record(session, actor, "update", "user", user.id,
           detail=f"second factor cleared; reason: {reason}"[:500])
