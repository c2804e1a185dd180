"""Billing documents as PDF: a template of ``templates/billing/pdf/`` and its objects in,
PDF bytes out (no writes). Runs inside a request or app context (templates and filters)."""

from flask import render_template

from kapms.billing.services import Practice
from kapms.pdf import render_pdf


def render(template: str, practice: Practice, **context) -> bytes:
    """Render ``templates/billing/pdf/<template>`` with the practice's header to PDF bytes."""
    return render_pdf(render_template(f"billing/pdf/{template}", practice=practice, **context))
