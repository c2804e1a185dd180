"""The outbox blueprint: admins see every message and its status, send a given-up message
again, and (in development) read the messages in the mail folder."""

from flask import Blueprint

from kapms.outbox import mail
from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
guard_blueprint(bp, "admin")
nav.add("Outbox", "outbox.messages", 92)


@bp.record_once
def _configure_mail(state) -> None:
    mail.init_app(state.app)
