"""Links to set a password: invitations to the patient portal and password resets.

A link carries a random token (256 bits); the database keeps its SHA-256 only. Tokens are
minted when the email is actually sent (kapms.auth.messages), so a usable link exists in
the email alone, never in the database or the outbox. A new link of the same purpose
revokes the older ones; a link works once (a conditional UPDATE, so two submissions
racing cannot both set a password) and until it expires.

Setting a password through a link follows the same rules as everywhere: the password
policy, every session ends, and the account is unlocked (whoever holds the link controls
the mailbox, which is what a reset proves). The second factor is untouched: a person who
has one still enters a code at sign-in.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from kapms.audit.services import record
from kapms.auth.models import TOKEN_PURPOSES, PasswordToken, User
from kapms.auth.services.accounts import _apply_new_password, find_user_by_email
from kapms.database import lock_row, utcnow
from kapms.errors import DomainError
from kapms.outbox.services import count_recent, queue_message

# The outbox kinds of the two account emails (written by kapms.auth.messages).
INVITATION_KIND = "invitation"
RESET_KIND = "password_reset"

LINK_REFUSED = ("This link can no longer be used: it was used already, replaced by a newer "
                "one, or it has expired. Ask for a new one.")


class LinkRefused(DomainError):
    """The link is unknown, used, replaced or expired."""


def token_hash(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token(session, user: User, purpose: str, hours: int, *,
               now: datetime | None = None) -> str:
    """A new link token for ``user`` valid ``hours``; older unused links of the same purpose
    stop working. Returns the token (to put in the email; it is never stored)."""
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = now or utcnow()
    _revoke(session, user.id, now, purpose)
    token = secrets.token_urlsafe(32)
    session.add(PasswordToken(user_id=user.id, purpose=purpose, token_hash=token_hash(token),
                              created_at=now, expires_at=now + timedelta(hours=hours)))
    session.flush()
    record(session, None, "create", "password_token", user.id,
           detail=f"{purpose} link sent, valid {hours} h", actor_email="outbox")
    return token


def _revoke(session, user_id: int, now: datetime, purpose: str | None = None) -> None:
    query = update(PasswordToken).where(PasswordToken.user_id == user_id,
                                        PasswordToken.used_at.is_(None),
                                        PasswordToken.revoked_at.is_(None))
    if purpose is not None:
        query = query.where(PasswordToken.purpose == purpose)
    session.execute(query.values(revoked_at=now).execution_options(synchronize_session=False))


def open_token(session, token: str, *, now: datetime | None = None) -> PasswordToken:
    """The usable link for ``token``, or LinkRefused (audited)."""
    now = now or utcnow()
    row = None
    if isinstance(token, str) and 20 <= len(token) <= 100:
        # populate_existing: the link is claimed by a conditional UPDATE, and objects are
        # not expired on commit, so a session that loaded the row earlier must read it anew.
        row = session.scalar(select(PasswordToken).where(
            PasswordToken.token_hash == token_hash(token))
            .execution_options(populate_existing=True))
    if row is None or not row.usable(now):
        record(session, None, "view", "password_token", getattr(row, "user_id", None),
               outcome="denied", detail="link unknown, used, replaced or expired")
        raise LinkRefused(LINK_REFUSED)
    return row


def set_password_with_token(session, token: str, new_password: str, *,
                            now: datetime | None = None) -> User:
    """Use a link once to set the account's password (the password policy applies).

    The account is unlocked, a pending one-time code from an admin reset is cleared, every
    session ends and every other link of the account stops working."""
    now = now or utcnow()
    row = open_token(session, token, now=now)
    user = session.get(User, row.user_id)
    if not user.active:
        raise LinkRefused("This account is deactivated. Ask the clinic.")
    _apply_new_password(user, new_password)  # raises PasswordRejected before anything
    claimed = session.execute(
        update(PasswordToken)
        .where(PasswordToken.id == row.id, PasswordToken.used_at.is_(None),
               PasswordToken.revoked_at.is_(None), PasswordToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise LinkRefused(LINK_REFUSED)
    _revoke(session, user.id, now)
    user.must_change_password = False
    user.password_expires_at = None
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    record(session, user, "update", "user", user.id,
           detail=f"password set through a {TOKEN_PURPOSES[row.purpose].lower()} link")
    return user


def queue_reset(session, user: User, hours: int, *, now: datetime | None = None):
    """Queue a password-reset email to ``user`` whose link works ``hours``."""
    return queue_message(session, kind=RESET_KIND, recipient=user.email, user_id=user.id,
                         patient_id=user.patient_id, params={"hours": hours}, now=now)


def request_password_reset(session, email: str, *, hours: int, per_hour: int,
                           now: datetime | None = None) -> None:
    """Someone asks for a reset link for ``email`` (signed out, "Forgot your password?").

    Whatever the email, the page says the same thing, so it does not tell who has an
    account. A link goes out only to an active account, at most ``per_hour`` an hour (so
    nobody can flood a mailbox); everything is audited."""
    now = now or utcnow()
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        record(session, None, "update", "user", getattr(user, "id", None), outcome="denied",
               actor_email=(email or "")[:254], detail="reset link asked for an unknown or "
                                                        "deactivated account")
        return
    # Requests for one account take turns, so the count below sees every committed one.
    lock_row(session, User, user.id)
    if count_recent(session, RESET_KIND, user.id, now - timedelta(hours=1)) >= per_hour:
        record(session, user, "update", "user", user.id, outcome="denied",
               detail="reset link refused: too many asked this hour")
        return
    queue_reset(session, user, hours, now=now)
    record(session, user, "update", "user", user.id, detail="reset link asked for by email")
