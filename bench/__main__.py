"""`make bench`: run every benchmark module (bench/*_bench.py) with its defaults."""

import importlib
import pkgutil
import sys

import bench


def main() -> None:
    """Import each ``bench.<name>_bench`` module and call its ``main()``."""
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.endswith("_bench"))
    for name in names:
        print(f"=== {name} ===")
        sys.argv = [f"bench.{name}"]  # each benchmark parses its own (default) arguments
        importlib.import_module(f"bench.{name}").main()


main()
