"""Sending one outbox message: claim it, write it from its kind, hand it to the mail
server, settle it. Runs in a worker (it commits: each step is its own transaction, so a
claim is visible to the other workers before the slow part starts)."""

import logging
from datetime import datetime

from flask import current_app
from flask_mailman import EmailMessage

from kapms.database import utcnow
from kapms.outbox import kinds, services
from kapms.outbox.backoff import RetryPolicy
from kapms.outbox.mail import mail
from kapms.outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def deliver(session, message_id: int, *, now: datetime | None = None) -> str | None:
    """Send message ``message_id`` if it is due and nobody else took it. Returns its status
    afterwards ("sent", "pending" for a retry, "failed", "cancelled"), or None when it was
    not this worker's to send."""
    now = now or utcnow()
    message = services.claim(session, message_id, now=now)
    session.commit()
    if message is None:
        return None
    try:
        written = kinds.get(message.kind).render(session, message, current_app.config)
        if written is None:
            services.mark_not_needed(session, message)
        else:
            _send(message.recipient, written)
            services.mark_sent(session, message, written.subject, now=now)
        session.commit()
        return message.status
    except Exception as error:  # any failure to write or send: retry with backoff
        session.rollback()
        log.warning("outbox message %s (%s) not sent: %s", message_id, message.kind, error)
        message = session.get(OutboxMessage, message_id)
        services.mark_failed(session, message, f"{type(error).__name__}: {error}",
                             RetryPolicy.from_config(current_app.config), now=now)
        session.commit()
        return message.status


def _send(recipient: str, written: kinds.Email) -> None:
    email = EmailMessage(subject=written.subject, body=written.body, to=[recipient],
                         from_email=current_app.config["MAIL_DEFAULT_SENDER"])
    for attachment in written.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    with mail.get_connection() as connection:
        connection.send_messages([email])
