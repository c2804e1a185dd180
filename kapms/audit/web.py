"""Sealing a request's audit rows after its response has been sent.

Every page writes audit rows, and right after the commit that wrote them the rows are
sealed into the hash chain (kapms.audit.sealing): a short transaction of its own, 3-4
statements. Inside a request nobody needs to wait for it, so the request's engines are
remembered and sealed when the server closes the response (``call_on_close``: after the
last byte is sent, streamed exports included). Commits outside a request (commands, tests'
sessions) still seal at once. A response that is never closed leaves its rows for the next
seal, which takes every unsealed row in order (or ``flask audit seal``).
"""

from flask import Flask, g, has_request_context

from kapms.audit import sealing

_KEY = "kapms_audit_seal_engines"


def _postpone(engine) -> bool:
    if not has_request_context():
        return False
    engines = g.get(_KEY)
    if engines is None:
        engines = set()
        setattr(g, _KEY, engines)
    engines.add(engine)
    return True


def _seal_after_sending(response):
    engines = g.get(_KEY)
    if engines is None:
        engines = set()
        setattr(g, _KEY, engines)

    def seal() -> None:
        # Engines added after this hook (a commit in the request teardown) are sealed too.
        for engine in list(engines):
            sealing.seal_now(engine)

    response.call_on_close(seal)
    return response


def seal_after_responses(app: Flask) -> None:
    """Postpone each request's sealing until its response is sent."""
    sealing.postpone_with(_postpone)
    app.after_request(_seal_after_sending)
