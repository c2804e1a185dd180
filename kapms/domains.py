"""The clinic's domains, by name, and how a part of each is found.

Its own module (not in app_setup) so that the demo seeder can walk the domains without
importing the app set-up that imports the command line that imports the demo.
"""

from importlib import import_module
from importlib.util import find_spec

# Order matters: it is the order of navigation entries and of demo seeding (the directory
# comes before the patients, whose care teams are checked against it).
DOMAINS = ["web", "auth", "audit", "insurance", "network", "patients", "care", "measures",
           "billing", "outbox", "consent", "intake", "portal", "reminders"]


def domain_modules(suffix: str):
    """Import ``kapms.<domain>.<suffix>`` for every domain that has one."""
    for domain in DOMAINS:
        name = f"kapms.{domain}.{suffix}"
        if find_spec(f"kapms.{domain}") and find_spec(name):
            yield import_module(name)
