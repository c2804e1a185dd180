"""The network outcome report benchmark for ``python -m bench`` (see bench/MEASURES.md).

Generates the 100,000-patient network once (into /tmp/kapms-bench-outcomes.db, a few
minutes: measures and dosing records; again when the models have changed since) and times the PHQ-9 and MBI-GS reports, also broken
down by subgroups.
"""

from bench import measures_generate, measures_report

DATABASE = "/tmp/kapms-bench-outcomes.db"


def main() -> None:
    """Generate the network if missing, then time the reports."""
    if not measures_generate.is_current(DATABASE):
        measures_generate.main(["--patients", "100000", "--db", DATABASE])
    for instrument in ("PHQ-9", "MBI-GS"):
        measures_report.main(["--db", DATABASE, "--instrument", instrument, "--runs", "7",
                              "--breakdowns"])
