"""Every question the measures domain asks of the care path, in one place.

The care domain owns dosing sessions and their records; the schedule of measures and the
outcome report's safety section and route/setting subgroups read them only through the
functions here, so a change to the care records is adapted in this one module. No Flask,
no writes.
"""

from __future__ import annotations


def dosings_done(session, patient_id: int) -> int:
    """Dosings the patient has had (administered, not held), from the care path."""
    from kapms.care.services import administered_dosing_count

    return administered_dosing_count(session, patient_id)
