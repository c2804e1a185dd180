"""Sealing audit rows into the hash chain, and verifying the chain.

Why seal after commit: every page view writes audit rows. If each insert had to read the
last seal and write the next one inside the request's transaction, every request of every
worker would queue behind one lock held until its transaction ends. Instead requests insert
rows unsealed (``seq`` and ``chain_hash`` empty) and carry on; right after a commit that
wrote audit rows, a short separate transaction seals the oldest unsealed rows in id order:

- PostgreSQL: ``pg_try_advisory_xact_lock`` - if another worker is sealing, this one does not
  wait; the other (or the next commit anywhere) seals these rows too;
- SQLite: ``BEGIN IMMEDIATE`` - SQLite has one writer at a time anyway.

The seal transaction reads the head of the chain, computes up to ``batch`` seals and writes
them with one executemany; it never touches a row anyone else writes. Rows committed late
(a long request) simply get a later position. ``flask audit seal`` seals any backlog (e.g.
rows written before this feature, or while sealing failed). ``verify`` walks the chain by
``seq`` and reports changed, missing and inserted rows; see docs/audit.md.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, text, update

from kapms.audit.chain import DATA_COLUMNS, GENESIS, seal
from kapms.audit.models import AuditEvent

log = logging.getLogger(__name__)
TABLE = AuditEvent.__table__
_COLUMNS = [TABLE.c[name] for name in DATA_COLUMNS]
_LOCK_ID = 0x6B61706D73  # "kapms": the advisory lock that admits one sealer at a time
_key: bytes | None = None


def configure(key: bytes) -> None:
    """Set the chain key (from the app's settings, at start-up)."""
    global _key
    _key = key


def _chain_key(key: bytes | None) -> bytes:
    if key is None and _key is None:
        raise RuntimeError("the audit chain key is not configured")
    return key or _key


def seal_pending(engine, *, key: bytes | None = None, batch: int = 500,
                 max_batches: int = 1) -> int:
    """Seal up to ``batch * max_batches`` unsealed rows, oldest first; returns how many.
    Returns 0 at once when another process is sealing (PostgreSQL)."""
    key = _chain_key(key)
    sealed = 0
    for _ in range(max_batches):
        with engine.connect() as conn:
            done = _seal_batch(conn, key, batch)
            conn.commit()
        sealed += done
        if done < batch:
            break
    return sealed


def _seal_batch(conn, key: bytes, batch: int) -> int:
    if conn.dialect.name == "postgresql":
        if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _LOCK_ID}):
            return 0
    elif not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    head = conn.execute(select(TABLE.c.seq, TABLE.c.chain_hash)
                        .where(TABLE.c.seq.is_not(None))
                        .order_by(TABLE.c.seq.desc()).limit(1)).first()
    seq, previous = (head.seq, head.chain_hash) if head else (0, GENESIS)
    rows = conn.execute(select(*_COLUMNS).where(TABLE.c.seq.is_(None))
                        .order_by(TABLE.c.id).limit(batch)).mappings().all()
    seals = []
    for row in rows:
        seq += 1
        previous = seal(key, previous, seq, row)
        seals.append({"row_id": row["id"], "new_seq": seq, "new_hash": previous})
    if seals:
        conn.execute(update(TABLE)
                     .where(TABLE.c.id == bindparam("row_id"), TABLE.c.seq.is_(None))
                     .values(seq=bindparam("new_seq"), chain_hash=bindparam("new_hash")),
                     seals)
    return len(seals)


def seal_after_commit(engine) -> None:
    """The hook run after a commit that wrote audit rows: seal, never fail the request."""
    if _postpone is not None and _postpone(engine):
        return
    seal_now(engine)


def seal_now(engine) -> None:
    """Seal what is pending on ``engine``; a failure is logged, never raised."""
    try:
        seal_pending(engine)
    except Exception:  # e.g. SQLite busy: the next commit or `flask audit seal` catches up
        log.warning("audit sealing postponed", exc_info=True)


# The web layer postpones a request's sealing until its response has been sent
# (kapms.audit.web): nobody waits for it, and a page costs a transaction less. Set with
# ``postpone_with``; a callable (engine) -> True when it took the engine to seal later.
_postpone = None


def postpone_with(hook) -> None:
    """Install the hook that may postpone sealing (None: always seal at once)."""
    global _postpone
    _postpone = hook


@dataclass
class VerifyReport:
    """What ``verify`` found: problems (empty when the chain holds), sealed and unsealed
    row counts, and the head of the chain to note down as an anchor."""

    problems: list[str] = field(default_factory=list)
    sealed: int = 0
    unsealed: int = 0
    oldest_unsealed: datetime | None = None
    head_seq: int = 0
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def verify(conn, *, key: bytes | None = None, anchor: tuple[int, str] | None = None,
           backdating: timedelta = timedelta(minutes=10), batch: int = 5000) -> VerifyReport:
    """Walk the chain by ``seq`` and report every row whose seal does not match (changed,
    or inserted with a made-up seal), every gap (deleted rows), rows sealed with a time much
    earlier than rows sealed before them (inserted later with a past date), and a missing
    ``anchor`` (seq, seal) noted from an earlier run (rows deleted from the end)."""
    key = _chain_key(key)
    report = VerifyReport()
    expected, previous, latest = 1, GENESIS, None
    while True:
        rows = conn.execute(select(*_COLUMNS, TABLE.c.seq, TABLE.c.chain_hash)
                            .where(TABLE.c.seq >= expected).order_by(TABLE.c.seq)
                            .limit(batch)).mappings().all()
        for row in rows:
            n = row["seq"]
            if n != expected:
                gap = f"{expected}" if n == expected + 1 else f"{expected} to {n - 1}"
                report.problems.append(f"chain positions {gap} are missing (rows deleted)")
            if seal(key, previous, n, row) != row["chain_hash"]:
                report.problems.append(f"row at chain position {n} (id {row['id']}) does "
                                       "not match its seal (changed, or not sealed by the app)")
            if latest is not None and row["at"] < latest - backdating:
                report.problems.append(f"row at chain position {n} (id {row['id']}) is dated "
                                       f"{row['at']:%Y-%m-%d %H:%M} UTC, well before rows "
                                       "sealed earlier (inserted later with a past date?)")
            latest = row["at"] if latest is None else max(latest, row["at"])
            previous, expected = row["chain_hash"], n + 1
            report.sealed += 1
        if len(rows) < batch:
            break
    report.head_seq, report.head_hash = expected - 1, previous
    unsealed = conn.execute(select(func.count(), func.min(TABLE.c.at))
                            .where(TABLE.c.seq.is_(None))).one()
    report.unsealed, report.oldest_unsealed = unsealed[0], unsealed[1]
    if anchor is not None:
        found = conn.scalar(select(TABLE.c.chain_hash).where(TABLE.c.seq == anchor[0]))
        if found != anchor[1]:
            report.problems.append(f"the anchor noted earlier (position {anchor[0]}) is no "
                                   "longer in the chain (rows removed from its end?)")
    return report
