"""A confirmation step before a destructive or clinical decision (cancelling a session,
voiding a payment, sending a referral offer, recording a clearance decision, signing).

It works without JavaScript: the view checks the form as usual, and when it is valid but not
yet confirmed answers with a page that says what is about to happen and sends the very same
fields again, plus ``confirmed=yes``, to the same address (so the CSRF and one-time
submission tokens travel with it and nothing is saved twice). With JavaScript,
js/confirm.js asks in a dialog on the page instead (the form's ``data-confirm`` text) and
adds ``confirmed=yes`` itself, so the server never needs to ask.

    if not confirm.confirmed():
        return confirm.ask("Cancel this session?", "...", confirm_label="Yes, cancel it",
                           back_url=url_for(...), details=[...])
"""

from flask import render_template, request

from kapms.extensions import db

FIELD = "confirmed"


def confirmed() -> bool:
    """Whether the person said yes to this POST (on the page or in the dialog)."""
    return request.form.get(FIELD) == "yes"


def ask(title: str, question: str, *, confirm_label: str, back_url: str, details=(),
        danger: bool = True):
    """The confirmation page for the POST being handled (status 200: nothing happened).
    Commits first: what the view did so far is only audited reads of the records asked
    about, and they are kept like any page's."""
    db.session.commit()
    fields = [(name, value) for name, values in request.form.lists() if name != FIELD
              for value in values]
    action = request.path + (f"?{request.query_string.decode()}" if request.query_string
                             else "")
    return render_template("web/confirm.html", title=title, question=question,
                           details=list(details), confirm_label=confirm_label,
                           back_url=back_url, danger=danger, action=action, fields=fields,
                           field=FIELD)
