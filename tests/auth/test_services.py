"""Sign-in, lockout and account management, without HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.auth import passwords, services
from kapms.auth.services import AccountLocked, LockPolicy, PasswordRejected
from kapms.database import utcnow
from kapms.errors import DomainError
from tests.factories import DEFAULT_PASSWORD, make_user


def events(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_correct_password_signs_in_and_is_audited(db):
    user = make_user(db)
    assert services.authenticate(db, user.email.upper(), DEFAULT_PASSWORD) is user
    assert user.last_login_at is not None
    assert [e.user_id for e in events(db, "login")] == [user.id]


def test_unknown_email_gets_the_same_message_as_a_wrong_password(db):
    user = make_user(db)
    with pytest.raises(DomainError) as unknown:
        services.authenticate(db, "nobody@example.com", DEFAULT_PASSWORD)
    with pytest.raises(DomainError) as wrong:
        services.authenticate(db, user.email, "wrong password here")
    assert unknown.value.message == wrong.value.message
    assert len(events(db, "login-failed")) == 2


def test_ten_failures_in_a_row_lock_the_account_for_fifteen_minutes(db):
    user = make_user(db)
    now = utcnow()
    for _ in range(9):
        with pytest.raises(DomainError):
            services.authenticate(db, user.email, "wrong password here", now=now)
    assert user.locked_until is None
    with pytest.raises(AccountLocked):
        services.authenticate(db, user.email, "wrong password here", now=now)
    assert user.locked_until == now + timedelta(minutes=15)
    # Even the right password is refused while locked ...
    with pytest.raises(AccountLocked):
        services.authenticate(db, user.email, DEFAULT_PASSWORD, now=now + timedelta(minutes=14))
    # ... and accepted once the lock has passed.
    later = now + timedelta(minutes=15, seconds=1)
    assert services.authenticate(db, user.email, DEFAULT_PASSWORD, now=later) is user
    assert user.locked_until is None and user.failed_logins == 0


def test_a_success_resets_the_failure_count(db):
    user = make_user(db)
    for _ in range(9):
        with pytest.raises(DomainError):
            services.authenticate(db, user.email, "wrong password here")
    services.authenticate(db, user.email, DEFAULT_PASSWORD)
    for _ in range(9):
        with pytest.raises(DomainError):
            services.authenticate(db, user.email, "wrong password here")
    assert user.locked_until is None


def test_lock_threshold_is_a_setting(db):
    user = make_user(db)
    for _ in range(2):
        with pytest.raises(DomainError):
            services.authenticate(db, user.email, "wrong", policy=LockPolicy(threshold=3))
    with pytest.raises(AccountLocked):
        services.authenticate(db, user.email, "wrong", policy=LockPolicy(threshold=3))


def test_deactivated_account_cannot_sign_in(db):
    admin = make_user(db, roles=["admin"])
    user = make_user(db)
    services.set_active(db, admin, user, False)
    with pytest.raises(DomainError, match="deactivated"):
        services.authenticate(db, user.email, DEFAULT_PASSWORD)


def test_hash_is_upgraded_at_login_when_parameters_change(db):
    user = make_user(db)
    old_hash = user.password_hash
    passwords.configure(time_cost=2, memory_cost=1024, parallelism=1)
    try:
        services.authenticate(db, user.email, DEFAULT_PASSWORD)
    finally:
        passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    assert user.password_hash != old_hash and "t=2" in user.password_hash


def test_no_password_ever_reaches_the_audit_log(db):
    user = make_user(db)
    with pytest.raises(DomainError):
        services.authenticate(db, user.email, "my secret attempt")
    services.authenticate(db, user.email, DEFAULT_PASSWORD)
    text = " ".join(f"{e.detail} {e.entity_id} {e.actor_email}" for e in db.scalars(select(AuditEvent)))
    assert "my secret attempt" not in text and DEFAULT_PASSWORD not in text


def test_create_user_refuses_duplicate_email_bad_role_and_weak_password(db):
    make_user(db, email="dup@example.com")
    with pytest.raises(DomainError, match="already exists"):
        make_user(db, email="DUP@example.com")
    with pytest.raises(DomainError, match="Unknown role"):
        make_user(db, roles=["surgeon"])
    with pytest.raises(PasswordRejected):
        make_user(db, password="password1234")


def test_a_person_may_hold_several_roles(db):
    user = make_user(db, roles=["therapist", "prescriber"])
    assert user.roles == {"therapist", "prescriber"}
    assert user.has_role("prescriber") and not user.has_role("admin")


def test_set_roles_replaces_roles_and_ends_sessions(db):
    admin = make_user(db, roles=["admin"])
    user = make_user(db)
    version = user.session_version
    services.set_roles(db, admin, user, ["billing"])
    assert user.roles == {"billing"} and user.session_version == version + 1


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(db):
    admin = make_user(db, roles=["admin"])
    with pytest.raises(DomainError):
        services.set_roles(db, admin, admin, ["therapist"])
    with pytest.raises(DomainError):
        services.set_active(db, admin, admin, False)


def test_reset_password_unlocks_and_ends_sessions(db):
    admin = make_user(db, roles=["admin"])
    user = make_user(db)
    user.locked_until = utcnow() + timedelta(minutes=10)
    version = user.session_version
    services.reset_password(db, admin, user, "a brand new passphrase")
    assert user.locked_until is None and user.session_version == version + 1
    assert services.authenticate(db, user.email, "a brand new passphrase") is user


def test_change_password_checks_the_current_one_and_the_policy(db):
    user = make_user(db)
    with pytest.raises(DomainError, match="current password"):
        services.change_password(db, user, "wrong current pw", "another fine passphrase")
    with pytest.raises(PasswordRejected):
        services.change_password(db, user, DEFAULT_PASSWORD, "short")
    with pytest.raises(PasswordRejected):
        services.change_password(db, user, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    services.change_password(db, user, DEFAULT_PASSWORD, "another fine passphrase")
    assert passwords.verify_password(user.password_hash, "another fine passphrase")


def test_session_token_needs_the_current_version(db):
    user = make_user(db)
    token = user.get_id()
    assert services.load_session_user(db, token) is user
    services.end_sessions(db, user)
    assert services.load_session_user(db, token) is None
    assert services.load_session_user(db, "garbage") is None
    assert services.load_session_user(db, "999999:1") is None
