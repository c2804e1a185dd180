"""Self-report links: a clinician sends a single-use, expiring link; the patient fills one
measure without signing in (no Flask here).

The token is shown once, to the clinician who creates it; the database keeps only its
SHA-256, so a copy of the database gives no usable link. Using a link is one conditional
UPDATE (still open, not revoked, not expired), so two submissions racing each other
cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from kapms import clinic_time
from kapms.audit.services import record
from kapms.errors import DomainError, NotFound, RuleViolation
from kapms.measures import scoring
from kapms.measures.instruments import INSTRUMENTS
from kapms.measures.models import POINTS, SelfReportLink
from kapms.measures.services.administrations import (
    is_recorded,
    record_administration,
    require_clinician,
)
from kapms.patients.access import CLINICAL
from kapms.patients.services import get_patient

DEFAULT_TTL_HOURS = 72
MAX_TTL_HOURS = 24 * 14


class LinkRefused(DomainError):
    """The link cannot be used: ``reason`` is "unknown", "used", "revoked" or "expired"."""

    def __init__(self, reason: str):
        super().__init__("This link can no longer be used.")
        self.reason = reason


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(session, actor, patient, instrument: str, point: str, *,
                ttl_hours: int = DEFAULT_TTL_HOURS, now: datetime | None = None
                ) -> tuple[SelfReportLink, str]:
    """Create a link for ``patient`` (loaded with CLINICAL access) to fill ``instrument`` at
    ``point``; returns (link, token). The token is never stored and cannot be shown again."""
    require_clinician(actor)
    if instrument not in INSTRUMENTS:
        raise RuleViolation(f"Unknown instrument {instrument!r}.", field="instrument")
    if point not in POINTS:
        raise RuleViolation(f"Unknown measurement point {point!r}.", field="point")
    if not 1 <= ttl_hours <= MAX_TTL_HOURS:
        raise RuleViolation(f"A link lasts between 1 and {MAX_TTL_HOURS} hours.",
                            field="ttl_hours")
    if is_recorded(session, patient.id, instrument, point):
        raise RuleViolation(f"{instrument} at {POINTS[point].lower()} is already recorded.",
                            field="point")
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    link = SelfReportLink(patient_id=patient.id, instrument=instrument, point=point,
                          token_hash=hash_token(token), created_by_id=actor.id, created_at=now,
                          expires_at=now + timedelta(hours=ttl_hours))
    session.add(link)
    session.flush()
    record(session, actor, "create", "self_report_link", link.id, patient_id=patient.id,
           detail=f"{instrument} {point}, {ttl_hours} h")
    return link, token


def patient_links(session, patient_id: int) -> list[SelfReportLink]:
    """The patient's links, newest first (caller checked access)."""
    return list(session.scalars(select(SelfReportLink).where(
        SelfReportLink.patient_id == patient_id).order_by(SelfReportLink.id.desc()).limit(20)))


def revoke_link(session, actor, link_id: int, *, now: datetime | None = None) -> SelfReportLink:
    """A clinician on the care team revokes an unused link (audited)."""
    require_clinician(actor)
    link = session.get(SelfReportLink, link_id)
    if link is None:
        raise NotFound("No such link.")
    get_patient(session, actor, link.patient_id, need=CLINICAL, audit=False)
    now = now or datetime.now(UTC)
    if link.used_at is not None:
        raise RuleViolation("This link was already used.")
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by_id = now, actor.id
        session.flush()
        record(session, actor, "update", "self_report_link", link.id,
               patient_id=link.patient_id, detail="revoked")
    return link


def open_link(session, token: str, *, now: datetime | None = None,
              audit_open: bool = False) -> SelfReportLink:
    """The open link for ``token``, or LinkRefused with the reason. Refusals are audited,
    and so is the opening itself when ``audit_open`` (the patient's form is shown)."""
    now = now or datetime.now(UTC)
    link = None
    if isinstance(token, str) and 20 <= len(token) <= 100:
        link = session.scalar(select(SelfReportLink).where(
            SelfReportLink.token_hash == hash_token(token)))
    if link is None:
        record(session, None, "view", "self_report_link", None, outcome="denied",
               detail="unknown token")
        raise LinkRefused("unknown")
    status = link.status(now)
    if status == "open" and is_recorded(session, link.patient_id, link.instrument, link.point):
        status = "recorded"  # the clinician recorded this point meanwhile: nothing to fill
    if status != "open":
        record(session, None, "view", "self_report_link", link.id, patient_id=link.patient_id,
               outcome="denied", detail=status)
        raise LinkRefused(status)
    if audit_open:
        record(session, None, "view", "self_report_link", link.id, patient_id=link.patient_id,
               detail="opened by the patient", actor_email="patient self-report")
    return link


def submit_self_report(session, token: str, answers, *, settings=scoring.DEFAULT_SETTINGS,
                       now: datetime | None = None, today: date | None = None):
    """The patient's answers through a link: validated, then the link is used once.

    ``today`` is the clinic's local date (the administration's date); default: now's, at
    the clinic.
    Raises LinkRefused when the link is not open (also when a concurrent submission won),
    RuleViolation for invalid answers, ConflictError when the point is already recorded.
    """
    now = now or datetime.now(UTC)
    link = open_link(session, token, now=now)
    claimed = session.execute(
        update(SelfReportLink)
        .where(SelfReportLink.id == link.id, SelfReportLink.used_at.is_(None),
               SelfReportLink.revoked_at.is_(None), SelfReportLink.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise LinkRefused("used")
    session.refresh(link)
    admin = record_administration(session, None, link.patient, link.instrument, link.point,
                                  today or clinic_time.local_date(now), answers, settings=settings,
                                  source="self_report", today=today or clinic_time.local_date(now))
    link.administration_id = admin.id
    session.flush()
    record(session, None, "update", "self_report_link", link.id, patient_id=link.patient_id,
           detail="used", actor_email="patient self-report")
    return admin
