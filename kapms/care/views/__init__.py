"""Care-path pages on the one ``care`` blueprint. The controller modules are imported here
(which registers their routes); this module also adds the navigation entries."""

from kapms.care.blueprint import bp
from kapms.care.views import calendar, clinical, panels, sessions  # noqa: F401 - routes
from kapms.web import nav

BLUEPRINTS = [bp]
nav.add("Calendar", "care.calendar", 5)
nav.add("Notes due", "care.notes_due", 6)
nav.add("Prescriber profile", "care.prescriber_profile", 80)
