"""The page benchmark: every page a clinician, billing user or admin opens, on synthetic
networks of several sizes, side by side.

    python -m bench.scale_bench                      # 1% and 10%, SQLite and PostgreSQL
    python -m bench.scale_bench --full               # adds 100% on PostgreSQL
    python -m bench.scale_bench --db postgres --sizes 100% --only "audit" --sql --explain

For each size the network is generated (bench/scale_generate.py) or reused, the four probe
users sign in through the real form, and each page (bench/scale_pages.py) is requested once
to warm up and then ``--reps`` times (fewer when a page takes longer than ``--budget``
seconds in all; once when its warm-up alone took that long), in the app (Flask test client): SQL statements per request and server
time p50/p95 in milliseconds. PDFs are set beside a bare WeasyPrint render of HTML of the
same length, rendered right after each request of the PDF. A page misses a target when, at the largest size measured, it runs more than
15 statements (``S>15``), more statements than at the smallest (``S+``), its p95 is over
1.2x the smallest size's (``T+``), its p50 is 100 ms or more (``slow``), or, for a PDF, its
p50 is 2x the bare render or more (``pdf``).

``--sql`` prints each page's statements grouped by kind, ``--profile`` the top functions of
one request (cProfile), ``--explain`` the slowest statements of each page with their
PostgreSQL plan (EXPLAIN ANALYZE), and ``--whatif`` measures with prototype fixes applied
(bench/scale_whatif.py). Results are also written as JSON under the benchmark
folder (``KAPMS_BENCH_DIR``, default /tmp/kapms-bench) for bench/SCALE.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from bench import scale_pages
from bench.scale_data import ensure, make_app
from bench.scale_generate import PROBE_EMAILS, PROBE_PASSWORD, parse_size
from bench.scale_whatif import applied
from tests.sqlcount import counting

BENCH_DIR = Path(os.environ.get("KAPMS_BENCH_DIR", "/tmp/kapms-bench"))
MAX_STATEMENTS, GROWTH, SLOW_MS, PDF_RATIO = 15, 1.2, 100.0, 2.0
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|'
                   r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Result:
    """One page at one size."""

    page: str
    role: str
    url: str
    status: int = 0
    statements: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process only (not PostgreSQL)
    kinds: dict[str, int] = field(default_factory=dict)
    html_chars: int | None = None
    bare_ms: float | None = None  # plain HTML table of the same length
    bare_text_ms: float | None = None  # plain paragraphs of the same length
    error: str | None = None

    @property
    def key(self) -> str:
        return f"{self.role}: {self.page}"

    def p(self, q: float) -> float | None:
        """The q-quantile of the timings (nearest rank)."""
        if not self.ms:
            return None
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the sign-in page")
    return match.group(1) or match.group(2)


def sign_in(client, role: str) -> None:
    """Sign the test client in as the probe user of ``role`` through the real form."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": PROBE_EMAILS[role],
                                           "password": PROBE_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"probe {role} could not sign in ({response.status_code})")


class PdfRecorder:
    """Wraps weasyprint.HTML (which kapms.pdf imports at each render) to learn the length
    of the HTML each PDF page renders."""

    def __init__(self):
        import weasyprint

        self.original = weasyprint.HTML
        recorder = self

        class RecordingHTML(self.original):
            def __init__(self, *args, string=None, **kwargs):
                recorder.last_chars = len(string or "")
                super().__init__(*args, string=string, **kwargs)

        self.last_chars = None
        self.wrapper = RecordingHTML

    def __enter__(self):
        import weasyprint

        weasyprint.HTML = self.wrapper
        return self

    def __exit__(self, *exc):
        import weasyprint

        weasyprint.HTML = self.original

    def bare_ms(self, chars: int, kind: str = "table") -> float:
        """One bare WeasyPrint render of plain HTML of ``chars`` characters, in ms."""
        html = bare_html(chars, kind)
        started = time.perf_counter()
        self.original(string=html).write_pdf()
        return (time.perf_counter() - started) * 1000


def bare_html(chars: int, kind: str = "table") -> str:
    """Plain HTML of exactly ``chars`` characters, no stylesheet: a heading and a table of
    dated lines (the shape of the billing PDFs), or a heading and paragraphs."""
    head = ("<!doctype html><html><head><meta charset='utf-8'><title>Bare</title></head>"
            "<body><h1>Bare document</h1>" + ("<table>" if kind == "table" else ""))
    row = ("<tr><td>2026-01-05</td><td>90837</td><td>Psychotherapy session, about 60 "
           "minutes</td><td>$150.00</td></tr>\n") if kind == "table" else (
        "<p>Patient arrived on time, oriented and calm; reviewed intentions for the session "
        "and the plan for the ride home.</p>\n")
    tail = ("</table>" if kind == "table" else "") + "</body></html>"
    body = head + row * max(0, (chars - len(head) - len(tail)) // len(row))
    return body + "<p>" + "x" * max(0, chars - len(body) - len(tail) - 3) + tail


class StatementTimer:
    """Times each statement of a request (for --explain): the slowest with parameters."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.event = engine, event
        self.rows: list[tuple[float, str, object]] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["kapms_bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        took = (time.perf_counter() - conn.info.pop("kapms_bench_started")) * 1000
        self.rows.append((took, statement, parameters))

    def __enter__(self):
        self.event.listen(self.engine, "before_cursor_execute", self._before)
        self.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        self.event.remove(self.engine, "before_cursor_execute", self._before)
        self.event.remove(self.engine, "after_cursor_execute", self._after)


def explain(engine, statement: str, parameters) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement on PostgreSQL, in a rolled-back
    transaction (an INSERT explained is not kept)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


def measure(app, manifest: dict, args, out=print) -> list[Result]:
    """Open every selected page as its probe user; returns one Result per page."""
    from kapms.extensions import db

    with app.app_context():
        probe = scale_pages.Probe(db.session, manifest)
        pages = [p for p in scale_pages.PAGES if _selected(p, args)]
        urls = {}
        for entry in pages:
            try:
                urls[entry] = entry.url(probe)
            except LookupError as error:
                urls[entry] = error
        uncovered = scale_pages.uncovered_routes(app, probe)
        engine = db.engine
        db.session.remove()
    if uncovered and not args.only:
        out(f"  GET routes no benchmark page opens: {', '.join(uncovered)}")
    clients = {}
    results = []
    with PdfRecorder() as pdfs:
        for entry in pages:
            url = urls[entry]
            result = Result(entry.name, entry.role, str(url))
            results.append(result)
            if isinstance(url, Exception):
                result.error = f"no probe data: {url}"
                continue
            if entry.role not in clients:
                clients[entry.role] = app.test_client()
                sign_in(clients[entry.role], entry.role)
            client = clients[entry.role]
            _time_page(client, engine, url, result, args, pdfs)
            if args.sql or args.explain or args.profile:
                _diagnose(app, client, engine, url, result, args, out)
    return results


def fetch(client, url: str):
    """GET ``url`` (following redirects) and read the whole body, so a streamed response
    (CSV exports) is produced inside the measurement. The caller closes it: what runs when
    the server closes a sent response (sealing the audit rows) is not part of the page's
    time or statements; ``--sql`` shows it on a line of its own."""
    response = client.get(url, follow_redirects=True)
    response.get_data()
    return response


def _time_page(client, engine, url: str, result: Result, args, pdfs: PdfRecorder) -> None:
    warm = time.perf_counter()
    for _ in range(args.warmup):  # templates compiled, caches filled
        response = fetch(client, url)
        response.close()
        result.status = response.status_code
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}"
            return
    # A page whose warm-up alone took the whole budget is measured once (minutes each).
    least = 1 if time.perf_counter() - warm > args.budget else args.min_reps
    spent, bare, bare_text = 0.0, [], []
    for rep in range(args.reps):
        pdfs.last_chars = None
        with counting(engine) as log:
            started, cpu = time.perf_counter(), time.process_time()
            response = fetch(client, url)
            took = time.perf_counter() - started
            result.cpu_ms.append((time.process_time() - cpu) * 1000)
        response.close()  # after the response is sent (not counted)
        result.status = response.status_code
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}"
            return
        result.ms.append(took * 1000)
        result.statements.append(log.count)
        result.kinds = dict(log.kinds())
        if pdfs.last_chars:
            result.html_chars = pdfs.last_chars
            if args.bare_reps:  # interleaved, so all see the same load on the machine
                bare.append(pdfs.bare_ms(pdfs.last_chars, "table"))
                bare_text.append(pdfs.bare_ms(pdfs.last_chars, "text"))
        spent += took
        if rep + 1 >= least and spent > args.budget:
            break
    if bare:
        result.bare_ms = statistics.median(bare)
        result.bare_text_ms = statistics.median(bare_text)


def _diagnose(app, client, engine, url, result: Result, args, out) -> None:
    """--sql / --profile / --explain for one page."""
    out(f"\n--- {result.key}  {url}")
    if args.sql:
        with counting(engine) as log:
            response = fetch(client, url)
        out(log.summary(limit=args.sql_limit))
        with counting(engine) as log:
            response.close()
        if log.count:
            out(f"after the response was sent: {log.summary(limit=args.sql_limit)}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        fetch(client, url).close()
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        out(text.getvalue())
    if args.explain:
        with StatementTimer(engine) as timer:
            fetch(client, url).close()
        for took, statement, parameters in sorted(timer.rows, key=lambda r: -r[0])[:3]:
            out(f"[{took:.1f} ms] {' '.join(statement.split())[:400]}")
            if engine.dialect.name == "postgresql" and not statement.startswith("INSERT"):
                out(explain(engine, statement, parameters))


def _selected(entry, args) -> bool:
    if args.role and entry.role not in args.role.split(","):
        return False
    return not args.only or re.search(args.only, f"{entry.role}: {entry.name}", re.I)


# --- reporting --------------------------------------------------------------------------
def misses(by_size: list[Result | None]) -> list[str]:
    """The targets a page misses, comparing the largest size with the smallest."""
    measured = [r for r in by_size if r is not None and r.ms]
    if not measured:
        return ["error"]
    small, large = measured[0], measured[-1]
    flags = []
    if max(large.statements) > MAX_STATEMENTS:
        flags.append("S>15")
    if len(measured) > 1 and max(large.statements) > max(small.statements):
        flags.append("S+")
    if len(measured) > 1 and large.p(0.95) > GROWTH * small.p(0.95):
        flags.append("T+")
    if large.bare_ms:
        if large.p(0.5) >= PDF_RATIO * large.bare_ms:
            flags.append("pdf")
    elif large.p(0.5) >= SLOW_MS:
        flags.append("slow")
    return flags


def table(title: str, sizes: list[str], results: dict[str, list[Result]]) -> str:
    """The side-by-side table of one database."""
    keys = list(dict.fromkeys(r.key for size in sizes for r in results[size]))
    if not keys:
        return f"{title}: no pages selected"
    lookup = {size: {r.key: r for r in results[size]} for size in sizes}
    width = max(len(k) for k in keys) + 1
    head = f"{'page':<{width}}" + "".join(f"| {s + ': SQL':>9} {'p50':>7} {'p95':>7} "
                                           for s in sizes) + "| misses"
    lines = [title, head, "-" * len(head)]
    for key in keys:
        row, cells = [lookup[s].get(key) for s in sizes], []
        for r in row:
            if r is None or not r.ms:
                cells.append(f"| {(r.error if r else '-')[:25]:>25} ")
                continue
            stmts = f"{min(r.statements)}" if min(r.statements) == max(r.statements) \
                else f"{min(r.statements)}-{max(r.statements)}"
            cells.append(f"| {stmts:>9} {r.p(0.5):7.0f} {r.p(0.95):7.0f} ")
        lines.append(f"{key:<{width}}" + "".join(cells) + "| " + " ".join(misses(row)))
    pdf_rows = [(key, [lookup[s].get(key) for s in sizes]) for key in keys
                if any(r is not None and r.bare_ms for r in (lookup[s].get(key) for s in sizes))]
    if pdf_rows:
        lines += ["", "PDFs beside bare WeasyPrint renders of HTML of the same length, a table "
                      "and paragraphs (p50 ms: page / bare table, bare text = ratios)"]
        for key, row in pdf_rows:
            cells = [f"| {r.html_chars:>6,} ch {r.p(0.5):5.0f} / {r.bare_ms:4.0f}, "
                     f"{r.bare_text_ms:4.0f} = {r.p(0.5) / r.bare_ms:4.1f}x, "
                     f"{r.p(0.5) / r.bare_text_ms:4.1f}x " if r and r.bare_ms else "| -"
                     for r in row]
            lines.append(f"{key:<{width}}" + "".join(cells))
    return "\n".join(lines)


def run(args, out=print) -> dict:
    """Measure every requested database and size; returns {db: {size: [Result]}}."""
    results: dict[str, dict[str, list[Result]]] = {}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for kind in args.db.split(","):
        sizes = args.sizes.split(",")
        if args.full and kind == "postgres" and "100%" not in sizes:
            sizes.append("100%")
        results[kind] = {}
        with _database(kind) as url_for:
            for label in sizes:
                size = parse_size(label)
                url, manifest_path = url_for(label)
                out(f"== {kind} {label}")
                manifest = ensure(url, size, manifest_path, progress=out)
                app = make_app(url)
                started = time.perf_counter()
                with applied(args.whatif.split(",") if args.whatif else [], app):
                    results[kind][label] = measure(app, manifest, args, out)
                _save(results, args, quiet=True)  # kept even if a later size fails
                out(f"  measured {len(results[kind][label])} pages in "
                    f"{time.perf_counter() - started:.0f} s (load average "
                    f"{os.getloadavg()[0]:.1f})")
                with app.app_context():
                    from kapms.extensions import db

                    db.engine.dispose()
        out("")
        what = f" (what if: {args.whatif})" if args.whatif else ""
        out(table(f"{kind}{what}: SQL statements per request, server time p50/p95 (ms)",
                  list(results[kind]), results[kind]))
        out("")
    _save(results, args)
    return results


def _database(kind: str):
    """A context manager yielding ``url_for(size label) -> (url, manifest path)``."""
    from contextlib import contextmanager

    @contextmanager
    def sqlite():
        folder = BENCH_DIR / "sqlite"
        folder.mkdir(parents=True, exist_ok=True)

        def url_for(label):
            path = folder / f"network-{label.rstrip('%')}.db"
            return f"sqlite:///{path}", path.with_suffix(".json")

        yield url_for

    @contextmanager
    def postgres():
        from bench.scale_pg import bench_postgres

        with bench_postgres(BENCH_DIR / "pg") as server:
            def url_for(label):
                name = f"network_{label.rstrip('%').replace('.', '_')}"
                return server.url(name), BENCH_DIR / "pg" / f"{name}.json"

            yield url_for

    return {"sqlite": sqlite, "postgres": postgres}[kind]()


def _save(results, args, quiet: bool = False) -> None:
    if not getattr(args, "started", None):
        args.started = f"{datetime.now():%Y%m%d-%H%M%S}"
    path = BENCH_DIR / f"results-{args.started}.json"
    path.write_text(json.dumps({
        "argv": sys.argv[1:], "load_average": os.getloadavg(),
        "results": {kind: {size: [asdict(r) for r in rows] for size, rows in sizes.items()}
                    for kind, sizes in results.items()}}, indent=1))
    if not quiet:
        print(f"(results saved to {path})")


def parser() -> argparse.ArgumentParser:
    """The command line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="sqlite,postgres", help="sqlite,postgres")
    p.add_argument("--sizes", default="1%,10%", help="e.g. 1%%,10%%,100%%")
    p.add_argument("--full", action="store_true",
                   default=os.environ.get("KAPMS_BENCH_FULL") == "1",
                   help="also 100%% on PostgreSQL (generation: about 15 minutes, once)")
    p.add_argument("--reps", type=int, default=10, help="measured requests per page")
    p.add_argument("--min-reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1, help="unmeasured requests first")
    p.add_argument("--bare-reps", type=int, default=1,
                   help="1: a bare WeasyPrint render after each PDF request; 0: none")
    p.add_argument("--budget", type=float, default=15.0, help="seconds per page and size")
    p.add_argument("--only", help="regular expression on 'role: page'")
    p.add_argument("--role", help="therapist,prescriber,billing,admin,patient")
    p.add_argument("--sql", action="store_true", help="print each page's statements")
    p.add_argument("--sql-limit", type=int, default=40)
    p.add_argument("--profile", action="store_true", help="cProfile one request per page")
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest")
    p.add_argument("--whatif", help="experiments of bench/scale_whatif.py, comma-separated")
    return p


def main(argv=None) -> None:
    """Command line entry point (also run by ``python -m bench``)."""
    run(parser().parse_args(argv))


if __name__ == "__main__":
    main()
