"""The background job queue: one Huey instance, its storage chosen by a setting, and the
`flask worker` command that runs it.

Storage (``QUEUE_URL``): ``sqlite:///path`` (the default, ``instance/queue.sqlite3``: a
single machine, web app and worker sharing one file), ``redis://host:6379/0`` (several
machines, each running workers) or ``memory://`` (the test suite: jobs are queued and
never run unless a test starts a worker).

Jobs carry ids only; what they act on is read from the database when they run, so a job
queued twice, or run after the record changed, does the right thing (the outbox claims a
message before sending it). The database, not the queue, is the record of what must
happen: a periodic sweep re-queues whatever is due, so losing the queue (a Redis restart)
delays messages but loses none.

Tasks run inside an app context of the app that started the worker (``start_worker``),
never of whichever app happened to import this module.
"""

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from huey import Huey
from huey.consumer import ConsumerStopped
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

# Storage is set by configure(); until then (and in the test suite) jobs stay in memory.
huey = Huey("kapms", results=False, utc=True, storage_class=MemoryStorage)
_worker_app = None


def queue_url(app) -> str:
    """The queue's storage URL from the settings (default: SQLite under instance/)."""
    return app.config.get("QUEUE_URL") or "sqlite:///" + str(
        Path(app.instance_path) / "queue.sqlite3")


def make_storage(url: str):
    """A Huey storage for ``url`` (sqlite:///path, redis://..., memory://)."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(huey.name, filename=str(path))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(huey.name, url=url)
    if urlparse(url).scheme == "memory":
        return MemoryStorage(huey.name)
    raise ValueError(f"KAPMS_QUEUE_URL must start with sqlite:///, redis:// or memory://, "
                     f"not {url.split(':', 1)[0]!r}")


def configure(app) -> None:
    """Point the queue at the app's storage (called by the app factory)."""
    huey.storage = make_storage(queue_url(app))


@contextmanager
def task_context():
    """The app context a job runs in: the worker's app."""
    if _worker_app is None:
        raise RuntimeError("jobs run in a worker started by kapms.queue.start_worker")
    with _worker_app.app_context():
        yield


def enqueue(task, *args) -> bool:
    """Queue ``task(*args)``; False (logged) when the queue cannot be reached, which never
    fails the caller: the periodic sweep queues it again from the database."""
    try:
        task(*args)
    except Exception:  # a queue outage must not fail the request that caused the job
        log.exception("could not queue %s%r; the sweep will retry", task.name, args)
        return False
    return True


def start_worker(app, *, workers: int | None = None, periodic: bool = True):
    """A started Huey consumer running jobs in ``app``'s context; ``.stop(graceful=True)``
    ends it. ``flask worker`` runs one until Ctrl-C; tests start one in-process."""
    global _worker_app
    _worker_app = app
    consumer = huey.create_consumer(workers=workers or app.config["QUEUE_WORKERS"],
                                    worker_type="thread", periodic=periodic,
                                    initial_delay=0.1, max_delay=1.0)
    consumer.start()
    return consumer


def init_app(app) -> None:
    """Configure the storage and register ``flask worker``."""
    import click

    configure(app)

    @app.cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Worker threads (default: the "
                  "QUEUE_WORKERS setting).")
    @click.option("--no-periodic", is_flag=True, help="Do not run the periodic jobs here "
                  "(when another worker machine runs them; running them twice is harmless).")
    def worker_command(workers, no_periodic):
        """Run the job queue: send email, send reminders on schedule. Ctrl-C stops it."""
        from flask import current_app

        logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
        click.echo(f"Worker on {_redacted(queue_url(current_app))}; Ctrl-C stops it.")
        consumer = start_worker(current_app._get_current_object(), workers=workers,
                                periodic=not no_periodic)
        # Ctrl-C (SIGINT) and SIGTERM finish the jobs under way, then stop.
        health = time.monotonic()
        while True:
            try:
                health = consumer.loop(health)
            except ConsumerStopped:
                break
        huey.notify_interrupted_tasks()


def _redacted(url: str) -> str:
    """The URL without a password, for the log."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url
