"""Checkpoints across the two builds of the ticket book: run with the build under test in a subprocess.

`python -m tests.engine.checkpoint_build RECOVER_DB WRITE_DB SEQ` recovers RECOVER_DB (restoring the
checkpoint another build wrote there) and prints what it recovered as JSON, then replays WRITE_DB up to
SEQ and writes a checkpoint there for the other build to restore.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from itertools import islice
from pathlib import Path
from typing import Any

from app.config import load_config
from engine import checkpoint as ck
from engine.desk import TicketDesk
from engine.journal import Journal
from engine.recovery import apply_records
from engine.store import OrderStore
from engine.tickets import IMPLEMENTATION
from engine.venues.sim.market import default_instruments


def fresh_state() -> tuple[OrderStore, TicketDesk]:
    config = load_config()
    return OrderStore(), TicketDesk(default_instruments(), config.aggregation, config.crossing)


def fingerprint(store: OrderStore, desk: TicketDesk) -> str:
    """Every view of the state, as text: equal state, equal fingerprint in any process and build."""
    parts: list[Any] = [store.parents(), store.children(), store.fills(), desk.rows(), store.live_child_ids()]
    parts += [desk.block_view(p.parent_id) for p in store.parents()]
    parts += [desk.book.ticket_fills(t) for t in desk.ticket_ids()]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def write_at(path: Path, seq: int) -> None:
    store, desk = fresh_state()
    journal = Journal(path)
    counters, _ = apply_records(store, desk, islice(journal.replay(), seq), ck.Counters())
    journal.close()
    conn = sqlite3.connect(path, isolation_level=None)
    ck.write_checkpoint(conn, seq, store, desk, counters, at_head=False)
    conn.close()


def main() -> None:
    recover_db, write_db, seq = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    store, desk = fresh_state()
    outcome = ck.recover_with_checkpoint(recover_db, store, desk)
    write_at(write_db, seq)
    print(json.dumps({
        "compiled": IMPLEMENTATION.compiled,
        "checkpoint_seq": outcome.checkpoint_seq,
        "refused": list(outcome.refused),
        "fingerprint": fingerprint(store, desk),
    }))


if __name__ == "__main__":
    main()
