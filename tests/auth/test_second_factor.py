"""The second factor without HTTP: enrolment, codes used once, recovery codes, lockout,
remembered browsers and an admin clearing it with a reason."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.auth import otp
from kapms.auth.models import RecoveryCode
from kapms.auth.services import AccountLocked, LockPolicy, count_attempt
from kapms.auth.services import second_factor as mfa
from kapms.database import utcnow
from kapms.errors import DomainError
from tests.factories import make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_for(at, secret=SECRET):
    return otp.code_at(secret, otp.time_step(at))


def enrolled(db, now=None, **kwargs):
    now = now or utcnow()
    user = make_user(db, **kwargs)
    codes = mfa.enrol(db, user, SECRET, code_for(now - timedelta(seconds=30)), now=now)
    return user, codes


def check(db, user, code, now, policy=None):
    policy = policy or LockPolicy()
    attempt = count_attempt(db, user_id=user.id, policy=policy, now=now)
    return mfa.check_code(db, attempt, code, policy=policy, now=now)


def test_enrolment_needs_a_matching_code_and_gives_ten_hashed_recovery_codes(db):
    user = make_user(db)
    now = utcnow()
    with pytest.raises(DomainError, match="does not match"):
        mfa.enrol(db, user, SECRET, "000000" if code_for(now) != "000000" else "111111", now=now)
    assert not user.has_second_factor
    codes = mfa.enrol(db, user, SECRET, code_for(now), now=now)
    assert user.has_second_factor and len(codes) == 10 and len(set(codes)) == 10
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert sorted(stored) == sorted(otp.recovery_code_hash(c) for c in codes)
    assert not set(codes) & set(stored)
    with pytest.raises(DomainError, match="already"):
        mfa.enrol(db, user, SECRET, code_for(now), now=now)


def test_a_code_works_once_and_a_later_one_after_it(db):
    now = utcnow()
    user, _ = enrolled(db, now - timedelta(minutes=5))
    assert check(db, user, code_for(now), now) == "password and authenticator code"
    with pytest.raises(DomainError, match="not correct"):  # replayed
        check(db, user, code_for(now), now)
    later = now + timedelta(seconds=30)
    assert check(db, user, code_for(later), later)
    # a code from long ago (outside the one-step drift) is refused
    with pytest.raises(DomainError):
        check(db, user, code_for(now - timedelta(minutes=3)), later + timedelta(seconds=30))


def test_a_recovery_code_works_once_in_any_spelling(db):
    now = utcnow()
    user, codes = enrolled(db, now)
    typed = codes[0].lower().replace("-", " ")
    assert check(db, user, typed, now) == "password and recovery code"
    with pytest.raises(DomainError):
        check(db, user, codes[0], now)
    assert mfa.remaining_recovery_codes(db, user) == 9


def test_wrong_codes_count_towards_the_same_lock_as_passwords(db):
    now = utcnow()
    user, _ = enrolled(db, now - timedelta(minutes=5))
    policy = LockPolicy(threshold=3)
    for _ in range(2):
        with pytest.raises(DomainError, match="not correct"):
            check(db, user, "12345x", now, policy)
    with pytest.raises(AccountLocked):
        check(db, user, "12345x", now, policy)
    with pytest.raises(AccountLocked):  # even the right code, while locked
        check(db, user, code_for(now), now, policy)


def test_new_recovery_codes_replace_the_old_ones(db):
    now = utcnow()
    user, old = enrolled(db, now - timedelta(minutes=5))
    with pytest.raises(DomainError):
        mfa.new_recovery_codes(db, user, "000000x", now=now)
    new = mfa.new_recovery_codes(db, user, code_for(now), now=now)
    assert not set(new) & set(old)
    with pytest.raises(DomainError):
        check(db, user, old[1], now)
    assert check(db, user, new[1], now)


def test_remembered_browsers_expire_and_can_be_revoked(db):
    now = utcnow()
    user, _ = enrolled(db, now)
    other = make_user(db)
    device, token = mfa.remember_device(db, user, label="Firefox", days=30, now=now)
    assert mfa.is_remembered(db, user, device, token, now=now + timedelta(days=29))
    assert not mfa.is_remembered(db, user, device, token, now=now + timedelta(days=31))
    assert not mfa.is_remembered(db, user, device, token + "x", now=now)
    assert not mfa.is_remembered(db, other, device, token, now=now)
    assert mfa.forget_devices(db, user) == 1
    assert not mfa.is_remembered(db, user, device, token, now=now)


def test_clearing_needs_a_reason_another_admin_and_is_audited(db):
    admin = make_user(db, roles=["admin"])
    user, _ = enrolled(db)
    device, token = mfa.remember_device(db, user, label=None, days=30)
    with pytest.raises(DomainError, match="reason") as short:
        mfa.clear(db, admin, user, "lost")
    assert short.value.field == "reason"
    version = user.session_version
    mfa.clear(db, admin, user, "Lost phone and recovery codes; identity checked by video")
    assert not user.has_second_factor and user.totp_secret is None
    assert user.session_version == version + 1
    assert mfa.remaining_recovery_codes(db, user) == 0
    assert not mfa.is_remembered(db, user, device, token)
    event = db.scalars(select(AuditEvent).where(AuditEvent.detail.like("second factor cleared%"))
                       ).one()
    assert event.user_id == admin.id and "identity checked by video" in event.detail
    with pytest.raises(DomainError, match="Another admin"):
        mfa.clear(db, admin, admin, "I lost my own phone yesterday")


def test_required_roles_setting():
    class Person:
        roles = frozenset({"therapist", "prescriber"})

    assert mfa.second_factor_required(Person(), {"admin", "prescriber"})
    assert not mfa.second_factor_required(Person(), {"admin"})
    assert not mfa.second_factor_required(Person(), set())


def test_secrets_are_stored_encrypted_and_need_the_key(app, db):
    from kapms.auth import secret_box

    now = utcnow()
    user, _ = enrolled(db, now - timedelta(minutes=5))
    assert SECRET not in user.totp_secret and secret_box.unseal(user.totp_secret) == SECRET
    secret_box.configure("some other installation's key")
    try:
        assert secret_box.unseal(user.totp_secret) is None
        with pytest.raises(DomainError):  # a database copied elsewhere gives no working codes
            check(db, user, code_for(now), now)
    finally:
        secret_box.configure(app.config["SECRET_KEY"])
