"""A PostgreSQL server for the benchmarks, started the way tests/pgserver.py starts one.

Unlike the test server, its data folder is kept (under the benchmark folder) so that a
generated network, which takes minutes at full size, is reused by the next run; a data set
is regenerated only when the schema or the generator changed (see bench/scale_data.py).
fsync is off: the data is disposable, and a crash only costs a regeneration.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.pgserver import _as_server_user, _bin, _free_port

# Memory for a 2-core machine shared with others: enough to keep the hot indexes cached.
SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "shared_buffers": "512MB", "work_mem": "16MB", "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min",
    "max_connections": "100", "jit": "off",
}


class Server:
    """A running server: ``url(name)`` creates the database when missing."""

    def __init__(self, port: int, base: Path):
        self.port, self.base = port, base

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of database ``name`` (created on first use)."""
        exists = subprocess.run(
            [_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "kapms", "-d",
             "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True).stdout.strip()
        if not exists:
            subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                            "kapms", name], check=True)
        return f"postgresql+psycopg://kapms@127.0.0.1:{self.port}/{name}"


@contextmanager
def bench_postgres(base: Path):
    """Start (initialising on first use) the benchmark server in ``base``; stop it after."""
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    root = os.geteuid() == 0
    if root:
        shutil.chown(base, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(_as_server_user([_bin("initdb"), "-D", str(data), "-U", "kapms",
                                        "-A", "trust", "-E", "UTF8", "--no-sync",
                                        "--locale=C"]), check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} " + " ".join(
        f"-c {k}={v}" for k, v in SETTINGS.items())
    log = base / "server.log"
    subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l",
                                    str(log), "-w", "start"]), check=True,
                   stdout=subprocess.DEVNULL)
    # A benchmark stopped with SIGTERM still stops its server (the finally below).
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield Server(port, base)
    finally:
        signal.signal(signal.SIGTERM, previous)
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                        "stop"]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
