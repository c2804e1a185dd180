"""Every question the measures domain asks of the care path, in one place.

The care domain owns dosing sessions and their records; the schedule of measures, the
outcome report's safety section and its route/setting subgroups read them only through
the functions here, so a change to the care records is adapted in this one module.
No Flask, no writes, no audit (the caller audits the report).

The live dosing record (kapms/care/models/dosing.py, docs/care.md) stores everything the
report counts as a column or a row, so nothing is derived here: a dosing is a
``dosing_records`` row (its session in ``care_sessions`` gives the patient) with its
number on the course (a held dosing carries the number it would have had; maintenance
dosings continue the count), its outcome (administered or held; none yet while the
patient is checked in and not dosed: such a record is not counted), the setting (office,
telehealth, home), the route given and the blood-pressure rise flag; its adverse events
are rows of ``care_adverse_events`` (kind, serious).
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import and_, select

from kapms.care.constants import ADVERSE_EVENTS, DOSING_SETTINGS, ROUTES
from kapms.care.models import AdverseEvent, CareSession, DosingRecord

ROUTE_LABELS = dict(ROUTES)
SETTING_LABELS = dict(DOSING_SETTINGS)
ADVERSE_EVENT_LABELS = dict(ADVERSE_EVENTS)


def dosings_done(session, patient_id: int) -> int:
    """Dosings the patient has had (administered, not held), from the care path."""
    from kapms.care.services import administered_dosing_count

    return administered_dosing_count(session, patient_id)


def _administered():
    return DosingRecord.outcome == "administered"


def with_dosings(clause, patient_id):
    """``clause`` joined to every decided dosing record (administered or held) of the
    patient ``patient_id`` (a column of ``clause``); read their values with ``DOSING``.
    (A dosing record's session is a dosing session: the care domain's rule, so the
    session's kind is not read, and the database can go from the records, in the order
    of their number, to the session's patient.)"""
    return (clause.join(CareSession, CareSession.patient_id == patient_id)
            .join(DosingRecord, and_(DosingRecord.session_id == CareSession.id,
                                     DosingRecord.outcome.in_(("administered", "held")))))


# a dosing's values, in the FROM of with_dosings
DOSING = SimpleNamespace(
    number=DosingRecord.dosing_number,
    held=DosingRecord.outcome == "held",
    administered=_administered(),
    bp_flagged=and_(_administered(), DosingRecord.bp_flag.is_not(None)))


def with_adverse_events(clause, patient_id):
    """``clause`` joined to every adverse event of an administered dosing of the patient
    ``patient_id``; read them with ``EVENT``."""
    return (clause.join(CareSession, CareSession.patient_id == patient_id)
            .join(DosingRecord, and_(DosingRecord.session_id == CareSession.id,
                                     _administered()))
            .join(AdverseEvent, AdverseEvent.dosing_id == DosingRecord.id))


# an adverse event's values (and its dosing's number), in the FROM of with_adverse_events
EVENT = SimpleNamespace(dosing_id=AdverseEvent.dosing_id, number=DosingRecord.dosing_number,
                        kind=AdverseEvent.kind, serious=AdverseEvent.serious.is_(True))


def first_dosing(attribute: str, patient_id):
    """SQL (correlated on ``patient_id``): the "route" or "setting" of the patient's first
    administered dosing (number 1 of the earliest course), NULL before any."""
    column = {"route": DosingRecord.route, "setting": DosingRecord.setting}[attribute]
    return (select(column).select_from(CareSession)
            .join(DosingRecord, DosingRecord.session_id == CareSession.id)
            .where(CareSession.patient_id == patient_id, CareSession.kind == "dosing",
                   _administered(), DosingRecord.dosing_number == 1)
            .order_by(CareSession.scheduled_start, CareSession.id).limit(1)
            .scalar_subquery())
