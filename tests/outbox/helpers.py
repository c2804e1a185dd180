"""Sending what the outbox holds, in the test's own thread (the app's mail backend in the
tests is Flask-Mailman's in-memory one), and reading it back."""

import re

from kapms.outbox import delivery, services


def send_due(app, db, now=None) -> list:
    """Deliver every due message; returns the emails the backend got this time."""
    outbox = app.extensions["mailman"].__dict__.setdefault("outbox", [])
    before = len(outbox)
    for message_id in services.due_message_ids(db, now=now):
        delivery.deliver(db, message_id, now=now)
    return outbox[before:]


def link_in(email) -> str:
    """The path of the first link to this app in an email's body."""
    return re.search(r"http://127\.0\.0\.1:5000(/\S+)", email.body).group(1)
