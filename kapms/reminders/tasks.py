"""The reminder jobs: every minute, appointments within the lead time; once a clinic day
from the reminder hour on, everything outstanding and the installments."""

from flask import current_app
from huey import crontab

from kapms.extensions import db
from kapms.queue import huey, task_context
from kapms.reminders import services


@huey.periodic_task(crontab(minute="*"), name="reminders.plan")
def plan_reminders() -> None:
    """Queue the reminders that are due (each once, whoever runs this)."""
    with task_context():
        settings = services.Settings.from_config(current_app.config)
        services.plan_appointments(db.session, settings)
        services.plan_daily(db.session, settings)
        db.session.commit()
