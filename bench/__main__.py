"""Run every benchmark: ``python -m bench [--full] [NAME ...]`` (``make bench``).

Each ``bench/*_bench.py`` module exposes ``main()`` which builds its synthetic data set,
times the operation and prints its figures. Tests never assert on wall-clock time; these
figures are recorded in the README and the bench/*.md files instead.

``--full`` also runs the scale and serving benchmarks on the full-size network (100,000
patients on PostgreSQL; generated once, about 15 minutes on two cores, then reused);
without it they run at 1% and 10% of it. NAME picks benchmarks by the part before
``_bench`` (e.g. ``python -m bench scale serving``).
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    """Run the benchmarks named on the command line, or all of them."""
    args = sys.argv[1:]
    if "--full" in args:
        args.remove("--full")
        os.environ["KAPMS_BENCH_FULL"] = "1"  # read by the scale and serving benchmarks
    wanted = set(args)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if m.name.endswith("_bench"))
    for name in names:
        if wanted and name.removesuffix("_bench") not in wanted:
            continue
        print(f"== {name}", flush=True)
        sys.argv = [name]  # each benchmark parses its own (default) options
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
