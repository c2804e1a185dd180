"""The queue's distributed backend: the same worker on a real Redis server the test starts
(127.0.0.1, a free port, nothing written to disk), sending through a real SMTP server;
two workers on one Redis send each message once."""

import shutil
import signal
import subprocess
import time

import pytest
import redis

from kapms import queue
from kapms.auth.services import tokens
from kapms.outbox.models import OutboxMessage
from kapms.outbox.tasks import send_message
from tests.factories import make_user
from tests.mailserver import free_port


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of this test; yields its URL."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def redis_workers(app, redis_url):
    """Two consumers (two 'machines') on the Redis queue."""
    saved_storage = queue.huey.storage
    queue.huey.storage = queue.make_storage(redis_url)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumers = [queue.start_worker(app, workers=2, periodic=False) for _ in range(2)]
    yield consumers
    for consumer in consumers:
        consumer.stop(graceful=True)
    for s, handler in handlers.items():
        signal.signal(s, handler)
    queue.huey.storage = saved_storage


def test_workers_on_redis_send_each_message_once(app, db, smtp, redis_workers):
    users = [make_user(db, roles=["therapist"], email=f"r{n}@clinic.example") for n in range(5)]
    for user in users:
        tokens.queue_reset(db, user, hours=2)
    db.commit()
    for user in users:  # queued twice: the claim keeps it to one email each
        message_id = db.query(OutboxMessage.id).filter_by(user_id=user.id).scalar()
        queue.enqueue(send_message, message_id)
    received = smtp.wait_for(5)
    time.sleep(0.5)  # let any duplicate arrive before counting
    assert sorted(r[0][0] for r in received) == sorted(u.email for u in users)
