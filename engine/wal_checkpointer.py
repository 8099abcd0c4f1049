"""SQLite's WAL checkpoints off the event loop.

In WAL mode each commit appends to the `-wal` file, and by default the connection that commits copies
the WAL back into the database (an fsync under `synchronous=NORMAL`) whenever it has grown past 1,000
pages. On the ledger that connection is the engine's loop, so every few megabytes of journal one turn's
commit stalled for milliseconds, and every FIX session and the GUI waited with it (bench.fix_path: the
slowest decision-to-wire 6.2-7.4 ms, against 3.3-4.4 ms with this thread).

The ledger turns the automatic checkpoint off and hands the work to this thread, which has its own
connection and runs a PASSIVE checkpoint (never waits for, never blocks, a writer or a reader) after
every `every_commits` commits. The WAL starts over from its beginning only once a checkpoint has copied
all of it, which a checkpoint beside a writer that never pauses cannot promise: so every `takeover_commits`
commits the loop runs one itself, between two turns (after any checkpoint under way). It copies only what
the thread has not, usually nothing, and then the next commit starts the WAL over: the WAL never holds more
than about `takeover_commits` turns, whatever share of the CPU the thread gets.

Durability is unchanged: a commit is in the WAL before `COMMIT` returns, a kill -9 keeps it, and
recovery reads the WAL as before. The thread starts at the first checkpoint due, so short-lived ledgers
(tools, unit tests) never start one. `paused()` holds off the next checkpoint while the engine forks (a
child must not inherit SQLite's locks mid-checkpoint).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

EVERY_COMMITS = 256
"""Commits between two checkpoints (a turn writes a few kB: the WAL stays around a megabyte)."""
TAKEOVER_COMMITS = 4 * EVERY_COMMITS
"""Commits between two checkpoints the loop runs itself (they bound the WAL to a few MB)."""


class WalCheckpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on a thread of its own when enough commits have piled up."""

    def __init__(self, path: Path, every_commits: int = EVERY_COMMITS,
                 takeover_commits: int = TAKEOVER_COMMITS) -> None:
        if not 0 < every_commits <= takeover_commits:
            raise ValueError(f"need 0 < every_commits <= takeover_commits, got {every_commits}, {takeover_commits}")
        self.path = path
        self.every_commits = every_commits
        self.takeover_commits = takeover_commits
        self.checkpoints = 0
        self.takeovers = 0
        self._since_takeover = every_commits // 2  # half a period off the thread's: they rarely meet
        self.frames_copied = 0
        self.last_error = ""
        self._pending = 0
        self._due = threading.Event()
        self._stop = False
        self._busy = threading.Lock()  # held while a checkpoint runs
        self._thread: threading.Thread | None = None

    def committed(self) -> bool:
        """Called after each commit (on the loop: one increment, and a wake-up every `every_commits`);
        True when the loop should run a checkpoint now (every `takeover_commits`: inside `paused()`)."""
        self._since_takeover += 1
        if self._since_takeover >= self.takeover_commits:
            self._since_takeover = 0
            self.takeovers += 1
            return True
        self._pending += 1
        if self._pending >= self.every_commits:
            self._pending = 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
                self._thread.start()
            self._due.set()
        return False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No checkpoint runs inside (one under way finishes first)."""
        with self._busy:
            yield

    @property
    def running(self) -> bool:
        """Whether the thread runs (it starts at the first checkpoint due)."""
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop the thread after any checkpoint under way (the connection that closes the database last
        then checkpoints what is left, as SQLite does)."""
        thread = self._thread
        if thread is None:
            return
        self._stop = True
        self._due.set()
        thread.join()
        self._thread = None

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=0)
        except sqlite3.Error as err:
            self.last_error = str(err)
            log.warning("WAL checkpointer for %s not started: %s", self.path, err)
            return
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._stop:
                    return
                with self._busy:
                    try:
                        _, _, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    except sqlite3.Error as err:  # the next one tries again; the WAL only grows meanwhile
                        self.last_error = str(err)
                        continue
                self.checkpoints += 1
                self.frames_copied += max(0, copied)
        finally:
            conn.close()
