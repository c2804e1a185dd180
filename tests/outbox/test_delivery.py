"""Email through a real SMTP server (aiosmtpd, started by the test) and a real worker:
queued in a transaction, sent after commit, retried with backoff, given up, sent once."""

import re
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kapms.auth.models import PasswordToken
from kapms.auth.services import tokens
from kapms.outbox import delivery, services
from kapms.outbox.models import OutboxMessage
from tests.factories import make_user

T0 = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _message(db, message_id):
    return db.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id)
                     .execution_options(populate_existing=True))


def _settled(db, message_id, seconds: float = 20.0):
    """The message once the worker has settled it (a bounded wait, asserting nothing about
    time)."""
    deadline = time.monotonic() + seconds
    row = _message(db, message_id)
    while row.status == "sending" and time.monotonic() < deadline:
        time.sleep(0.05)
        db.rollback()  # a fresh snapshot
        row = _message(db, message_id)
    return row


def test_a_message_queued_in_a_transaction_is_sent_by_the_worker_after_commit(
        app, db, smtp, worker):
    user = make_user(db, roles=["billing"], email="casey@clinic.example")
    message = tokens.queue_reset(db, user, hours=2)
    db.commit()
    received = smtp.wait_for(1)
    assert len(received) == 1
    rcpt, email = received[0]
    assert rcpt == ["casey@clinic.example"]
    assert email["Subject"] == "Reset your KAP Demo Network password"
    body = email.get_body(("plain",)).get_content()
    token = re.search(r"/set-password/([A-Za-z0-9_-]+)", body).group(1)
    row = _settled(db, message.id)  # the worker commits just after the server answered
    assert (row.status, row.attempts, row.subject) == ("sent", 1, email["Subject"])
    assert row.sent_at is not None
    # The link works, and the database never held it: only its hash, no copy in the outbox.
    stored = db.scalar(select(PasswordToken).where(PasswordToken.user_id == user.id))
    assert stored.token_hash == tokens.token_hash(token) and token not in str(row.params)
    assert tokens.open_token(db, token).user_id == user.id


def test_a_refused_message_is_retried_with_backoff_and_sent_once(app, db, smtp):
    user = make_user(db, roles=["therapist"])
    message_id = tokens.queue_reset(db, user, hours=2, now=T0).id
    db.commit()
    smtp.recorder.refuse = 1
    assert delivery.deliver(db, message_id, now=T0) == "pending"
    row = _message(db, message_id)
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == T0 + timedelta(minutes=1)
    assert delivery.deliver(db, message_id, now=T0 + timedelta(seconds=30)) is None  # not due
    assert smtp.recorder.messages == []
    assert delivery.deliver(db, message_id, now=T0 + timedelta(minutes=1)) == "sent"
    assert delivery.deliver(db, message_id, now=T0 + timedelta(minutes=2)) is None  # once
    assert len(smtp.recorder.messages) == 1 and _message(db, message_id).attempts == 2


def test_a_message_is_given_up_after_the_last_attempt_and_an_admin_can_send_it_again(
        app, db, smtp):
    user = make_user(db, roles=["therapist"])
    admin = make_user(db, roles=["admin"])
    message_id = tokens.queue_reset(db, user, hours=2, now=T0).id
    db.commit()
    smtp.recorder.refuse = 100
    at, waits = T0, []
    while True:
        status = delivery.deliver(db, message_id, now=at)
        if status != "pending":
            break
        row = _message(db, message_id)
        waits.append(row.next_attempt_at - at)
        at = row.next_attempt_at
    assert status == "failed" and _message(db, message_id).attempts == 6
    assert waits == [timedelta(minutes=m) for m in (1, 4, 16, 64, 256)]
    smtp.recorder.refuse = 0
    services.retry_now(db, admin, message_id, now=at)
    db.commit()
    assert delivery.deliver(db, message_id, now=at) == "sent"
    assert len(smtp.recorder.messages) == 1


def test_two_workers_cannot_both_claim_a_message(app, db):
    user = make_user(db, roles=["therapist"])
    message_id = tokens.queue_reset(db, user, hours=2, now=T0).id
    db.commit()
    assert services.claim(db, message_id, now=T0) is not None
    assert services.claim(db, message_id, now=T0) is None


def test_the_sweep_hands_over_due_messages_and_those_of_a_worker_that_died(app, db):
    user = make_user(db, roles=["therapist"])
    waiting = tokens.queue_reset(db, user, hours=2, now=T0).id
    later = services.queue_message(db, kind="password_reset", recipient=user.email,
                                   user_id=user.id, now=T0 + timedelta(hours=1)).id
    stuck = tokens.queue_reset(db, user, hours=2, now=T0).id
    db.commit()
    services.claim(db, stuck, now=T0)
    db.commit()
    assert services.due_message_ids(db, now=T0 + timedelta(minutes=5)) == [waiting]
    due = services.due_message_ids(db, now=T0 + timedelta(minutes=11))
    assert sorted(due) == sorted([waiting, stuck]) and later not in due


def test_a_dedupe_key_queues_one_message(app, db):
    user = make_user(db, roles=["therapist"])
    first = services.queue_message(db, kind="password_reset", recipient=user.email,
                                   user_id=user.id, dedupe_key="k:1")
    again = services.queue_message(db, kind="password_reset", recipient=user.email,
                                   user_id=user.id, dedupe_key="k:1")
    assert first is not None and again is None
