"""Time the network outcome report on the synthetic network (not part of the test suite).

    python -m bench.measures_generate --patients 100000 --db /tmp/bench.db
    python -m bench.measures_report --db /tmp/bench.db --instrument PHQ-9 --runs 7

Prints the median wall-clock time (and the CPU time, which a busy shared machine
inflates less) of kapms.measures.services.reports.build_report (the cohort table, every
SQL aggregate query - baseline, points, profiles, safety - plus the exact arithmetic and
the SciPy intervals in Python) as the admin (whole network), broken down by each subgroup
(--breakdowns), and as one therapist (care-team scope); then the publishable summary's suppression on top of the
report; and the headline numbers so a run can be sanity-checked. Each run is rolled back
so the audit rows of the benchmark do not pile up.
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
    parser.add_argument("--breakdowns", action="store_true",
                        help="also time the report broken down by each subgroup")
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from kapms.auth.models import User
    from kapms.extensions import db
    from kapms.measures import publish, stats  # noqa: F401 - SciPy loaded before timing
    from kapms.measures.outcomes import BREAKDOWNS, ReportFilter
    from kapms.measures.report_tables import report_tables

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    app = make_app(args.db)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@bench.test"))
        therapist = db.session.scalar(select(User).where(User.email == "t0@bench.test"))
        stats.wilson(1, 2), stats.paired_effect(3, 3, 5)  # SciPy's first call is slower
        runs = [("admin (whole network)", admin, ReportFilter(args.instrument))]
        if args.breakdowns:
            runs += [(f"admin, by {label.lower()}", admin,
                      ReportFilter(args.instrument, breakdown=key))
                     for key, label in BREAKDOWNS.items() if key]
        runs.append(("therapist t0", therapist, ReportFilter(args.instrument)))
        for label, actor, flt in runs:
            median, cpu, report = _time(db.session, actor, flt, args.runs)
            print(f"{args.instrument} report, {label}: median {median * 1000:.0f} ms wall "
                  f"({cpu * 1000:.0f} ms CPU) over {args.runs} runs; counted "
                  f"{report.count('n', 'baseline')} of "
                  f"{report.count('with_baseline', 'baseline')} with a baseline")
        report = build_report_once(db.session, admin, ReportFilter(args.instrument))
        started = time.perf_counter()
        summary = publish.summarise(report)
        print(f"publishable summary on top: {(time.perf_counter() - started) * 1000:.0f} ms; "
              f"{len(summary.hidden_counts)} counts suppressed")
        for table in report_tables(report)[1:3] + report_tables(report)[-2:-1]:
            print(table.title)
            for row in table.rows:
                print("  " + " | ".join(row))


def build_report_once(session, actor, flt):
    """One report, rolled back."""
    from kapms.measures.services.reports import build_report

    report = build_report(session, actor, flt)
    session.rollback()
    return report


if __name__ == "__main__":
    main()
