"""Time the network outcome report on the synthetic network (not part of the test suite).

    python -m bench.measures_generate --patients 100000 --db /tmp/bench.db
    python -m bench.measures_report --db /tmp/bench.db --instrument PHQ-9 --runs 7

Prints the median wall-clock time (and the CPU time, which a busy shared machine
inflates less) of kapms.measures.services.reports.build_report (both SQL
aggregate queries plus the exact arithmetic in Python) as the admin (whole network) and as
one therapist (care-team scope), and the headline numbers so a run can be sanity-checked.
Each run is rolled back so the audit rows of the benchmark do not pile up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.measures_generate import make_app


def _time(session, actor, flt, runs: int) -> tuple[float, float, object]:
    """(median wall-clock s, median CPU s of this process, last report)."""
    from kapms.measures.services.reports import build_report

    wall, cpu, report = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = build_report(session, actor, flt)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        session.rollback()
    return statistics.median(wall), statistics.median(cpu), report


def main(argv=None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/bench.db")
    parser.add_argument("--instrument", default="PHQ-9")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from kapms.auth.models import User
    from kapms.extensions import db
    from kapms.measures.report_tables import report_tables
    from kapms.measures.services.reports import ReportFilter

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    app = make_app(args.db)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@bench.test"))
        therapist = db.session.scalar(select(User).where(User.email == "t0@bench.test"))
        flt = ReportFilter(args.instrument)
        for label, actor in (("admin (whole network)", admin), ("therapist t0", therapist)):
            median, cpu, report = _time(db.session, actor, flt, args.runs)
            print(f"{args.instrument} report, {label}: median {median * 1000:.0f} ms wall "
                  f"({cpu * 1000:.0f} ms CPU) over "
                  f"{args.runs} runs; completers {report.baseline.n} of "
                  f"{report.with_baseline} with a baseline")
        for table in report_tables(report)[1:2]:
            print(table.title)
            for row in table.rows:
                print("  " + " | ".join(row))


if __name__ == "__main__":
    main()
