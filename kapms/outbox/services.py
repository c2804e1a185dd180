"""Queueing, claiming and settling outbox messages, and the admins' list (no Flask).

A message is sent once even with several workers: a worker *claims* it with a conditional
UPDATE (pending and due -> sending, attempts + 1) and only the worker whose UPDATE changed
the row sends it. A worker that dies while sending leaves the row "sending"; the sweep
hands it back after ``STALE_CLAIM`` (so a crash can mean one duplicate, never a loss).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from kapms.audit.services import record
from kapms.database import utcnow
from kapms.errors import NotFound
from kapms.outbox.backoff import RetryPolicy, next_attempt
from kapms.outbox.models import STATUSES, OutboxMessage

# The ids of messages queued in this transaction: queued to the workers after commit.
NEW_MESSAGES = "kapms_outbox_new"
STALE_CLAIM = timedelta(minutes=10)
PAGE_SIZE = 50


def queue_message(session, *, kind: str, recipient: str, user_id: int | None = None,
                  patient_id: int | None = None, subject_id: int | None = None,
                  params: dict | None = None, dedupe_key: str | None = None,
                  now: datetime | None = None) -> OutboxMessage | None:
    """Queue one email. With ``dedupe_key``, a message already queued under that key (by
    this or another worker, now or before) makes this call return None and queue nothing.
    The workers get it after commit; the audit row names the kind, never the content."""
    now = now or utcnow()
    if dedupe_key is not None and session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(kind=kind, recipient=recipient.strip(), user_id=user_id,
                            patient_id=patient_id, subject_id=subject_id, params=params or {},
                            dedupe_key=dedupe_key, status="pending", next_attempt_at=now,
                            created_at=now)
    try:
        with session.begin_nested():  # two planners racing for one key: one row
            session.add(message)
            session.flush()
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    session.info.setdefault(NEW_MESSAGES, []).append(message.id)
    record(session, None, "create", "outbox_message", message.id, patient_id=patient_id,
           detail=kind, actor_email="outbox")
    return message


def claim(session, message_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """Take a due message for sending (attempts + 1); None when it is not pending and due,
    e.g. another worker took it or it was sent already."""
    now = now or utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
               OutboxMessage.next_attempt_at <= now)
        .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def mark_sent(session, message: OutboxMessage, subject: str, *,
              now: datetime | None = None) -> None:
    """The mail server accepted the message."""
    message.status, message.sent_at = "sent", now or utcnow()
    message.subject, message.last_error = subject[:200], None
    session.flush()


def mark_not_needed(session, message: OutboxMessage) -> None:
    """Its kind found nothing to say any more (e.g. the session was cancelled)."""
    message.status = "cancelled"
    session.flush()


def mark_failed(session, message: OutboxMessage, error: str, policy: RetryPolicy, *,
                now: datetime | None = None) -> datetime | None:
    """Sending failed: wait and retry (returns when), or give up after the last attempt."""
    now = now or utcnow()
    retry_at = next_attempt(message.attempts, now, policy)
    message.last_error = error[:500]
    if retry_at is None:
        message.status = "failed"
    else:
        message.status, message.next_attempt_at = "pending", retry_at
    session.flush()
    return retry_at


def due_message_ids(session, *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Messages to hand to the workers now: pending and due (new, or a retry whose wait is
    over), and those stuck "sending" by a worker that died (handed back first)."""
    now = now or utcnow()
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM)
        .values(status="pending").execution_options(synchronize_session=False))
    return list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def list_messages(session, actor, *, status: str | None = None, before: int | None = None,
                  limit: int = PAGE_SIZE) -> list[OutboxMessage]:
    """The admins' view of the outbox, newest first, a page at a time (``before``: the
    last id of the previous page). Audited, as recipients are people."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    rows = list(session.scalars(query))
    record(session, actor, "view", "outbox_message", None,
           detail=f"outbox page: {len(rows)} messages" + (f", {status}" if status else ""))
    return rows


def retry_now(session, actor, message_id: int, *, now: datetime | None = None) -> OutboxMessage:
    """An admin sends a message that was given up (or is waiting) again now."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message.")
    now = now or utcnow()
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               or_(OutboxMessage.status == "failed", OutboxMessage.status == "pending"))
        .values(status="pending", next_attempt_at=now, attempts=0)
        .execution_options(synchronize_session=False))
    session.refresh(message)
    session.info.setdefault(NEW_MESSAGES, []).append(message.id)
    record(session, actor, "update", "outbox_message", message.id,
           patient_id=message.patient_id, detail="send again")
    return message


def count_recent(session, kind: str, user_id: int, since: datetime) -> int:
    """How many messages of ``kind`` were queued for ``user_id`` since ``since``."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == kind, OutboxMessage.user_id == user_id,
        OutboxMessage.created_at >= since))
