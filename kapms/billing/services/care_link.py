"""The one place billing reads the care record (and the measures given at visits).

The care domain's contract (``kapms.care.services``: ``billable_sessions``,
``BillableSession``, ``administered_dosing_count``, ``treatment_plan_dosings``; see
docs/care.md) is called here and nowhere else in billing; its sessions become billing's own
:class:`kapms.billing.coding.Visit`, so a change in the care contract is a change to this
file alone. The measures given at a visit are read with one small query on the measures
domain's administrations (not voided), by date and recording clinician.

The contract carries, for a dosing recorded live, its setting, its monitoring minutes and
``monitoring_staff``: the people who monitored *besides* the session's clinician. Sessions
recorded before the live record have none of these: their setting is the session's modality,
their monitoring minutes the session's minutes and nobody else monitored. The session's
clinician is the lead (0820T); the care record says how many of everyone monitoring are
physicians or qualified clinicians (``monitoring_clinicians``, the lead included): each
further one is billed as 0821T and the rest as clinical staff (0822T). A record made before
that was asked counts the lead alone as a clinician (the others as clinical staff, the code
that never bills more than was given).
"""

from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import select

from kapms.billing.coding import Visit, attach_measures
from kapms.care import services as _care
from kapms.care.models import CareSession, DosingRecord
from kapms.measures.models import Administration

# The care record's words for where a visit happened -> billing's.
SETTINGS = {"office": "office", "telehealth": "telehealth", "at_home": "home", "home": "home"}


def administered_dosing_count(session, patient_id: int) -> int:
    """Dosings the patient has had (held and cancelled ones excluded)."""
    return _care.administered_dosing_count(session, patient_id)


def treatment_plan_dosings(session, patient_id: int) -> int | None:
    """Dosings in the patient's current treatment plan, or None when there is none."""
    return _care.treatment_plan_dosings(session, patient_id)


def visits(session, patient_id: int, start: date, end: date, tz: tzinfo) -> list[Visit]:
    """The patient's billable visits with a service date from ``start`` to ``end`` (in the
    clinic's zone ``tz``), with the measures given at each, in date order."""
    rows = _care.billable_sessions(session, patient_id, start, end, tz=tz)
    # A missed appointment the clinic bills (BillableSession.missed) is no visit: nothing
    # to code for a payer. It is the patient's to pay, not yet priced by billing.
    found = [as_visit(s) for s in rows if not getattr(s, "missed", None)]
    return attach_measures(found, measures_given(session, patient_id, start, end))


def as_visit(s) -> Visit:
    """One of the care contract's BillableSessions as billing's Visit (rules above)."""
    clinicians = s.monitoring_clinicians or 1  # the lead included
    return Visit(
        session_id=s.session_id, service_date=s.service_date, kind=s.kind, minutes=s.minutes,
        setting=SETTINGS.get(s.setting or s.modality, "office"),
        clinician_id=s.clinician_id, clinician_name=s.clinician_name, held=s.held,
        monitoring_minutes=s.monitoring_minutes, monitoring_clinicians=clinicians,
        monitoring_staff=max((s.monitoring_staff or 0) - (clinicians - 1), 0),
        psychotherapy_minutes=s.psychotherapy_minutes)


def measures_given(session, patient_id: int, start: date, end: date) -> list[tuple[date, int | None]]:
    """(date given, recorded by) of each standardized measure from ``start`` to ``end``
    that was not marked entered in error."""
    rows = session.execute(select(Administration.given_on, Administration.recorded_by_id).where(
        Administration.patient_id == patient_id, Administration.voided_at.is_(None),
        Administration.given_on >= start, Administration.given_on <= end)).all()
    return [(day, recorder) for day, recorder in rows]


def billed_patient_of(obj) -> int | tuple[str, int] | None:
    """For a changed care or measures record, whose bill it may change: the patient's id,
    ("session", id) for a dosing record (its session names the patient), or None for a
    record that is not part of a bill."""
    if isinstance(obj, CareSession | Administration):
        return obj.patient_id
    if isinstance(obj, DosingRecord):
        return ("session", obj.session_id)
    return None


def patients_of_sessions(session, session_ids) -> set[int]:
    """The patients of care sessions ``session_ids``."""
    return set(session.scalars(select(CareSession.patient_id)
                               .where(CareSession.id.in_(list(session_ids)))))
