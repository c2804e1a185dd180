"""Run a command against a throwaway PostgreSQL server.

    python -m tests.pgserver -- pytest -m "not e2e"

initdb's a cluster in a temporary folder, starts it on 127.0.0.1 at a free port
(fsync off: the data is disposable), creates the database, exports
KAPMS_TEST_DATABASE_URL, runs the command and always stops the server afterwards.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        sys.exit(f"pgserver: {name} not found; install postgresql (make test does this)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def main(argv: list[str]) -> int:
    """Start the server, run ``argv`` (after ``--``), stop the server; return its exit code."""
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        sys.exit("usage: python -m tests.pgserver -- COMMAND ...")
    base = tempfile.mkdtemp(prefix="kapms-pg-")
    data = os.path.join(base, "data")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    log = os.path.join(base, "server.log")
    try:
        subprocess.run(_as_server_user([_bin("initdb"), "-D", data, "-U", "kapms", "-A", "trust",
                                        "-E", "UTF8", "--no-sync", "--locale=C"]),
                       check=True, stdout=subprocess.DEVNULL)
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off " \
               "-c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", data, "-o", opts, "-l", log,
                                        "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
        subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "kapms",
                        "kapms_test"], check=True)
        url = f"postgresql+psycopg://kapms@127.0.0.1:{port}/kapms_test"
        print(f"pgserver: PostgreSQL running at 127.0.0.1:{port} (data in {base})", flush=True)
        env = dict(os.environ, KAPMS_TEST_DATABASE_URL=url)
        return subprocess.run(argv, env=env).returncode
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
        print("pgserver: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
