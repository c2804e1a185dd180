"""Role-based navigation. Domains add entries with ``add``; who sees an entry follows the
endpoint's own access rule, so the nav can never offer a page that would answer 403."""

from flask import current_app, url_for

from kapms.web.access import required_roles, user_may

# (order, label, endpoint)
NAV: list[tuple[int, str, str]] = []


def add(label: str, endpoint: str, order: int = 50) -> None:
    """Add a navigation entry (idempotent)."""
    entry = (order, label, endpoint)
    if entry not in NAV:
        NAV.append(entry)


def may_open(user, endpoint: str) -> bool:
    """Whether ``user`` may open ``endpoint`` (an endpoint the app does not have: no), so a
    page offers a link or a form only to those it would admit."""
    if endpoint not in current_app.view_functions:
        return False
    _, roles = required_roles(current_app, endpoint)
    return user_may(user, roles)


def nav_for(user):
    """The (label, url, endpoint) entries this user may open, in order."""
    return [(label, url_for(endpoint), endpoint) for _, label, endpoint in sorted(NAV)
            if may_open(user, endpoint)]
