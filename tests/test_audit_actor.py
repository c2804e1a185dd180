"""Every audit record names the acting user.

A walk over the whole code base: every write service takes ``(session, actor, ...)`` and
hands the actor to ``kapms.audit.services.record``; a call that passes no one (the literal
``None``) as the actor, to ``record`` or to any such service, is allowed only at the
documented public places below, where there is no signed-in user to name. Then the demo
seed, which runs the write services of every domain, is checked row by row.
"""

import ast
from pathlib import Path

from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.demo import DEMO_LOGINS, EXTRA_CLINICIANS, seed_demo

KAPMS = Path(__file__).resolve().parent.parent / "kapms"

# (module, function) -> why nobody can be named there.
PUBLIC = {
    ("auth/services/sign_in.py", "check_password"):
        "a failed sign-in with an unknown email: the attempted email is kept instead",
    ("measures/services/links.py", "open_link"):
        "the patient opening a single-use self-report link (no staff account)",
    ("measures/services/links.py", "submit_self_report"):
        "the patient answering through that link",
    ("cli.py", "create_user_command"):
        "`flask users create` from the shell (the first admin is made this way)",
    ("measures/cli.py", "load_mbi_text_command"):
        "`flask measures load-mbi-text` from the shell",
    ("network/cli.py", "expire_offers_command"):
        "`flask network expire-offers`, daily: the clock lapses unanswered offers",
    ("demo.py", "seed_users"):
        "the demo's first accounts, created from the shell before anyone exists",
    ("auth/services/tokens.py", "open_token"):
        "someone signed out opening a password link that is unknown, used or expired",
    ("auth/services/tokens.py", "request_password_reset"):
        "someone signed out asking for a reset link for an email with no active account",
    ("auth/services/tokens.py", "mint_token"):
        "the worker writing an invitation or reset email (the system, actor_email 'outbox')",
    ("outbox/services.py", "queue_message"):
        "an email queued by the system (reminders, staff notices); the request that caused "
        "one audits its own action with its actor",
}


def _modules():
    return [(str(p.relative_to(KAPMS)), ast.parse(p.read_text())) for p in KAPMS.rglob("*.py")]


def write_services(modules) -> dict[str, list[str]]:
    """Every function taking (session, actor, ...): name -> where it is defined."""
    found: dict[str, list[str]] = {}
    for path, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    [a.arg for a in node.args.args[:2]] == ["session", "actor"]:
                found.setdefault(node.name, []).append(path)
    return found


class _AnonymousCalls(ast.NodeVisitor):
    """Calls of ``record`` or a write service with the literal None as the actor."""

    def __init__(self, path: str, services):
        self.path, self.services, self.stack, self.found = path, services, [], []

    def visit_FunctionDef(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "record" or name in self.services:
            actor = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "actor"), None)
            if isinstance(actor, ast.Constant) and actor.value is None:
                self.found.append((self.path, self.stack[-1] if self.stack else "<module>"))
        self.generic_visit(node)


def test_the_walk_finds_the_write_services():
    services = write_services(_modules())
    for name in ("record", "save_profile", "assign_member", "accept_referral",
                 "register_patient", "record_prescription", "hand_over_sessions"):
        assert name in services, name
    assert len(services) >= 60


def test_nobody_writes_without_an_actor_except_the_documented_public_ones():
    modules = _modules()
    services = write_services(modules)
    anonymous = set()
    for path, tree in modules:
        visitor = _AnonymousCalls(path, services)
        visitor.visit(tree)
        anonymous.update(visitor.found)
    assert anonymous - set(PUBLIC) == set(), "audit records without an actor"
    assert set(PUBLIC) - anonymous == set(), "a documented exception no longer exists"


def test_no_write_service_defaults_to_nobody():
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and \
                    [a.arg for a in node.args.args[:2]] == ["session", "actor"]:
                defaults = dict(zip([a.arg for a in node.args.args][::-1],
                                    node.args.defaults[::-1], strict=False))
                actor_default = defaults.get("actor")
                if isinstance(actor_default, ast.Constant) and actor_default.value is None:
                    offenders.append(f"{path}: {node.name}")
    assert offenders == []


def test_the_demo_seed_names_an_actor_on_every_record(db):
    """The demo runs the write services of every domain; only its first accounts, made
    from the shell before anyone exists, have no actor."""
    assert seed_demo(db)
    rows = db.scalars(select(AuditEvent)).all()
    anonymous = [(e.action, e.entity_type) for e in rows if e.user_id is None
                 and e.actor_email != "outbox"]
    assert len(rows) > 100
    assert anonymous == [("create", "user")] * (len(DEMO_LOGINS) + len(EXTRA_CLINICIANS))
    queued = [e for e in rows if e.actor_email == "outbox"]  # reminders the demo planned
    assert queued and {(e.action, e.entity_type) for e in queued} == {
        ("create", "outbox_message")}
