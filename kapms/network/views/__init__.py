"""Network pages. The routes live in the modules below, on the one ``network`` blueprint
(kapms.network.blueprint); importing them here registers them and the network's sections
of the dashboard and the patient page."""

from kapms.network.blueprint import bp
from kapms.network.views import directory, matching, offers, panels  # noqa: F401 - routes

BLUEPRINTS = [bp]
