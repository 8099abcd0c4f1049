"""Checkpoints: the recovered state at a journal seq, so a restart replays only the records after it.

A checkpoint is the order store, the ticket desk (with its ticket book) and the replay counters as they
stand after applying every journal record up to `seq`, written as one row of the `checkpoints` table in
the journal's own database. Recovery restores the newest checkpoint it can trust and replays the tail
with the same per-record step as `engine.recovery.replay_into`; with none, it replays everything.

The bytes are `engine.checkpoint_codec`'s; this module keeps them in the `checkpoints` table (or a side
file) and recovers from them.

A checkpoint may be taken only between engine turns, when the store and desk hold exactly what the
journal holds up to `seq` (nothing applied but not yet committed).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import events as ev
from engine.checkpoint_codec import FORMAT, CheckpointError, Refused, code_digest, restore, snapshot
from engine.desk import TicketDesk
from engine.journal import Journal
from engine.recovery import Counters, RecoveryReport, apply_records
from engine.store import OrderStore

__all__ = [
    "FORMAT", "KEEP", "CheckpointError", "CheckpointPolicy", "CheckpointRecovery", "Counters", "Refused", "Restored",
    "code_digest", "counters_at", "counters_of", "ensure_table", "journal_anchor", "load_latest",
    "recover_with_checkpoint", "restore", "side_path", "snapshot", "write_checkpoint",
]

KEEP = 2
"""Checkpoints kept in the table (the newest first); older ones are deleted with each write."""

_NUMBER = re.compile(r"(\d+)$")
_CREATE = """CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, format INTEGER NOT NULL, digest TEXT NOT NULL,
    created_ns INTEGER NOT NULL, blob BLOB NOT NULL, anchor TEXT)"""


def journal_anchor(conn: sqlite3.Connection, seq: int) -> str:
    """SHA-256 of the journal's record at `seq`: ties a checkpoint to the journal it was taken from (a side
    file left beside another journal of the same name is refused)."""
    row = conn.execute("SELECT ts_ns, type, payload FROM journal WHERE seq = ?", (seq,)).fetchone()
    return "" if row is None else hashlib.sha256(f"{row[0]}|{row[1]}|{row[2]}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Restored:
    """A checkpoint restored into `store` and `desk`: they now hold the journal's state up to `seq`."""

    seq: int
    store: OrderStore
    desk: TicketDesk
    counters: Counters


@dataclass(frozen=True, slots=True)
class CheckpointRecovery:
    """The outcome of `recover_with_checkpoint`: the report (as `replay_into` gives it, over the whole
    journal), the checkpoint used (None: full replay), the records replayed after it, and why each newer
    checkpoint was refused."""

    report: RecoveryReport
    checkpoint_seq: int | None
    tail_records: int
    refused: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    """When to take the next checkpoint: after `every_records` journal records or `every_ns` of journal
    time since the last one, whichever comes first (and only when there is something new)."""

    every_records: int = 5_000
    every_ns: int = 60 * 1_000_000_000

    def due(self, records_since: int, ns_since: int) -> bool:
        return records_since > 0 and (records_since >= self.every_records or ns_since >= self.every_ns)


# --- the checkpoints table ---------------------------------------------------------------------------------


def ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(_CREATE)
    if "anchor" not in {row[1] for row in conn.execute("PRAGMA table_info(checkpoints)")}:
        conn.execute("ALTER TABLE checkpoints ADD COLUMN anchor TEXT")


def write_checkpoint(
    conn: sqlite3.Connection, seq: int, store: OrderStore, desk: TicketDesk, counters: Counters, *,
    now_ns: int | None = None, keep: int = KEEP, at_head: bool = True, side_file: bool = False, anchor: str = "",
) -> int:
    """Store a checkpoint of the state at journal `seq` in its own transaction on `conn` (which must have
    none open); the older ones beyond `keep` go. Returns the blob's size.

    The live engine checkpoints between turns, so `seq` must be the journal's last record (`at_head`):
    when it holds records past `seq`, the state is not the journal's up to its seq and this refuses
    (CheckpointError). Tools that checkpoint a past point of a journal (benchmarks, tests) pass
    `at_head=False`, and are then trusted to pass the state after exactly the records up to `seq`."""
    blob = snapshot(store, desk, counters)
    ensure_table(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        last = seq if side_file else conn.execute("SELECT MAX(seq) FROM journal").fetchone()[0] or 0
        if last < seq or (at_head and last != seq):
            raise CheckpointError(f"the journal is at seq {last}, the state at {seq}: not between turns")
        if not side_file and not anchor:
            anchor = journal_anchor(conn, seq)
        conn.execute(
            "INSERT INTO checkpoints (seq, format, digest, created_ns, blob, anchor) VALUES (?, ?, ?, ?, ?, ?)",
            (seq, FORMAT, code_digest(), time.time_ns() if now_ns is None else now_ns, blob, anchor),
        )
        conn.execute("DELETE FROM checkpoints WHERE id NOT IN (SELECT id FROM checkpoints ORDER BY seq DESC, id DESC "
                     "LIMIT ?)", (max(1, keep),))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return len(blob)


def load_latest(
    conn: sqlite3.Connection, store: OrderStore, desk: TicketDesk, refused: list[str] | None = None, *,
    freeze: bool = True, max_seq: int | None = None, journal: sqlite3.Connection | None = None,
) -> Restored | None:
    """Restore the newest checkpoint this code can trust into the empty `store` and `desk` (the restoring
    engine's own, built with its configuration: its flows hold them); None when there is none. Each
    checkpoint passed over is described in `refused`, newest first. `freeze`: see `restore`."""
    if not _has_table(conn):
        return None
    # the blobs are read one at a time (sorting rows with their blobs would read them all)
    ensure_table(conn)
    rows = conn.execute("SELECT id, seq, format, digest, anchor FROM checkpoints ORDER BY seq DESC, id DESC")
    for row_id, seq, fmt, digest, anchor in rows.fetchall():
        reason = _header_problem(fmt, digest)
        if reason is None and max_seq is not None and seq > max_seq:
            reason = f"past the journal's last record {max_seq} (another journal's checkpoint)"
        if reason is None and journal is not None and anchor != journal_anchor(journal, seq):
            reason = "taken from another journal (its record at that seq differs)"
        if reason is None:
            with conn.blobopen("checkpoints", "blob", row_id, readonly=True) as stored:
                blob = stored.read()  # ~4x faster than SELECT for a blob of tens of MB
            try:
                counters = restore(blob, store, desk, freeze=freeze)
            except Refused as why:
                reason = str(why)
            else:
                return Restored(seq, store, desk, counters)
        if refused is not None:
            refused.append(f"checkpoint at seq {seq}: {reason}")
    return None


def _header_problem(fmt: int, digest: str) -> str | None:
    if fmt != FORMAT:
        return f"format {fmt}, this code reads {FORMAT}"
    if digest != code_digest():
        return "written by other code (source digest differs)"
    return None


def _has_table(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").fetchone()
    return found is not None


# --- recovery ---------------------------------------------------------------------------------------------


def recover_with_checkpoint(
    journal: Journal | str | Path, store: OrderStore, desk: TicketDesk, *, freeze: bool = True,
    also: Callable[[ev.Event], None] | None = None,
) -> CheckpointRecovery:
    """`replay_into` from the newest trusted checkpoint: restore it into the empty `store` and `desk`, then
    apply the journal records after its seq exactly as `replay_into` does (`also` sees those). No
    checkpoint (or none this code and configuration can trust): the whole journal is replayed."""
    own = not isinstance(journal, Journal)
    source = Journal(journal) if not isinstance(journal, Journal) else journal
    try:
        refused: list[str] = []
        restored = _load_newest(source, store, desk, refused, freeze)
        start = Counters() if restored is None else restored.counters
        after = 0 if restored is None else restored.seq
        counters, tail = apply_records(store, desk, source.replay(after), start, also)
    finally:
        if own:
            source.close()
    report = counters.report(store.fill_count, from_checkpoint=restored is not None)
    return CheckpointRecovery(report, None if restored is None else restored.seq, tail, tuple(refused))


def side_path(journal_path: Path) -> Path:
    """The side database background checkpoints go to (`journal-DAY.db` -> `journal-DAY.checkpoints.db`): a
    forked child must never use the file its parent has open (SQLite's locks are per process)."""
    return journal_path.with_name(f"{journal_path.stem}.checkpoints{journal_path.suffix or '.db'}")


def _load_newest(
    journal: Journal, store: OrderStore, desk: TicketDesk, refused: list[str], freeze: bool
) -> Restored | None:
    """The newest trusted checkpoint of the journal's own table or of its side file (not past the journal's
    last record: a side file from another journal at that path is refused)."""
    conn = journal.ledger.conn
    candidates = []
    if _has_table(conn):
        candidates.append(conn)
    side = side_path(journal.path)
    side_conn = sqlite3.connect(str(side)) if journal.path.name != ":memory:" and side.exists() else None
    try:
        if side_conn is not None and _has_table(side_conn):
            candidates.append(side_conn)
        last = journal.last_seq()
        newest = sorted(candidates, key=lambda c: -(c.execute("SELECT MAX(seq) FROM checkpoints WHERE seq <= ?",
                                                              (last,)).fetchone()[0] or 0))
        for candidate in newest:
            restored = load_latest(candidate, store, desk, refused, freeze=freeze, max_seq=last, journal=conn)
            if restored is not None:
                return restored
        return None
    finally:
        if side_conn is not None:
            side_conn.close()


def counters_of(report: RecoveryReport) -> Counters:
    """The counters a full `replay_into` reached (to checkpoint right after a recovery)."""
    return Counters(report.records, report.events, report.next_parent - 1, report.next_child - 1, report.parents,
                    report.children)


def counters_at(seq: int, store: OrderStore, events: int) -> Counters:
    """The counters at journal `seq` for a live engine between turns: records = seq (journal rows are
    never deleted, so seqs run 1..n), the highest parent and child numbers from the store (every
    ParentAccepted and ChildSubmitted replay counts is in it), `events` as the engine counted them."""
    parent_ids, child_ids = store.parent_ids(), store.child_ids()  # ids only: no view per order on the loop
    last_parent = max((_number(p) for p in parent_ids[-1:]), default=0)  # ids are issued in increasing order
    last_child = max((_number(c) for c in child_ids[-1:]), default=0)
    return Counters(seq, events, last_parent, last_child, len(parent_ids), len(child_ids))


def _number(order_id: str) -> int:
    match = _NUMBER.search(order_id)
    return int(match.group(1)) if match else 0
