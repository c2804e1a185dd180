"""Architecture rules a machine can check."""

import ast
from importlib.util import find_spec
from pathlib import Path

from kapms.domains import DOMAINS

KAPMS = Path(__file__).resolve().parent.parent / "kapms"


def _service_files():
    return [p for p in KAPMS.rglob("*.py")
            if p.name == "services.py" or "services" in p.parent.name]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KAPMS.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(tree, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The kapms modules a module imports, at its top or inside a function (both run), but
    not under ``if TYPE_CHECKING`` (never at run time)."""
    skipped = {id(n) for top in ast.walk(tree) if _is_type_checking(top)
               for n in ast.walk(top)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")[: len(name.split(".")) - (0 if is_package else 1)]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:  # a submodule: from kapms import cli
                    found.add(f"{base}.{alias.name}")
                elif base in modules:
                    found.add(base)
    return found - {name}


def import_graph() -> dict[str, set[str]]:
    """Every kapms module and the kapms modules it imports."""
    paths = {_module_name(p): p for p in KAPMS.rglob("*.py") if "static" not in p.parts}
    return {name: _imported(ast.parse(path.read_text()), name, path.name == "__init__.py",
                            set(paths))
            for name, path in paths.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles():
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_loop_through_an_import_in_a_function():
    tree = ast.parse("def run():\n    from kapms.b import x\n")
    assert _imported(tree, "kapms.a", False, {"kapms.a", "kapms.b"}) == {"kapms.b"}
    hidden = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from kapms.b import x\n")
    assert _imported(hidden, "kapms.a", False, {"kapms.a", "kapms.b"}) == set()
    relative = ast.parse("from . import b\nfrom .c import y\n")
    assert _imported(relative, "kapms.p", True, {"kapms.p", "kapms.p.b", "kapms.p.c"}) == {
        "kapms.p.b", "kapms.p.c"}
    loop = {"kapms.a": {"kapms.b"}, "kapms.b": {"kapms.c"}, "kapms.c": {"kapms.a"},
            "kapms.d": {"kapms.a"}}
    assert import_cycles(loop) == [["kapms.a", "kapms.b", "kapms.c"]]


def test_every_domain_exists():
    assert [d for d in DOMAINS if find_spec(f"kapms.{d}") is None] == []


def test_operations_live_in_services():
    """A public function taking (session, actor, ...) is a service: it lives in a services
    module, where the no-Flask and no-commit rules below reach it."""
    services = set(_service_files())
    offenders = set()
    for path in KAPMS.rglob("*.py"):
        if path in services:
            continue
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
                    and [a.arg for a in node.args.args[:2]] == ["session", "actor"]):
                offenders.add(str(path.relative_to(KAPMS)))
    assert offenders == set()


def test_services_exist():
    assert len(_service_files()) >= 3


def test_no_service_imports_flask():
    offenders = []
    for path in _service_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(KAPMS)}: {n}" for n in names
                          if n == "flask" or n.startswith(("flask.", "flask_"))]
    assert offenders == []


def test_no_service_commits():
    offenders = [str(p.relative_to(KAPMS)) for p in _service_files()
                 if ".commit()" in p.read_text()]
    assert offenders == []


def test_create_app_never_creates_tables():
    source = (KAPMS / "__init__.py").read_text() + (KAPMS / "app_setup.py").read_text()
    assert "create_all" not in source and "upgrade(" not in source


def test_every_module_has_a_docstring():
    missing = [str(p.relative_to(KAPMS)) for p in KAPMS.rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_no_import_at_the_bottom_of_a_module():
    late = []
    for path in KAPMS.rglob("*.py"):
        seen_code = False
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                seen_code = True
            elif isinstance(node, ast.Import | ast.ImportFrom) and seen_code:
                late.append(f"{path.relative_to(KAPMS)}:{node.lineno}")
    assert late == []
