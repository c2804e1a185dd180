"""Signing in with a second factor over HTTP: enrolment when the role requires it, the code
step, remembered browsers, and the admin clearing it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.auth import otp, secret_box
from kapms.auth.models import User
from kapms.auth.services import second_factor as mfa
from kapms.auth.views.sign_in import DEVICE_COOKIE
from kapms.database import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def mfa_required(app):
    """The production default: admins and prescribers must use a second factor."""
    app.config["MFA_REQUIRED_ROLES"] = "admin,prescriber"
    yield
    app.config["MFA_REQUIRED_ROLES"] = ""


def now_code(secret=SECRET, ahead=0):
    return otp.code_at(secret, otp.time_step(utcnow()) + ahead)


def enrolled_user(db, **kwargs):
    user = make_user(db, **kwargs)
    earlier = utcnow() - timedelta(minutes=2)
    mfa.enrol(db, user, SECRET, otp.code_at(SECRET, otp.time_step(earlier)), now=earlier)
    user.totp_last_step = None  # the enrolment code was minutes ago
    db.commit()
    return user


def password(client, user, path="/login"):
    return client.post(path, data={"email": user.email, "password": DEFAULT_PASSWORD})


def test_a_role_that_requires_it_sets_it_up_before_the_sign_in_completes(client, db,
                                                                         mfa_required):
    admin = make_user(db, roles=["admin"])
    db.commit()
    assert password(client, admin).location == "/login/set-up-second-factor"
    assert client.get("/admin/users/").status_code == 302  # not signed in yet
    page = client.get("/login/set-up-second-factor").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page and "<script>" not in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = client.post("/login/set-up-second-factor", data={"code": "12345"})
    assert b"does not match" in wrong.data
    done = client.post("/login/set-up-second-factor", data={"code": now_code(secret)})
    codes = re.findall(r"<code>([A-Z0-9-]{19})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/admin/users/").status_code == 200
    db.expire_all()
    stored = db.get(User, admin.id).totp_secret
    assert secret not in stored and secret_box.unseal(stored) == secret  # encrypted at rest
    login = db.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()[-1]
    assert login.detail == "password; second factor set up"


def test_roles_not_required_sign_in_with_a_password(client, db, mfa_required):
    therapist = make_user(db, roles=["therapist"])
    db.commit()
    assert password(client, therapist).location == "/"


def test_an_enrolled_person_enters_a_code_and_next_survives_the_step(client, db):
    user = enrolled_user(db, roles=["billing"])  # enrolled by choice: asked all the same
    assert password(client, user, "/login?next=/account/security").location == "/login/code"
    assert client.get("/account/security").status_code == 302
    wrong = client.post("/login/code", data={"code": "000000" if now_code() != "000000"
                                             else "111111"})
    assert b"That code is not correct." in wrong.data
    right = client.post("/login/code", data={"code": now_code()})
    assert right.location == "/account/security"
    assert client.get("/account/security").status_code == 200


def test_the_code_page_needs_a_fresh_password_step(client, db):
    user = enrolled_user(db)
    assert client.get("/login/code").location == "/login"
    password(client, user)
    with client.session_transaction() as sess:
        pending = dict(sess["_pending_sign_in"])
        pending["at"] -= 601
        sess["_pending_sign_in"] = pending
    assert client.post("/login/code", data={"code": now_code()}).location == "/login"


def test_a_remembered_browser_skips_the_code_until_forgotten(client, db):
    user = enrolled_user(db)
    password(client, user)
    response = client.post("/login/code", data={"code": now_code(), "remember": "y"})
    assert DEVICE_COOKIE in response.headers.get("Set-Cookie", "")
    client.post("/logout")
    assert password(client, user).location == "/"  # no code asked
    client.post("/account/security/forget-browsers")
    client.post("/logout")
    assert password(client, user).location == "/login/code"


def test_a_forged_browser_cookie_is_ignored(client, db):
    user = enrolled_user(db)
    client.set_cookie(DEVICE_COOKIE, "eyJ1IjoxLCJkIjoxLCJ0IjoieCJ9.forged.sig")
    assert password(client, user).location == "/login/code"


def test_security_page_and_new_recovery_codes(client, db):
    user = enrolled_user(db)
    password(client, user)
    client.post("/login/code", data={"code": now_code()})
    page = client.get("/account/security").get_data(as_text=True)
    assert "10 unused recovery codes left" in page
    fresh = client.post("/account/security/recovery-codes", data={"codes-code": now_code(ahead=1)})
    assert len(re.findall(r"<code>([A-Z0-9-]{19})</code>", fresh.get_data(as_text=True))) == 10


def test_admin_clears_a_second_factor_with_a_reason(client, db, login_as):
    login_as("admin")
    user = enrolled_user(db)
    short = client.post(f"/admin/users/{user.id}/clear-second-factor", data={"clear-reason": "x"})
    assert short.status_code == 302  # refused by the service, shown as a message
    db.expire_all()
    assert db.get(User, user.id).has_second_factor
    empty = client.post(f"/admin/users/{user.id}/clear-second-factor", data={})
    assert empty.status_code == 400
    done = client.post(f"/admin/users/{user.id}/clear-second-factor",
                       data={"clear-reason": "Lost phone; identity checked in person"},
                       follow_redirects=True)
    assert b"Second factor cleared" in done.data
    db.expire_all()
    assert not db.get(User, user.id).has_second_factor
