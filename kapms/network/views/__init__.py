"""Network pages. The routes live in the modules below, on the one ``network`` blueprint
(kapms.network.blueprint); importing them here registers them and the network's sections
of the dashboard and the patient page."""

from kapms.network.blueprint import bp
from kapms.network.cli import expire_offers_command
from kapms.network.views import (  # noqa: F401 - registers the routes and panels
    care_team,
    directory,
    matching,
    offers,
    panels,
    queue,
)

bp.cli.add_command(expire_offers_command)  # flask network expire-offers (daily)
BLUEPRINTS = [bp]
