"""Care-path records: clearances and plans, prescriptions, sessions, dosing records, notes.

Answers that are lists of yes/no items (contraindication screen, co-medications) are stored
as JSON on their record: they are always read and written with it and never queried item by
item. Always assign a new dict/list to change them (JSON columns do not track in-place
mutation). Anything other domains aggregate lives in columns and tables of its own.
"""

from kapms.care.models.clearance import (
    Clearance,
    PrescriberProfile,
    Prescription,
    PrescriptionRefill,
)
from kapms.care.models.dosing import DosingRecord
from kapms.care.models.sessions import Addendum, CareSession, ProcessNote, ProgressNote

__all__ = ["Addendum", "CareSession", "Clearance", "DosingRecord", "Prescription",
           "PrescriberProfile", "PrescriptionRefill", "ProcessNote", "ProgressNote"]
