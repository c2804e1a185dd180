"""A live KAPMS server (migrated SQLite database with the demo network) and a browser.

``sign_in(page, role)`` signs in as the demo user of ``role``. The demo admin and prescriber
have an authenticator app (the published demo secrets): the first sign-in of each in the
session enters the current code and ticks "Remember this browser"; later ones bring that
remembered-browser cookie along and skip the code, as a person's own browser would.
"""

import re
import signal
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from kapms import create_app, queue
from kapms.auth import otp
from kapms.auth.demo import DEMO_TOTP_SECRETS
from kapms.auth.views.sign_in import DEVICE_COOKIE
from kapms.config import TestConfig
from kapms.database import utcnow
from kapms.demo import DEMO_LOGINS, seed_demo
from kapms.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app as `make run` builds it: migrations, then the demo seed. CSRF stays on, and
    admins and prescribers must use a second factor (the production default). Email goes
    to a mail folder of the session (``MAIL_FOLDER``) through a queue of its own."""
    folder = tmp_path_factory.mktemp("live")
    path = folder / "live.db"
    app = create_app(type("LiveConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": False,
        "SINGLE_PROCESS": True, "MFA_REQUIRED_ROLES": "admin,prescriber",
        "MAIL_BACKEND": "folder", "MAIL_FOLDER": str(folder / "mail"),
        "QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite3'}"}))
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on a free loopback port in a background thread, with the job queue's
    worker beside it (as `make run` does); yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = queue.start_worker(live_app, workers=2, periodic=False)
    yield f"http://127.0.0.1:{server.server_port}"
    worker.stop(graceful=True)
    for number, handler in saved.items():
        signal.signal(number, handler)
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


_remembered: dict[str, list] = {}  # role -> the remembered-browser cookie of its demo user


def sign_in(page, role: str) -> None:
    """Sign in through the login form as the demo user of ``role`` (see the module doc)."""
    email, password = demo_login(role)
    if role in _remembered:
        page.context.add_cookies(_remembered[role])
    fill_password(page, email, password)
    if "/login/code" in page.url:
        enter_code(page, DEMO_TOTP_SECRETS[role], remember=True)
        _remembered[role] = [c for c in page.context.cookies() if c["name"] == DEVICE_COOKIE]
    page.wait_for_url(lambda url: "/login" not in url)


def fill_password(page, email: str, password: str) -> None:
    """The first step: email and password, then wait for the next page."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def email_to(live_app, address: str, subject: str, seconds: float = 30.0):
    """The email to ``address`` whose subject holds ``subject``, once the worker wrote it
    to the live app's mail folder (a bounded wait, never a timing assertion)."""
    folder = Path(live_app.config["MAIL_FOLDER"])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            email = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email["To"] == address and subject in email["Subject"]:
                return email
        time.sleep(0.2)
    raise AssertionError(f"no email to {address} about {subject!r}")


def link_path(email) -> str:
    """The path (from /set-password/ on) of the password link in an email."""
    body = email.get_body(("plain",)).get_content()
    return "/set-password/" + re.search(r"/set-password/(\S+)", body).group(1)


def record_paper_signature(page, title: str) -> None:
    """On a patient page, a clinician records that the patient signed ``title`` on paper
    (kapms.consent), witnessed at the front desk."""
    from playwright.sync_api import expect

    unsigned = page.get_by_test_id("consent-unsigned").filter(has_text=title)
    unsigned.get_by_text("Record a paper signature").click()
    unsigned.get_by_label("Witnessed by").fill("Jamie Park, front desk")
    unsigned.get_by_role("button", name="Record").click()
    expect(page.get_by_text(f"Paper signature of “{title}” recorded.")).to_be_visible()


def current_code(secret: str, ahead: int = 0) -> str:
    """The code an authenticator app with ``secret`` shows now (or ``ahead`` steps on)."""
    return otp.code_at(secret, otp.time_step(utcnow()) + ahead)


def enter_code(page, secret: str, remember: bool = False) -> None:
    """Enter the app's code on the code page. A code works once, and an earlier test may
    have used this one: then the next step's code (accepted for clock drift) is used, or,
    failing that, the code of the next 30 seconds."""
    for attempt in range(3):
        if remember:
            page.get_by_label("Remember this browser").check()
        ahead = 0 if attempt == 0 else 1
        page.get_by_label("Code", exact=True).fill(current_code(secret, ahead))
        with page.expect_navigation():
            page.get_by_role("button", name="Verify").click()
        if "/login/code" not in page.url:
            return
        if attempt == 1:
            time.sleep(otp.STEP_SECONDS - time.time() % otp.STEP_SECONDS + 0.5)
    raise AssertionError("the code page refused three codes")
