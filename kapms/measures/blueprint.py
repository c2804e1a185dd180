"""The measures blueprints, their access guards, and small helpers shared by the views.

- ``bp`` (/measures): giving measures, trends, alerts, links - the care team's clinicians
  (trends also admit admins, per view);
- ``self_report_bp`` (/m/<token>): the patient's own questionnaire, public, rate-limited;
- ``reports_bp`` (/outcomes): the network outcome report and the published summary;
- ``admin_bp`` (/admin/measures): loading the licensed MBI-GS item text.
"""

from flask import Blueprint, current_app
from flask_login import current_user

from kapms.measures import scoring, services
from kapms.measures.cli import load_mbi_text_command
from kapms.measures.outcomes import Definitions
from kapms.web.access import guard_blueprint

CLINICIANS = ("therapist", "prescriber")

bp = Blueprint("measures", __name__, url_prefix="/measures")
guard_blueprint(bp, *CLINICIANS)
bp.cli.add_command(load_mbi_text_command)  # flask measures load-mbi-text FILE
self_report_bp = Blueprint("self_report", __name__)
reports_bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
guard_blueprint(reports_bp, "admin", *CLINICIANS)
admin_bp = Blueprint("measures_admin", __name__, url_prefix="/admin/measures")
guard_blueprint(admin_bp, "admin")


def scoring_settings() -> scoring.Settings:
    """The clinic's scoring settings from the app config."""
    return services.settings_from_config(current_app.config)


def report_definitions() -> Definitions:
    """The outcome report's definitions: scoring settings and age bands from the config."""
    edges = tuple(int(edge) for edge in str(current_app.config["OUTCOMES_AGE_BANDS"]).split(","))
    return Definitions(settings=scoring_settings(), age_band_edges=edges)


def actor():
    """The signed-in user (the object, not the proxy, for the services)."""
    return current_user._get_current_object()
