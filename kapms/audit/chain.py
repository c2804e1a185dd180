"""The audit hash chain over plain values: what a seal covers and how it is computed.

Seal n = HMAC-SHA256(key, seal n-1 | canonical(row n)), seal 0 being GENESIS. The canonical
form is JSON of the chain position and every data column, so changing any value of a sealed
row, removing one, or moving one changes the seals from there on. The key lives outside the
database (a setting), so someone with only database rights cannot compute valid seals.
No database, no Flask.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

GENESIS = "0" * 64
# Every column a seal covers, in order. A new column of audit_events must be added here
# (and to the triggers' list) in a migration that seals from then on with the new form.
DATA_COLUMNS = ("id", "at", "user_id", "actor_email", "action", "entity_type", "entity_id",
                "patient_id", "ip_address", "outcome", "detail")


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(seq: int, row) -> bytes:
    """The bytes a seal covers: the chain position and the row's data columns."""
    return json.dumps([seq, *(_plain(row[c]) for c in DATA_COLUMNS)], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def seal(key: bytes, previous: str, seq: int, row) -> str:
    """The seal of ``row`` at position ``seq`` after the seal ``previous``."""
    return hmac.new(key, previous.encode("ascii") + b"|" + canonical(seq, row),
                    hashlib.sha256).hexdigest()


def key_from(secret: str | bytes) -> bytes:
    """The chain key derived from a configured secret (AUDIT_CHAIN_KEY, else SECRET_KEY)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, b"kapms audit chain v1", hashlib.sha256).digest()
