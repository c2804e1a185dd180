"""Reminders sent by the job queue on schedule (appointments, measures due, consents and
intake outstanding, installments due and overdue) with the patient's choice of which to
receive, and the staff's emails for a referral offer and a safety alert."""
