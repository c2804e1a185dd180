"""Item wording: shipped text, or the licensed MBI-GS text a clinic loads (no Flask)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from kapms.audit.services import record
from kapms.errors import PermissionDenied, RuleViolation
from kapms.measures.instruments import get_instrument
from kapms.measures.models import LicensedItemText


def load_item_texts(session, actor, instrument: str, texts: dict[int, str]) -> int:
    """Replace the stored wording of a licensed instrument (admin; None from the CLI)."""
    if actor is not None and not actor.has_role("admin"):
        raise PermissionDenied("Only an admin can load licensed item text.")
    inst = get_instrument(instrument)
    if sorted(texts) != list(range(1, inst.item_count + 1)):
        raise RuleViolation(f"{instrument} needs text for items 1-{inst.item_count}.")
    existing = {t.item_number: t for t in session.scalars(
        select(LicensedItemText).where(LicensedItemText.instrument == instrument))}
    for number, text in texts.items():
        row = existing.get(number) or LicensedItemText(instrument=instrument, item_number=number)
        row.text, row.loaded_by_id, row.loaded_at = text, getattr(actor, "id", None), datetime.now(UTC)
        session.add(row)
    session.flush()
    record(session, actor, "update", "licensed_item_text", instrument,
           detail=f"{len(texts)} items")
    return len(texts)


def item_labels(session, instrument: str) -> list[str]:
    """The wording of each item: shipped text, loaded licensed text, or "Item n"."""
    inst = get_instrument(instrument)
    if inst.items:
        return list(inst.items)
    loaded = dict(session.execute(select(LicensedItemText.item_number, LicensedItemText.text)
                                  .where(LicensedItemText.instrument == instrument)).all())
    return [loaded.get(n, f"Item {n}") for n in range(1, inst.item_count + 1)]


def option_labels(instrument: str) -> list[tuple[int, str]]:
    """(value, label) for each answer; the bare number when the wording is licensed."""
    inst = get_instrument(instrument)
    labels = inst.option_labels or tuple(str(v) for v in inst.answer_values)
    return list(zip(inst.answer_values, labels, strict=True))
