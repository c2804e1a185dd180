"""Every question the measures domain asks of the care path, in one place.

The care domain owns dosing sessions and their records; the schedule of measures, the
outcome report's safety section and its route/setting subgroups read them only through
the functions here, so a change to the care records is adapted in this one module.
No Flask, no writes, no audit (the caller audits the report).

Today a dosing is a ``care_sessions`` row (kind "dosing", its modality the setting) with a
``dosing_records`` row (outcome administered/held, route, the blood-pressure flag text and
the adverse events as a JSON list of {"event", "severity", "serious"}). The dosing number
is derived here: the administered dosings before it on the patient's timeline, plus one
(so a held dosing has the number of the dosing it was meant to be), by a window over each
patient's dosings - the network report's costliest step (bench/MEASURES.md), which a
number stored on the dosing record would remove.
"""

from __future__ import annotations

from sqlalchemy import Text, and_, case, cast, func, select, true

from kapms.care.constants import ADVERSE_EVENTS, MODALITIES, ROUTES
from kapms.care.models import CareSession, DosingRecord

ROUTE_LABELS = dict(ROUTES)
SETTING_LABELS = dict(MODALITIES)
ADVERSE_EVENT_LABELS = dict(ADVERSE_EVENTS)


def dosings_done(session, patient_id: int) -> int:
    """Dosings the patient has had (administered, not held), from the care path."""
    from kapms.care.services import administered_dosing_count

    return administered_dosing_count(session, patient_id)


def _administered():
    return DosingRecord.outcome == "administered"


def _events(session):
    """(table-valued function over a record's adverse events, and SQL reading one key of
    an element as text) for this database."""
    if session.get_bind().dialect.name == "postgresql":
        events = func.json_array_elements(DosingRecord.adverse_events).table_valued("value")
        return events, lambda key: events.c.value.op("->>")(key)
    events = func.json_each(DosingRecord.adverse_events).table_valued("value")
    return events, lambda key: func.json_extract(events.c.value, f"$.{key}")


def _has_events():
    """SQL: the record lists at least one adverse event. Compared as text: the list is
    written by SQLAlchemy's JSON type, so an empty one is exactly '[]' (far cheaper than
    parsing every record's JSON on a network)."""
    return cast(DosingRecord.adverse_events, Text) != "[]"


def dosing_rows(session, patient_ids):
    """One row per dosing record of the patients selected by ``patient_ids`` (a select of
    patient ids): patient_id, dosing_id, number, held, administered, and for administered
    dosings bp_flagged and any_ae."""
    administered = case((_administered(), 1), else_=0)
    before = func.sum(administered).over(
        partition_by=CareSession.patient_id,
        order_by=(CareSession.scheduled_start, CareSession.id), rows=(None, -1))
    return (select(
        CareSession.patient_id.label("patient_id"),
        DosingRecord.id.label("dosing_id"),
        (func.coalesce(before, 0) + 1).label("number"),
        (DosingRecord.outcome == "held").label("held"),
        _administered().label("administered"),
        and_(_administered(), DosingRecord.bp_flag.is_not(None)).label("bp_flagged"),
        and_(_administered(), _has_events()).label("any_ae"))
        .select_from(CareSession).join(DosingRecord, DosingRecord.session_id == CareSession.id)
        .where(CareSession.kind == "dosing", CareSession.patient_id.in_(patient_ids))
        .subquery("dosings"))


def adverse_events(session, dosings):
    """(dosing_id, kind, serious) for each adverse event of the dosings in ``dosings``
    (a :func:`dosing_rows` selectable) that have any; only those records are parsed."""
    events, key = _events(session)
    serious = key("serious")
    # JSON true reads back as 'true' (PostgreSQL ->>) or 1 (SQLite json_extract)
    serious = serious == "true" if session.get_bind().dialect.name == "postgresql" \
        else serious == 1
    return (select(DosingRecord.id.label("dosing_id"), key("event").label("kind"),
                   serious.label("serious"))
            .select_from(DosingRecord).join(events, true())
            .where(DosingRecord.id.in_(select(dosings.c.dosing_id).where(dosings.c.any_ae)))
            .subquery("adverse_events"))


def first_dosing(attribute: str, patient_id):
    """SQL (correlated on ``patient_id``): the "route" or "setting" of the patient's first
    administered dosing, NULL before any."""
    column = {"route": DosingRecord.route, "setting": CareSession.modality}[attribute]
    return (select(column).select_from(CareSession)
            .join(DosingRecord, DosingRecord.session_id == CareSession.id)
            .where(CareSession.patient_id == patient_id, CareSession.kind == "dosing",
                   _administered())
            .order_by(CareSession.scheduled_start, CareSession.id).limit(1)
            .scalar_subquery())
