"""Demo reminders: plan today's reminders at once, so the outbox holds Lucia's (documents
to sign, questionnaire, PHQ-9) and Marcus's (a document to sign, an overdue installment,
appointments within a day) from the start; the worker sends them to the mail folder."""

from kapms.config import Config
from kapms.reminders import services


def seed(session, ctx: dict) -> None:
    """Plan the reminders due now (the daily ones regardless of the hour)."""
    settings = services.Settings.from_config(vars(Config))
    services.plan_daily(session, settings, force=True)
    services.plan_appointments(session, settings)
