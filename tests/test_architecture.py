"""Architecture rules a machine can check."""

import ast
from pathlib import Path

KAPMS = Path(__file__).resolve().parent.parent / "kapms"


def _service_files():
    return [p for p in KAPMS.rglob("*.py")
            if p.name == "services.py" or "services" in p.parent.name]


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
