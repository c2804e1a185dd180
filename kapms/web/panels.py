"""Extension points where domains add sections to shared pages.

A provider is a function ``(user, **context) -> list[Panel]``; the page includes each
panel's template with its data. Domains register providers when their views module is
imported, so the dashboard and the patient page never import the domains themselves.
"""

from contextvars import ContextVar
from dataclasses import dataclass, field

DASHBOARD = "dashboard"
PATIENT_PAGE = "patient"
# Beside the prescriber's clearance screen (``patient=``); a panel's data may carry
# "prefill": screen answers the form starts from (the prescriber decides each).
CLEARANCE_PAGE = "clearance"
# What the providers of the page being collected share (``shared``).
_facts: ContextVar[dict | None] = ContextVar("panel_facts", default=None)
_providers: dict[str, list] = {DASHBOARD: [], PATIENT_PAGE: [], CLEARANCE_PAGE: []}


@dataclass
class Panel:
    """One section of a shared page: a template plus the data it shows."""

    template: str
    data: dict = field(default_factory=dict)
    order: int = 50


def register(page: str, provider) -> None:
    """Add a provider to ``page`` (DASHBOARD or PATIENT_PAGE); idempotent."""
    if provider not in _providers[page]:
        _providers[page].append(provider)


def collect(page: str, user, **context) -> list[Panel]:
    """Every panel the providers give for this user and context, in order (what they
    ``shared`` is read once for the whole page)."""
    token = _facts.set({})
    try:
        panels = [p for provider in _providers[page] for p in provider(user, **context)]
    finally:
        _facts.reset(token)
    return sorted(panels, key=lambda p: p.order)


def shared(name: str, key, load):
    """A fact several panels of one page read (the patient's sessions, open safety
    alerts): loaded by the first provider that asks and reused by the others while
    ``collect`` gathers the page, so the page reads it once whatever order the providers
    run in. Outside ``collect``, simply ``load()``."""
    facts = _facts.get()
    if facts is None:
        return load()
    if (name, key) not in facts:
        facts[(name, key)] = load()
    return facts[(name, key)]
