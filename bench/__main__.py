"""Run every benchmark: ``python -m bench`` (``make bench``).

Each ``bench/*_bench.py`` module exposes ``main()`` which builds its synthetic data set,
times the operation and prints its figures. Tests never assert on wall-clock time; these
figures are recorded in the README instead.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    """Run the benchmarks named on the command line, or all of them."""
    wanted = set(sys.argv[1:])
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
