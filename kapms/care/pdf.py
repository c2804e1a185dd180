"""Care-path PDFs: records in, PDF bytes out (no writes; the services audit the print).

Psychotherapy (process) notes are never passed to these templates.
"""

from datetime import datetime

from flask import render_template

from kapms.care.constants import CO_MEDICATIONS, CONTRAINDICATIONS, DOSING_PHASES
from kapms.pdf import render_pdf


def session_note_pdf(cs, note, live, printed_at: datetime) -> bytes:
    """The session's progress note with its dosing record, every phase with its times
    (``live``: the record's timing, kapms.care.services.live_status); DRAFT until signed."""
    html = render_template("care/pdf/session_note.html", cs=cs, patient=cs.patient, note=note,
                           dosing=cs.dosing, live=live, co_medications=CO_MEDICATIONS,
                           phases=DOSING_PHASES, printed_at=printed_at)
    return render_pdf(html)


def clearance_pdf_bytes(clearance, patient, printed_at: datetime) -> bytes:
    """The clearance as decided: screen, baseline, decision, overrides, plan versions."""
    html = render_template("care/pdf/clearance.html", clearance=clearance, patient=patient,
                           contraindications=CONTRAINDICATIONS, co_medications=CO_MEDICATIONS,
                           printed_at=printed_at)
    return render_pdf(html)
