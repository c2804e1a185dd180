"""The demo network seeded by ``make run``: a small clinic a newcomer can click through.

Each domain may have a ``kapms/<domain>/demo.py`` with ``seed(session, ctx)``; they run in
domain order on an empty database only, sharing ``ctx`` (users, patients, ...).
"""

from sqlalchemy import func, select

from kapms.auth.models import User
from kapms.auth.services import create_user
from kapms.domains import domain_modules

# The demo passwords are public by design: this data is for a local demo only.
DEMO_LOGINS = [
    ("therapist", "therapist@demo.kapms.test", "sage-lantern-demo"),
    ("prescriber", "prescriber@demo.kapms.test", "cedar-compass-demo"),
    ("billing", "billing@demo.kapms.test", "ledger-harbor-demo"),
    ("admin", "admin@demo.kapms.test", "summit-keys-demo"),
]
DEMO_PEOPLE = {
    "therapist@demo.kapms.test": ("Maya Okafor", "LMFT"),
    "prescriber@demo.kapms.test": ("Daniel Reyes", "PMHNP-BC"),
    "billing@demo.kapms.test": ("Priya Natarajan", None),
    "admin@demo.kapms.test": ("Sam Whitfield", None),
}
EXTRA_CLINICIANS = [
    ("therapist", "jordan.lee@demo.kapms.test", "Jordan Lee", "LCSW"),
    ("therapist", "ana.silva@demo.kapms.test", "Ana Silva", "PsyD"),
]


def seed_users(session, ctx: dict) -> None:
    """Demo staff: one login per role, plus a few more clinicians."""
    users = {}
    for role, email, password in DEMO_LOGINS:
        name, credentials = DEMO_PEOPLE[email]
        users[role] = create_user(session, None, email=email, full_name=name, roles=[role],
                                  password=password, credentials=credentials)
    for role, email, name, credentials in EXTRA_CLINICIANS:
        users[email] = create_user(session, None, email=email, full_name=name, roles=[role],
                                   password="demo-clinician-pass", credentials=credentials)
    ctx["users"] = users


def seed_demo(session, progress=None) -> bool:
    """Seed the demo network unless the database already has users. Returns True if seeded.

    ``progress(step, number, total)`` is called before each step (``step`` names what is
    seeded: "staff", then each domain), so a command can show how far it got."""
    if session.scalar(select(func.count()).select_from(User)):
        return False
    steps = [("staff", seed_users)] + [
        (module.__name__.split(".")[-2], module.seed) for module in domain_modules("demo")]
    ctx: dict = {}
    for number, (step, seed) in enumerate(steps, 1):
        if progress is not None:
            progress(step, number, len(steps))
        seed(session, ctx)
    session.flush()
    return True
