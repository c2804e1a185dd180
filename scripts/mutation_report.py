"""Print each pure rule module's mutation score after `mutmut run` (the last step of `make mutate`).

Reads mutmut's results (``mutants/<module>.meta``) for every module in ``[tool.mutmut]
only_mutate`` of pyproject.toml and the list of equivalent mutants
(``mutation-equivalents.toml``: mutants that change nothing a caller can observe, each with
the line it writes and why no test can tell it apart).

score = killed / (mutants - equivalent). Killed includes a timeout (the tests noticed: they
never finished). A mutant with no test covering it counts as a survivor. An entry of the
equivalents list is checked against the mutant it names: the mutant must still exist, still
write the quoted line, and still survive; otherwise the list is stale (mutmut numbers the
mutants of a function in order, so editing the function renumbers them) and this says so.

Exit status 1 when a module scores under the bar (90%) or the list is stale, so a lower
score cannot slip by unnoticed. ``--survivors`` lists the surviving mutants not on the list
(show one with ``.venv/bin/mutmut show NAME``); ``--only MODULE`` reports one module (what
``make mutate ONLY=MODULE`` ran).
"""

import ast
import difflib
import json
import sys
import tomllib
from pathlib import Path

BAR = 90.0
EQUIVALENTS = Path("mutation-equivalents.toml")
KILLED = {1, 3, 24, -24, 152, 255, 36, 37, -9, -11}  # mutmut's codes: failed, timed out, crashed


def module_name(path: str) -> str:
    """kapms/care/rules.py -> kapms.care.rules"""
    return path.removesuffix(".py").replace("/", ".")


def function_sources(mutated_file: Path) -> dict[str, str]:
    """Every function of a mutated file (mutants included) by its name, as source text."""
    text = mutated_file.read_text()
    lines = text.splitlines()
    sources = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            sources[node.name] = "\n".join(lines[node.lineno - 1:node.end_lineno])
    return sources


def added_lines(sources: dict[str, str], mutant: str) -> list[str] | None:
    """The lines a mutant writes in place of the original's, stripped (None: no such mutant)."""
    function = mutant.rsplit(".", 1)[1]
    original = function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    if function not in sources or original not in sources:
        return None
    # The def lines differ by the name; a changed default argument shows there too.
    before = sources[original].replace(original, function, 1).splitlines()
    after = sources[function].splitlines()
    return [line[1:].strip() for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line.startswith("+") and not line.startswith("+++")]


def main(argv: list[str]) -> int:
    """Print the table; return the exit status."""
    config = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["mutmut"]
    listed = tomllib.loads(EQUIVALENTS.read_text()).get("mutant", []) if EQUIVALENTS.exists() else []
    equivalent = {entry["name"]: entry for entry in listed}
    problems, survivors, rows = [], [], []
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    for path in config["only_mutate"]:
        if only and module_name(path) != only:
            continue
        meta = Path("mutants") / (path + ".meta")
        if not meta.exists():
            problems.append(f"{path}: no results (run `mutmut run` first)")
            continue
        results = json.loads(meta.read_text())["exit_code_by_key"]
        # Parsed only for a module with listed equivalents: a mutated file is megabytes.
        sources = (function_sources(Path("mutants") / path)
                   if any(name in equivalent for name in results) else {})
        killed = equal = 0
        for name, code in sorted(results.items()):
            if code is None:
                problems.append(f"{name}: not run")
            elif name in equivalent:
                entry = equivalent[name]
                written = added_lines(sources, name)
                if written is None or entry["line"].strip() not in written:
                    problems.append(f"{name}: stale equivalents entry (the mutant now writes "
                                    f"{written!r}, the list says {entry['line']!r})")
                elif code in KILLED:
                    problems.append(f"{name}: listed as equivalent but a test kills it; "
                                    "remove it from the list")
                    killed += 1
                else:
                    equal += 1
            elif code in KILLED:
                killed += 1
            else:
                survivors.append(name)
        counted = len(results) - equal
        score = 100.0 * killed / counted if counted else 100.0
        rows.append((module_name(path), len(results), killed, equal, counted - killed, score))
    known = {module_name(path) for path in config["only_mutate"]}
    for name in equivalent:
        if name.rsplit(".", 1)[0] not in known:
            problems.append(f"{name}: listed as equivalent but its module is not mutated")

    print(f"{'module':34} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'survived':>8} {'score':>7}")
    for module, total, killed, equal, survived, score in rows:
        mark = "" if score >= BAR else f"   < {BAR:.0f}%"
        print(f"{module:34} {total:7} {killed:7} {equal:7} {survived:8} {score:6.1f}%{mark}")
    if "--survivors" in argv and survivors:
        print("\nSurvivors (see one with `.venv/bin/mutmut show NAME`):")
        print("\n".join(f"  {name}" for name in survivors))
    for problem in problems:
        print(f"PROBLEM {problem}")
    failing = [row for row in rows if row[5] < BAR]
    return 1 if failing or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
