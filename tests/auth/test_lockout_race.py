"""Lockout under parallel guessing: 40 wrong passwords sent at once to a live server (real
threads, real HTTP, the suite's database: SQLite or PostgreSQL) check at most 10."""

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from sqlalchemy import select
from werkzeug.serving import make_server

from kapms.audit.models import AuditEvent
from kapms.auth.models import User
from kapms.extensions import limiter
from tests.factories import make_user

PARALLEL = 40


def _post_all(url: str, body: bytes, count: int) -> list[tuple[int, str]]:
    start = threading.Barrier(count)

    def one(_):
        start.wait()  # release every request at the same moment
        try:
            with urlopen(Request(url, data=body), timeout=60) as response:
                return response.status, response.read().decode()
        except HTTPError as error:
            return error.code, error.read().decode()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_forty_parallel_wrong_passwords_check_ten_and_lock_the_account(app, db):
    limiter.reset()
    user = make_user(db)
    db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        body = urlencode({"email": user.email, "password": "wrong password here"}).encode()
        replies = _post_all(f"http://127.0.0.1:{server.server_port}/login", body, PARALLEL)
    finally:
        server.shutdown()
        serving.join()
    assert [status for status, _ in replies] == [200] * PARALLEL
    wrong = [html for _, html in replies if "Email or password is not correct." in html]
    locked = [html for _, html in replies if "This account is locked" in html]
    assert len(wrong) == 9 and len(locked) == PARALLEL - 9  # the 10th failure locks
    db.expire_all()
    details = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.user_id == user.id, AuditEvent.action == "login-failed")).all()
    checked = [d for d in details if d.startswith("wrong password")]
    assert sorted(checked) == sorted(
        [f"wrong password ({n} in a row)" for n in range(1, 10)]
        + ["wrong password (10 in a row); account locked"])
    assert details.count("account locked") == PARALLEL - 10
    assert db.get(User, user.id).locked_until is not None
