"""Billing pages: a patient's benefits, estimates, Good Faith Estimates, payment plans,
superbills and claims (billing staff and admins), and the fee schedules (admins). Handlers
are thin: load, check, validate, one service call, commit, redirect. The controllers are
split by meaning and registered on the blueprints of :mod:`kapms.billing.blueprint`."""

from kapms.billing.blueprint import bp, fees_bp
from kapms.billing.cli import refresh_gfe_watch_command
from kapms.billing.services import Policy, watch
from kapms.billing.views import claims, documents, fees, panel, patient, plans  # noqa: F401

BLUEPRINTS = [bp, fees_bp]
bp.cli.add_command(refresh_gfe_watch_command)  # flask billing refresh-gfe-watch


@bp.record
def _configure_watch(state) -> None:
    """The GFE watch is kept with the clinic's billing policy."""
    watch.configure(Policy.from_config(state.app.config))
