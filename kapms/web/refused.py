"""POST-redirect-GET after a refusal: a form posted to an address of its own (a payment on
the plan page, a name on the account page) and refused is not shown at the POST address,
where a reload would send it again. The view keeps what was typed and what was wrong, sends
the browser back to the page (a GET), and that page's form shows both again, each message
once, next to its field.

    ok, _ = attempt(form, ...)
    if not ok:
        refused.keep(form, page_url)
    return redirect(page_url)
    ...
    refused.restore(form, request.path)   # in the GET view, on the form it renders

Kept in the (signed) session cookie until that page shows it: the typed values except
passwords and the one-time tokens (a new submission token is issued), and the messages.
"""

from flask import session
from werkzeug.datastructures import MultiDict

_KEY = "kapms_refused"
_NOT_KEPT = {"csrf_token", "submission", "confirmed"}


def keep(form, page: str) -> None:
    """Remember ``form``'s typed values and errors for ``page`` (the address it goes
    back to)."""
    data = [(f.name, value) for f in form
            if f.short_name not in _NOT_KEPT and f.type != "PasswordField"
            for value in (f.raw_data or [])]
    session[_KEY] = {"page": page, "prefix": form._prefix, "data": data,
                     "errors": {f.name: list(f.errors) for f in form if f.errors}}


def restore(form, page: str) -> bool:
    """Fill ``form`` with what was refused on ``page``, if that is what the browser just
    came back from; True when it did."""
    kept = session.get(_KEY)
    if not kept or kept["page"] != page or kept["prefix"] != form._prefix:
        return False
    session.pop(_KEY)
    form.process(formdata=MultiDict([tuple(pair) for pair in kept["data"]]))
    for field in form:
        if field.name in kept["errors"]:
            field.errors = list(kept["errors"][field.name])
    return True
