"""Role-based navigation. Each domain adds its entries; missing endpoints are skipped."""

from flask import current_app, url_for

from kapms.web.access import required_roles, user_may

# (label, endpoint); who sees an entry follows the endpoint's own access rule.
NAV = [
    ("Home", "web.dashboard"),
    ("Users", "admin_users.list_users"),
    ("Audit log", "audit.events"),
]


def nav_for(user):
    """The (label, url, endpoint) entries this user may open, in order."""
    items = []
    for label, endpoint in NAV:
        if endpoint not in current_app.view_functions:
            continue
        _, roles = required_roles(current_app, endpoint)
        if user_may(user, roles):
            items.append((label, url_for(endpoint), endpoint))
    return items
