"""Fixtures: a real SMTP server the test starts, the app sending to it, and a real queue
worker (Huey on an SQLite file of the test) running jobs in the test's app."""

import signal

import pytest

from kapms import queue
from tests.mailserver import MailServer


@pytest.fixture
def smtp(app):
    """The app sends by SMTP to a server this test started; yields the server."""
    server = MailServer().start()
    state = app.extensions["mailman"]
    saved = (state.backend, state.server, state.port, state.timeout)
    state.backend, state.server, state.port, state.timeout = "smtp", "127.0.0.1", server.port, 10
    yield server
    state.backend, state.server, state.port, state.timeout = saved
    server.stop()


@pytest.fixture
def worker(app, tmp_path):
    """A started worker (2 threads, periodic jobs off) on a queue file of its own."""
    saved_storage = queue.huey.storage
    queue.huey.storage = queue.make_storage(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.start_worker(app, workers=2, periodic=False)
    yield consumer
    consumer.stop(graceful=True)
    for s, handler in handlers.items():
        signal.signal(s, handler)
    queue.huey.storage = saved_storage
