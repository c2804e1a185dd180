"""A live KAPMS server (migrated SQLite database with the demo network) and a browser."""

import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from kapms import create_app
from kapms.config import TestConfig
from kapms.demo import DEMO_LOGINS, seed_demo
from kapms.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app as `make run` builds it: migrations, then the demo seed. CSRF stays on."""
    path = tmp_path_factory.mktemp("live") / "live.db"
    app = create_app(type("LiveConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": False}))
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on a free loopback port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, with the base URL set."""
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def demo_login(role: str) -> tuple[str, str]:
    """(email, password) of the demo login for ``role``."""
    for r, email, password in DEMO_LOGINS:
        if r == role:
            return email, password
    raise KeyError(role)


def sign_in(page, role: str) -> None:
    """Sign in through the login form as the demo user of ``role``."""
    email, password = demo_login(role)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
