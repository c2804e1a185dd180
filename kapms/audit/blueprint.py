"""The audit blueprint: admins only. Imports nothing from the views. Registering it also
sets the hash chain's key from the settings and seals each request's audit rows after its
response is sent (kapms.audit.web)."""

from flask import Blueprint

from kapms.audit import chain, sealing
from kapms.audit.web import seal_after_responses
from kapms.web import nav
from kapms.web.access import guard_blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
guard_blueprint(bp, "admin")
nav.add("Audit log", "audit.events", 95)


@bp.record_once
def _configure_chain(state) -> None:
    config = state.app.config
    sealing.configure(chain.key_from(config.get("AUDIT_CHAIN_KEY") or config["SECRET_KEY"]))
    seal_after_responses(state.app)
