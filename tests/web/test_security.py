"""Security headers, CSRF and friendly error pages."""

import re

import pytest

from kapms import create_app
from kapms.config import TestConfig
from tests.factories import DEFAULT_PASSWORD, make_user


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/health"])
def test_headers_on_pages_and_error_pages(client, path):
    assert_security_headers(client.get(path))


def test_404_is_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"We could not find that page" in response.data


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_pages_are_not_cached_but_static_files_may_be(client, login_as):
    login_as("therapist")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_no_inline_script_in_pages(client, login_as):
    login_as("admin")
    for path in ["/", "/login", "/admin/users/", "/admin/audit/", "/account/password"]:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "style=" not in html, path


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(type("CsrfConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/csrf.db"}))
    from kapms.extensions import db

    with app.app_context():
        db.create_all()
        make_user(db.session, email="csrf@example.com")
        db.session.commit()
    return app


def test_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "csrf@example.com",
                                           "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert b"security token" in response.data
    assert_security_headers(response)


def test_post_with_csrf_token_is_accepted_and_the_token_has_no_time_limit(csrf_app):
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] is None
    client = csrf_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": "csrf@example.com",
                                           "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_unexpected_error_is_a_friendly_500_without_a_traceback(tmp_path):
    app = create_app(type("BoomConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/boom.db"}))
    from kapms.web.access import public

    @app.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert_security_headers(response)


def test_cookies_are_secure_over_https_only(client, db):
    user = make_user(db)
    db.commit()
    form = {"email": user.email, "password": DEFAULT_PASSWORD}
    plain = client.post("/login", data=form)
    assert "Secure" not in plain.headers["Set-Cookie"]
    client.post("/logout")
    secure = client.post("/login", data=form, base_url="https://localhost")
    cookies = secure.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
