"""Markdown tables from saved page-benchmark results (for bench/SCALE.md and the README).

    python -m bench.scale_report /tmp/kapms-bench/results-*.json [--db postgres]
    python -m bench.scale_report --compare today.json whatif.json [--db postgres --size 100%]

Later files win for the same database, size and page, so a full run and a later rerun of a
few pages combine. Columns: statements per request, p50 and p95 in ms per size, and the
targets missed (see bench/scale_bench.py).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from bench.scale_bench import Result, misses

SIZE_ORDER = ["1%", "10%", "100%"]


def load(paths: list[str]) -> dict[str, dict[str, dict[str, Result]]]:
    """{db: {size: {page key: Result}}} from result files, later files winning."""
    merged: dict[str, dict[str, dict[str, Result]]] = {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        for db, sizes in data["results"].items():
            for size, rows in sizes.items():
                for row in rows:
                    result = Result(**row)
                    merged.setdefault(db, {}).setdefault(size, {})[result.key] = result
    return merged


def markdown(db: str, sizes: dict[str, dict[str, Result]], only: str | None = None) -> str:
    """One database's side-by-side table in Markdown (pages matching ``only``, a regular
    expression, if given)."""
    order = [s for s in SIZE_ORDER if s in sizes] + [s for s in sizes if s not in SIZE_ORDER]
    keys = [k for k in dict.fromkeys(k for s in order for k in sizes[s])
            if only is None or re.search(only, k)]
    head = "| page | " + " | ".join(f"{s} SQL | {s} p50 | {s} p95" for s in order) + " | misses |"
    lines = [head, "|---" * (2 + 3 * len(order)) + "|"]
    for key in keys:
        row = [sizes[s].get(key) for s in order]
        cells = []
        for r in row:
            if r is None or not r.ms:
                cells += [(r.error if r else "") or "-", "", ""]
                continue
            stmts = (f"{min(r.statements)}" if min(r.statements) == max(r.statements)
                     else f"{min(r.statements)}-{max(r.statements)}")
            cells += [stmts, f"{r.p(0.5):,.0f}", f"{r.p(0.95):,.0f}"]
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {' '.join(misses(row))} |")
    pdfs = [(k, [sizes[s].get(k) for s in order]) for k in keys
            if any(sizes[s].get(k) is not None and sizes[s][k].bare_ms for s in order)]
    if pdfs:
        lines += ["", "| PDF | HTML chars | " + " | ".join(
            f"{s}: page / bare table, bare text (ms)" for s in order) + " |",
                  "|---|---" + "|---" * len(order) + "|"]
        for key, row in pdfs:
            chars = next(r.html_chars for r in row if r and r.html_chars)
            cells = [f"{r.p(0.5):,.0f} / {r.bare_ms:,.0f}, {r.bare_text_ms or 0:,.0f} = "
                     f"{r.p(0.5) / r.bare_ms:.1f}x, {r.p(0.5) / (r.bare_text_ms or 1):.1f}x"
                     if r and r.bare_ms and r.ms else "-" for r in row]
            lines.append(f"| {key} | {chars:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compare(before: dict[str, Result], after: dict[str, Result], label: str,
            first: str = "today") -> str:
    """Two runs of one database and size side by side (e.g. today and a ``--whatif``)."""
    lines = [f"| page | {first}: SQL | {first}: p50 | {label}: SQL | {label}: p50 |",
             "|---|---|---|---|---|"]
    for key, old in before.items():
        new = after.get(key)
        if new is None or not old.ms or not new.ms:
            continue
        lines.append(f"| {key} | {max(old.statements)} | {old.p(0.5):,.0f} | "
                     f"{max(new.statements)} | {new.p(0.5):,.0f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    """Print the tables of the given result files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--db")
    parser.add_argument("--compare", nargs=2, metavar=("TODAY", "OTHER"),
                        help="two result files, side by side at --size on --db")
    parser.add_argument("--size", default="100%")
    parser.add_argument("--labels", nargs=2, default=("today", "what if"),
                        help="column labels of the two --compare files")
    parser.add_argument("--only", help="pages whose name matches this regular expression")
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (load([f])[args.db or "postgres"][args.size] for f in args.compare)
        print(compare(before, after, args.labels[1], args.labels[0]))
        return
    for db, sizes in load(args.files).items():
        if args.db and db != args.db:
            continue
        print(f"### {db}\n")
        print(markdown(db, sizes, args.only))
        print()


if __name__ == "__main__":
    main()
