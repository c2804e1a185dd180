"""Billing commands: ``flask billing refresh-gfe-watch``."""

import click
from flask import current_app
from flask.cli import with_appcontext

from kapms import clinic_time
from kapms.billing.services import Policy
from kapms.billing.services.watch import refresh_all
from kapms.extensions import db


@click.command("refresh-gfe-watch")
@with_appcontext
def refresh_gfe_watch_command() -> None:
    """Rebuild the GFE watch of every patient (after an upgrade, or a change of the
    held-dosing billing setting)."""
    count = refresh_all(db.session, clinic_time.zone(), Policy.from_config(current_app.config))
    db.session.commit()
    click.echo(f"GFE watch refreshed for {count} patients.")
