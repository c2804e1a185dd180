"""The outbox's jobs: send one message, and every minute hand the due ones (new, retries,
or messages queued while no worker ran) to the workers. Messages queued in a request are
handed over as soon as its transaction commits."""

from huey import crontab
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from kapms.extensions import db
from kapms.outbox import delivery, services
from kapms.queue import enqueue, huey, task_context


@huey.task(name="outbox.send")
def send_message(message_id: int) -> None:
    """Send one outbox message (a no-op when it is not due or another worker has it)."""
    with task_context():
        delivery.deliver(db.session, message_id)


@huey.periodic_task(crontab(minute="*"), name="outbox.sweep")
def sweep() -> None:
    """Queue every message that is due now."""
    with task_context():
        ids = services.due_message_ids(db.session)
        db.session.commit()
    for message_id in ids:
        enqueue(send_message, message_id)


@sa_event.listens_for(Session, "after_commit")
def _hand_over(session) -> None:
    for message_id in session.info.pop(services.NEW_MESSAGES, []):
        enqueue(send_message, message_id)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    # The rows were rolled back; anything that did get committed is found by the sweep.
    if previous_transaction.parent is None:
        session.info.pop(services.NEW_MESSAGES, None)
