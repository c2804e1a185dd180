"""Care-path pages on the one ``care`` blueprint. The controller modules are imported here
(which registers their routes); this module also adds the navigation entries."""

from kapms.care.blueprint import bp
from kapms.care.rules import mg
from kapms.care.views import (  # noqa: F401 - registers the routes and panels
    calendar,
    clinical,
    dosing,
    panels,
    review,
    sessions,
)
from kapms.web import nav

BLUEPRINTS = [bp]
bp.add_app_template_filter(mg, "mg")  # doses without trailing zeros: 200, 200.5
nav.add("Calendar", "care.calendar", 5)
nav.add("Practice calendar", "care.practice", 5)
nav.add("Notes due", "care.notes_due", 6)
nav.add("For review", "care.review", 7)
nav.add("Prescriber profile", "care.prescriber_profile", 80)
