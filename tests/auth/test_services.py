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


def test_a_locked_account_refuses_without_checking_the_password(db, monkeypatch):
    user = make_user(db)
    user.locked_until = utcnow() + timedelta(minutes=5)
    checked = []
    monkeypatch.setattr(passwords, "verify_password",
                        lambda h, p: checked.append(h) or False)
    with pytest.raises(AccountLocked):
        services.authenticate(db, user.email, DEFAULT_PASSWORD)
    assert user.password_hash not in checked and len(checked) == 1  # the dummy only


def test_unknown_email_and_known_email_do_the_same_work(db, monkeypatch):
    user = make_user(db)
    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password",
                        lambda h, p: checked.append(h) or real(h, p))
    for email in ("nobody@example.com", user.email):
        with pytest.raises(DomainError):
            services.authenticate(db, email, "wrong password here")
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_a_right_password_gives_its_count_back_but_does_not_clear_earlier_failures(db):
    user = make_user(db)
    for _ in range(3):
        with pytest.raises(DomainError):
            services.authenticate(db, user.email, "wrong password here")
    attempt = services.count_attempt(db, email=user.email)
    services.check_password(db, attempt, DEFAULT_PASSWORD)
    db.refresh(user)
    assert user.failed_logins == 3  # a second factor may still fail; sign-in clears it
    services.complete_sign_in(db, user, "password")
    assert user.failed_logins == 0


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


def test_admin_reset_issues_a_one_time_code_that_must_be_changed(db):
    admin = make_user(db, roles=["admin"])
    user = make_user(db)
    user.locked_until = utcnow() + timedelta(minutes=10)
    version = user.session_version
    now = utcnow()
    issued = services.issue_password_reset(db, admin, user, now=now, hours=72)
    assert user.locked_until is None and user.session_version == version + 1
    assert user.must_change_password and issued.expires_at == now + timedelta(hours=72)
    assert not passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert services.authenticate(db, user.email, issued.code, now=now) is user
    # the code stops working when it expires ...
    with pytest.raises(DomainError, match="expired"):
        services.authenticate(db, user.email, issued.code, now=now + timedelta(hours=73))
    # ... and once the person chose a new password
    services.change_password(db, user, issued.code, "a brand new passphrase")
    assert not user.must_change_password and user.password_expires_at is None
    with pytest.raises(DomainError):
        services.authenticate(db, user.email, issued.code)
    assert issued.code not in " ".join(e.detail or "" for e in db.scalars(select(AuditEvent)))


def test_admin_cannot_reset_their_own_password(db):
    admin = make_user(db, roles=["admin"])
    with pytest.raises(DomainError, match="Change password"):
        services.issue_password_reset(db, admin, admin)


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
