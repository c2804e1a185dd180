"""Writing an email from its kind's template, and links into the app from a worker (which
has no request to take the host from: links start with the BASE_URL setting)."""

from urllib.parse import urlsplit

from flask import current_app, render_template

from kapms.outbox.kinds import Attachment, Email


def external_url(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` under the BASE_URL setting."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def write(kind: str, subject: str, attachments=(), **context) -> Email:
    """The email of ``kind`` from templates/outbox/email/<kind>.txt (plain text)."""
    context.setdefault("clinic", current_app.config["CLINIC_NAME"])
    context.setdefault("portal_url", external_url("auth.login"))
    body = render_template(f"outbox/email/{kind}.txt", **context)
    return Email(subject, body.strip() + "\n", tuple(attachments))


__all__ = ["Attachment", "Email", "external_url", "write"]
