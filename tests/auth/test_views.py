"""Sign-in, sessions and account pages over HTTP."""

from datetime import UTC, datetime

from kapms.auth.models import User
from tests.factories import DEFAULT_PASSWORD, make_user

# A page every signed-in user may open: 200 when signed in, a redirect to login otherwise.
PROBE = "/account/password"


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200 and b"Sign in" in response.data


def test_login_then_dashboard_then_logout(client, db, login):
    user = make_user(db, roles=["billing"], full_name="Maya Test")
    db.commit()
    login(user)
    assert b"Welcome, Maya Test" in client.get("/").data
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get(PROBE).status_code == 302  # back to the login page


def test_wrong_password_is_a_form_error_not_a_redirect(client, db):
    user = make_user(db)
    db.commit()
    response = client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    assert response.status_code == 200
    assert b"Email or password is not correct." in response.data


def test_ten_wrong_passwords_lock_the_account_through_the_form(client, db):
    user = make_user(db)
    db.commit()
    for _ in range(10):
        client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert b"locked" in response.data
    db.expire_all()
    assert db.get(User, user.id).locked_until is not None


def test_login_form_is_rate_limited_per_ip(app, client, db):
    user = make_user(db)
    db.commit()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.post("/login", data={"email": user.email, "password": "x" * 12}).status_code
                 for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [200, 200, 200, 429]


def test_logout_ends_every_session_of_the_user(app, client, db, login):
    user = make_user(db)
    db.commit()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert other_device.get(PROBE).status_code == 200
    login(user)
    assert client.post("/logout").status_code == 302
    assert other_device.get(PROBE).status_code == 302


def test_password_change_ends_other_sessions(app, client, db, login):
    user = make_user(db)
    db.commit()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    login(user)
    response = client.post("/account/password", data={
        "current_password": DEFAULT_PASSWORD, "new_password": "a fresh long passphrase",
        "confirm": "a fresh long passphrase"})
    assert response.status_code == 302
    assert other_device.get(PROBE).status_code == 302
    assert client.get(PROBE).status_code == 302


def test_password_change_mismatch_is_a_form_error(client, db, login):
    user = make_user(db)
    db.commit()
    login(user)
    response = client.post("/account/password", data={
        "current_password": DEFAULT_PASSWORD, "new_password": "a fresh long passphrase",
        "confirm": "a different passphrase"})
    assert response.status_code == 200 and b"The two new passwords differ." in response.data


def _age_session(client, **seconds_ago):
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as sess:
        for key, ago in seconds_ago.items():
            sess[key] = now - ago


def test_idle_timeout_ends_the_session(client, db, login):
    login(make_user(db))
    _age_session(client, _seen=31 * 60)
    response = client.get(PROBE)
    assert response.status_code == 302 and "/login" in response.location


def test_activity_within_the_idle_window_keeps_the_session(client, db, login):
    login(make_user(db))
    _age_session(client, _seen=29 * 60)
    assert client.get(PROBE).status_code == 200


def test_absolute_timeout_ends_an_active_session(client, db, login):
    login(make_user(db))
    _age_session(client, _login_at=12 * 3600 + 60, _seen=10)
    assert client.get(PROBE).status_code == 302


def test_login_issues_a_new_session_identifier(client, db):
    user = make_user(db)
    db.commit()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["_sid"] = "attacker-chosen"
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as sess:
        assert sess["_sid"] != "attacker-chosen"


HOSTILE_NEXT = [
    "https://evil.example/", "//evil.example", "///evil.example", "/%09/evil.example",
    "/%0a/evil.example", "/%0d/evil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/\\evil.example", "\\evil.example", "http:evil.example", "http:/evil.example",
    "javascript:alert(1)", "evil.example", " //evil.example", "/%E3%80%80/evil.example",
    "/%00/evil.example", "%09//evil.example", "data:text/html,hi", "/%7F/evil.example",
    "https:%2F%2Fevil.example", "//%09evil.example", "/%2509/evil.example",
]


def _browser_target(location: str) -> str:
    """Where a browser goes: it drops tabs and newlines and reads \\ as /."""
    from urllib.parse import urljoin, urlsplit

    cleaned = "".join(c for c in location if c not in "\t\n\r").replace("\\", "/")
    return urlsplit(urljoin("http://kapms.test/login", cleaned)).netloc


def test_next_parameter_only_follows_same_site_paths(app, db):
    from urllib.parse import quote

    user = make_user(db)
    db.commit()
    for target in HOSTILE_NEXT:
        client = app.test_client()
        query = target if "%" in target else quote(target, safe="")
        response = client.post(f"/login?next={query}", data={
            "email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, target
        assert _browser_target(response.location) == "kapms.test", (target, response.location)
        assert response.location == "/", (target, response.location)


def test_next_parameter_keeps_a_path_on_the_site(client, db):
    user = make_user(db)
    db.commit()
    response = client.post("/login?next=/admin/audit/%3Fpatient_id%3D3", data={
        "email": user.email, "password": DEFAULT_PASSWORD})
    assert response.location == "/admin/audit/?patient_id=3"


def test_session_cookie_flags(client, db):
    user = make_user(db)
    db.commit()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_deactivated_user_is_signed_out_on_next_request(client, db, login):
    admin = make_user(db, roles=["admin"])
    user = make_user(db)
    db.commit()
    login(user)
    from kapms.auth.services import set_active

    set_active(db, admin, db.get(User, user.id), False)
    db.commit()
    assert client.get(PROBE).status_code == 302


def test_admin_creates_user_through_the_form(client, db, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "email": "new.person@example.com", "full_name": "New Person", "roles": ["therapist", "prescriber"],
        "password": "a decent long passphrase"})
    assert response.status_code == 302
    created = db.query(User).filter_by(email="new.person@example.com").one()
    assert created.roles == {"therapist", "prescriber"}


def test_admin_create_user_with_weak_password_shows_form_error(client, db, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "email": "weak@example.com", "full_name": "Weak", "roles": ["billing"],
        "password": "password1234"})
    assert response.status_code == 200 and b"too common" in response.data
    assert db.query(User).filter_by(email="weak@example.com").count() == 0


def test_admin_edits_roles_and_deactivates(client, db, login_as):
    login_as("admin")
    user = make_user(db)
    db.commit()
    response = client.post(f"/admin/users/{user.id}", data={"roles": ["billing"], "active": ""})
    assert response.status_code == 302
    db.expire_all()
    edited = db.get(User, user.id)
    assert edited.roles == {"billing"} and not edited.active


def test_admin_reset_shows_a_one_time_code_that_only_lets_the_person_choose_a_password(
        app, client, db, login_as):
    """Without a sender (an app that sends no email) the admin hands the code over."""
    import re

    from kapms.auth.views.admin_users import RESET_SENDER

    login_as("admin")
    user = make_user(db)
    db.commit()
    sender = app.extensions.pop(RESET_SENDER)
    try:
        page = client.post(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    finally:
        app.extensions[RESET_SENDER] = sender
    code = re.search(r'data-testid="one-time-code">([A-Z0-9-]+)<', page).group(1)
    client.post("/logout")  # the admin leaves; the person signs in on this client
    person = client
    old = person.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 200, old.location  # the old password is gone
    signed_in = person.post("/login", data={"email": user.email, "password": code})
    assert signed_in.location == "/account/password"
    for path in ("/", "/admin/users/", "/account/security"):  # nothing else until changed
        assert person.get(path).location == "/account/password"
    changed = person.post("/account/password", data={
        "current_password": code, "new_password": "my very own passphrase",
        "confirm": "my very own passphrase"})
    assert changed.status_code == 302
    person.post("/login", data={"email": user.email, "password": "my very own passphrase"})
    assert person.get("/account/security").status_code == 200


def test_a_reset_sender_hook_sends_the_code_instead_of_showing_it(app, client, db, login_as):
    from kapms.auth.views.admin_users import RESET_SENDER

    login_as("admin")
    user = make_user(db)
    db.commit()
    sent = []
    sender = app.extensions[RESET_SENDER]
    app.extensions[RESET_SENDER] = lambda person, issued: sent.append((person.email, issued.code))
    try:
        response = client.post(f"/admin/users/{user.id}/reset-password", follow_redirects=True)
    finally:
        app.extensions[RESET_SENDER] = sender
    html = response.get_data(as_text=True)
    assert len(sent) == 1 and sent[0][0] == user.email and sent[0][1] not in html
    assert f"A password reset was sent to {user.email}" in html


def test_unknown_user_id_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


def test_non_admin_cannot_open_user_admin(client, login_as):
    login_as("therapist", "prescriber", "billing")
    assert client.get("/admin/users/").status_code == 403


def test_users_list_is_paged_and_searchable(client, db, login_as):
    from tests.sqlcount import get_counted

    login_as("admin", full_name="Aaron Admin")
    for n in range(52):
        make_user(db, full_name=f"Zz Clinician {n:02d}", email=f"zz{n}@example.test")
    make_user(db, full_name="Yolanda Search", email="yolanda@example.test")
    db.commit()
    first, log = get_counted(client, "/admin/users/")
    first = first.get_data(as_text=True)
    assert "Page 1" in first and "Next" in first
    assert "Zz Clinician 47" in first and "Zz Clinician 48" not in first  # 50 a page
    assert log.count <= 6, log.summary()  # the roles load with the page, not one by one
    second = client.get("/admin/users/?page=2").get_data(as_text=True)
    assert "Zz Clinician 51" in second and "Zz Clinician 00" not in second
    assert "Next" not in second
    found = client.get("/admin/users/?q=YOLANDA").get_data(as_text=True)
    assert "Yolanda Search" in found and "Zz Clinician" not in found and "Next" not in found
