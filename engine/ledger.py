"""One SQLite database, one transaction per turn, for every store a turn touches.

The journal, the FIX session store (sequence numbers, sent messages) and the OMS order store each
*stage* their rows in memory and join the same `Ledger`. `Ledger.commit()` writes every writer's
staged rows in ONE transaction, so a kill -9 leaves either all of a turn's changes or none of them.

The invariant, enforced here and by the callers that own an effect:
    nothing leaves the process (venue request, FIX bytes, GUI update) before the commit that
    holds everything staged up to that moment.
Whoever is about to act (the engine before its venue requests and subscribers, the FIX acceptor
before writing to a socket) calls `commit()` first; it is cheap when nothing is staged.

Why one database and not ATTACHed files: SQLite commits a transaction over attached databases
atomically only with a rollback journal; in WAL mode (which we need for kill -9 durability at
group-commit speed) each attached file commits on its own, so a kill between the two commits
could split the turn (SQLite's ATTACH documentation: with WAL, a transaction over several files is
atomic only within each file).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Protocol

from engine import failpoints
from engine.sqlite_wal import open_wal
from engine.wal_checkpointer import WalCheckpointer

log = logging.getLogger(__name__)


class LedgerWriter(Protocol):
    """A store that stages rows between commits."""

    def has_pending(self) -> bool:
        """True when rows are staged."""

    def write_pending(self, conn: sqlite3.Connection) -> None:
        """Write the staged rows inside the ledger's open transaction (no BEGIN/COMMIT here)."""

    def clear_pending(self) -> None:
        """The transaction committed: forget the staged rows."""


class Ledger:
    """The database of record and its single write transaction per turn."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self.conn = open_wal(path, synchronous=synchronous, what="ledger")
        self.wal: WalCheckpointer | None = None
        """Copies the WAL into the database off the loop (engine/wal_checkpointer.py); None in memory."""
        if str(path) != ":memory:":
            self.conn.execute("PRAGMA wal_autocheckpoint=0")
            self.wal = WalCheckpointer(self.path)
        self._writers: list[LedgerWriter] = []
        self._owners = 0
        self.commits = 0
        self.closed = False

    def join(self, writer: LedgerWriter) -> None:
        """Make `writer`'s staged rows part of every commit from now on."""
        if writer not in self._writers:
            self._writers.append(writer)
        self._owners += 1

    def commit(self) -> None:
        """Write everything staged by every writer in one transaction; a failure rolls all of it back
        and raises (the staged rows stay staged)."""
        staged = [writer for writer in self._writers if writer.has_pending()]
        if not staged:
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for writer in staged:
                writer.write_pending(conn)
            failpoints.hit("ledger.before_commit")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        for writer in staged:
            writer.clear_pending()
        self.commits += 1
        if self.wal is not None and self.wal.committed():
            try:  # the writer's own, after any under way: it completes, and the WAL starts over at the next commit
                with self.wal.paused():
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as err:  # the turn is committed all the same; the thread goes on
                log.warning("ledger %s: WAL checkpoint on the loop failed: %s", self.path, err)
        failpoints.hit("ledger.after_commit")

    @contextmanager
    def checkpoints_paused(self) -> Iterator[None]:
        """No WAL checkpoint runs inside (the engine forks its checkpoint writer here)."""
        with self.wal.paused() if self.wal is not None else nullcontext():
            yield

    def leave(self, writer: LedgerWriter) -> None:
        """A writer is done (its store closes): commit what it staged; the last one out closes the file."""
        if self.closed:
            return
        self.commit()
        if writer in self._writers:
            self._writers.remove(writer)
        self._owners -= 1
        if self._owners <= 0:
            if self.wal is not None:
                self.wal.close()
            self.conn.close()
            self.closed = True


def ledger_for(target: str | Path | Ledger, *, synchronous: str = "NORMAL") -> Ledger:
    """The ledger to join: the one given, or a new one on its own file (tools and unit tests)."""
    return target if isinstance(target, Ledger) else Ledger(target, synchronous=synchronous)
