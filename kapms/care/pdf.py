"""Care-path PDFs: records in, PDF bytes out (no writes; the services audit the print).

Psychotherapy (process) notes are never passed to these templates.
"""

from datetime import datetime

from flask import render_template

from kapms.care.constants import ADVERSE_EVENTS, CO_MEDICATIONS
from kapms.pdf import render_pdf


def session_note_pdf(cs, note, printed_at: datetime) -> bytes:
    """The session's progress note with its dosing record (DRAFT watermark until signed)."""
    html = render_template("care/pdf/session_note.html", cs=cs, patient=cs.patient, note=note,
                           dosing=cs.dosing, adverse_labels=ADVERSE_EVENTS,
                           co_medications=CO_MEDICATIONS, printed_at=printed_at)
    return render_pdf(html)
