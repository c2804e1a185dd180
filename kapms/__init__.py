"""KAPMS: practice management for networks of ketamine-assisted psychotherapy clinicians."""

from flask import Flask


def create_app(config=None):
    """Build the Flask application.

    ``config`` is a config class or a mapping of overrides applied on top of
    :class:`kapms.config.Config`. Tables are never created here: migrations do that
    (``flask db upgrade``).
    """
    from kapms import config as config_module
    from kapms.app_setup import configure_app

    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    config_module.load(app, config)
    configure_app(app)
    return app
