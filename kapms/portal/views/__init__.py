"""The portal's pages. Each module adds routes to a blueprint of kapms.portal.blueprint:
home (appointments, .ics, chaperone), consents, intake, measures, billing, settings, and
staff (the invitation and the patient-page section)."""

from kapms.portal.blueprint import bp, staff_bp
from kapms.portal.views import (  # noqa: F401 - registers routes
    billing,
    consents,
    home,
    intake,
    measures,
    settings,
    staff,
)

BLUEPRINTS = [bp, staff_bp]
