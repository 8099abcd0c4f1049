"""Checkpoints during the day without stalling the loop: a forked child writes them.

Building a checkpoint of a 1M-record day takes seconds (bench.restart), too long for the engine's
loop. Between turns the engine forks (a few ms: the child gets a copy-on-write image of the state as
the journal has it at `seq`); the child serializes that image into a side database the parent never
opens (`checkpoint.side_path`: SQLite's locks are per process, so a child must not use its parent's
file) and exits with `os._exit`. The parent goes on at once and reaps the child later. A kill -9 of
the engine then restarts from a recent checkpoint instead of replaying the whole day. Where fork is
missing (not POSIX), only the checkpoint at a clean stop is written.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sqlite3
import time

from engine.checkpoint import journal_anchor, side_path, write_checkpoint
from engine.desk import TicketDesk
from engine.journal import Journal
from engine.recovery import Counters
from engine.store import OrderStore

log = logging.getLogger(__name__)
CHILD_LIMIT_S = 120


class BackgroundCheckpoints:
    """One child at a time, every `every_records` journal records (0: never)."""

    def __init__(self, journal: Journal, every_records: int) -> None:
        self._journal = journal
        self.every_records = every_records if hasattr(os, "fork") else 0
        self._last_seq = 0
        self._child: int | None = None
        self._opened_with = journal.last_seq() - journal.appended  # `appended` counts this process's only
        self.started = 0
        self.failed = 0

    def recovered_at(self, seq: int) -> None:
        """The state recovery left stands for the journal up to `seq`: count the next interval from there."""
        self._last_seq = seq

    def due(self) -> bool:
        if not self.every_records or self._running():
            return False
        return self._journal.appended + self._opened_with - self._last_seq >= self.every_records

    def start(self, seq: int, store: OrderStore, desk: TicketDesk, counters: Counters) -> None:
        """Fork a child that writes the checkpoint of the state at journal `seq` (call between turns)."""
        anchor = journal_anchor(self._journal.ledger.conn, seq)
        target = side_path(self._journal.path)
        with self._journal.ledger.checkpoints_paused():  # the child inherits no SQLite lock mid-checkpoint
            pid = os.fork()
        if pid == 0:  # the child: touch nothing of the parent's (no logging, no parent connections)
            code = 1
            # the parent's sockets and files stay the parent's: a listening port or a closed FIX connection
            # must not outlive the parent in its child (a restart could not bind; a peer would wait for FIN)
            os.closerange(3, _max_fd())
            gc.disable()  # no finalizer of a parent's object may run here (its descriptor number may be reused)
            signal.alarm(CHILD_LIMIT_S)  # a child that hangs is ended by the kernel, never left behind
            try:
                conn = sqlite3.connect(str(target), isolation_level=None, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                write_checkpoint(conn, seq, store, desk, counters, at_head=False, side_file=True, anchor=anchor)
                conn.close()
                code = 0
            finally:
                os._exit(code)
        self._child = pid
        self._last_seq = seq
        self.started += 1

    def wait(self, timeout_s: float = 30.0) -> None:
        """Reap a running child (at close), waiting at most `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while self._running() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _running(self) -> bool:
        if self._child is None:
            return False
        pid, status = os.waitpid(self._child, os.WNOHANG)
        if pid == 0:
            return True
        if os.waitstatus_to_exitcode(status) != 0:
            self.failed += 1
            log.warning("background checkpoint at seq %d failed (exit %s): the journal stays the truth",
                        self._last_seq, os.waitstatus_to_exitcode(status))
        self._child = None
        return False


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):
        return 65536
