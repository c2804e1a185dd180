"""Production serving: KAPMS under gunicorn on PostgreSQL against a bare Flask page.

    python -m bench.serving_bench            # the 10% network
    python -m bench.serving_bench --full     # the 100% network

Both apps run under the same gunicorn settings (``--workers`` sync workers, the default 4,
bound to 127.0.0.1) in the same run, one after the other, each loaded by ``--clients``
concurrent HTTP clients for ``--seconds``: the probe therapist's patient page (the showcase
patient of bench/scale_pages.py) and a bare Flask + Jinja page rendering a 50-row table
(bench/serving_apps.py). It prints requests per second, p50/p95 latency and the ratio
(target: the patient page serves at least half the bare page's requests per second). Then
1,000 mixed requests (every benchmark page, each as its probe user, round robin) go to the
KAPMS workers and the resident memory of each worker is printed before and after.
The load generator runs on the same two cores, taking the same share from both apps.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.scale_bench import BENCH_DIR, csrf_token
from bench.scale_data import ensure, make_app
from bench.scale_generate import PROBE_EMAILS, PROBE_PASSWORD, parse_size
from tests.pgserver import _free_port

GUNICORN = Path(sys.executable).parent / "gunicorn"


class Visitor:
    """An HTTP client with its own cookies (one signed-in user)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

    def opener(self):
        """A urllib opener sharing this visitor's cookies (one per thread)."""
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def sign_in(self, role: str) -> Visitor:
        opener = self.opener()
        page = opener.open(self.base + "/login").read().decode()
        data = urllib.parse.urlencode({"email": PROBE_EMAILS[role], "password": PROBE_PASSWORD,
                                       "csrf_token": csrf_token(page)}).encode()
        opener.open(self.base + "/login", data=data).read()
        return self


def get(opener, url: str) -> tuple[int, float]:
    """(status, seconds) of one GET, body read in full."""
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


class Gunicorn:
    """gunicorn serving ``spec`` with the benchmark's settings, until stopped."""

    def __init__(self, spec: str, workers: int, env: dict, ready_path: str = "/"):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "300",
             "--log-level", "warning", spec], env={**os.environ, **env})
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + ready_path, timeout=5).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {spec}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process, in MB."""
        sizes = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            kb = next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
            sizes.append(kb / 1024)
        return sorted(sizes)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def load(visitor: Visitor, urls: list[str], clients: int, *, seconds: float | None = None,
         total: int | None = None) -> dict:
    """Drive ``urls`` (round robin) from ``clients`` threads, for ``seconds`` or until
    ``total`` requests; returns rate, latencies and errors."""
    lock = threading.Lock()
    times: list[float] = []
    errors: list[tuple[int, str]] = []
    counter = iter(range(10 ** 9))
    deadline = time.perf_counter() + seconds if seconds else None

    def worker():
        opener = visitor.opener()
        while True:
            with lock:
                n = next(counter)
            if (total is not None and n >= total) or (deadline and time.perf_counter() > deadline):
                return
            url = urls[n % len(urls)]
            status, took = get(opener, url)
            with lock:
                times.append(took)
                if status != 200:
                    errors.append((status, url))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    times.sort()
    return {"requests": len(times), "rate": len(times) / elapsed,
            "p50_ms": 1000 * statistics.median(times) if times else None,
            "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))] if times else None,
            "errors": errors}


def _probe_urls(url: str, manifest: dict) -> dict[str, list[str]]:
    """Every benchmark page's address, by probe role."""
    from bench import scale_pages
    from kapms.extensions import db

    app = make_app(url)
    by_role: dict[str, list[str]] = {}
    with app.app_context():
        probe = scale_pages.Probe(db.session, manifest)
        for entry in scale_pages.PAGES:
            try:
                by_role.setdefault(entry.role, []).append(entry.url(probe))
            except LookupError:
                continue
        showcase = f"/patients/{probe.patient}"
        db.engine.dispose()
    by_role["showcase"] = [showcase]
    return by_role


def run(args, out=print) -> dict:
    """Start PostgreSQL, make sure the network exists, then measure both apps."""
    from bench.scale_pg import bench_postgres

    label = "100%" if args.full else args.size
    with bench_postgres(BENCH_DIR / "pg") as server:
        name = f"network_{label.rstrip('%')}"
        url = server.url(name)
        manifest = ensure(url, parse_size(label), BENCH_DIR / "pg" / f"{name}.json",
                          progress=out)
        pages = _probe_urls(url, manifest)
        out(f"== serving: gunicorn, {args.workers} sync workers, {args.clients} concurrent "
            f"clients, {args.seconds:.0f} s per app, PostgreSQL {label} network")
        bare = Gunicorn("bench.serving_apps:bare_app()", args.workers, {})
        try:
            visitor = Visitor(bare.base)
            load(visitor, [bare.base + "/"], args.clients, total=50)
            bare_result = load(visitor, [bare.base + "/"], args.clients, seconds=args.seconds)
        finally:
            bare.stop()
        app = Gunicorn("bench.serving_apps:kapms_app()", args.workers,
                       {"KAPMS_BENCH_DATABASE_URL": url}, ready_path="/health")
        try:
            therapist = Visitor(app.base).sign_in("therapist")
            showcase = [app.base + pages["showcase"][0]]
            load(therapist, showcase, args.clients, total=2 * args.workers)
            page_result = load(therapist, showcase, args.clients, seconds=args.seconds)
            before = app.worker_rss_mb()
            mixed = {"requests": 0, "errors": []}
            visitors = {role: Visitor(app.base).sign_in(role)
                        for role in ("therapist", "prescriber", "billing", "admin")}
            share = args.mixed // len(visitors)
            for role, visitor in visitors.items():
                result = load(visitor, [app.base + u for u in pages[role]], args.workers,
                              total=share)
                mixed["requests"] += result["requests"]
                mixed["errors"] += result["errors"]
            after = app.worker_rss_mb()
        finally:
            app.stop()
    ratio = page_result["rate"] / bare_result["rate"]
    out(f"  bare Flask + Jinja, 50-row table: {bare_result['rate']:8.1f} req/s  "
        f"p50 {bare_result['p50_ms']:7.1f} ms  p95 {bare_result['p95_ms']:7.1f} ms")
    out(f"  patient page (probe therapist):   {page_result['rate']:8.1f} req/s  "
        f"p50 {page_result['p50_ms']:7.1f} ms  p95 {page_result['p95_ms']:7.1f} ms  "
        f"({len(page_result['errors'])} errors)")
    out(f"  ratio patient page / bare page:   {ratio:8.3f}  (target >= 0.5)")
    out(f"  worker memory (MB) after warm-up:                 "
        f"{', '.join(f'{m:.0f}' for m in before)}")
    out(f"  worker memory (MB) after {mixed['requests']:,} mixed requests:   "
        f"{', '.join(f'{m:.0f}' for m in after)}  ({len(mixed['errors'])} errors"
        + (f": {mixed['errors'][:3]}" if mixed["errors"] else "") + ")")
    return {"bare": bare_result, "page": page_result, "ratio": ratio,
            "rss_before": before, "rss_after": after, "mixed": mixed}


def main(argv=None) -> None:
    """Command line entry point (also run by ``python -m bench``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10%")
    parser.add_argument("--full", action="store_true",
                        default=os.environ.get("KAPMS_BENCH_FULL") == "1")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--mixed", type=int, default=1000)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
