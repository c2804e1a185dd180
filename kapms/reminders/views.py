"""No pages of its own (the patient's choices are on the portal's settings page): importing
this registers the reminder kinds, the staff emails and the reminder jobs."""

from kapms.reminders import messages, staff, tasks  # noqa: F401 - registers kinds, hooks, jobs

BLUEPRINTS = []
