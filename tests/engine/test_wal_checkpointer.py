"""The ledger's WAL is copied back into the database by a thread of its own, never by the loop's commits:
the WAL stays small, nothing committed is lost, and a checkpoint never runs while the engine forks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from engine.ledger import Ledger
from engine.wal_checkpointer import EVERY_COMMITS, TAKEOVER_COMMITS


class Rows:
    """A ledger writer staging one row of `size` bytes per turn."""

    def __init__(self, ledger: Ledger, size: int = 2000) -> None:
        ledger.conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, v BLOB)")
        self.ledger, self.size, self.staged, self.n = ledger, size, False, 0
        ledger.join(self)

    def turn(self) -> None:
        self.staged = True
        self.ledger.commit()

    def has_pending(self) -> bool:
        return self.staged

    def write_pending(self, conn: sqlite3.Connection) -> None:
        self.n += 1
        conn.execute("INSERT INTO t VALUES (?, ?)", (self.n, b"x" * self.size))

    def clear_pending(self) -> None:
        self.staged = False


def wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.005)


def test_the_loop_never_checkpoints_and_the_thread_keeps_the_wal_small(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = Ledger(path)
    assert ledger.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert ledger.wal is not None
    rows = Rows(ledger)
    for _ in range(EVERY_COMMITS - 1):
        rows.turn()
    assert ledger.wal.checkpoints == 0  # not yet due: no thread either
    largest = 0
    for _ in range(20 * EVERY_COMMITS):  # a writer that never pauses: about 40 MB of WAL frames unchecked
        rows.turn()
        largest = max(largest, wal_bytes(path))
    wal = ledger.wal
    until(lambda: wal.checkpoints >= 1)
    assert wal.frames_copied > 0 and not wal.last_error and wal.takeovers == 5
    # bounded by the loop's own checkpoints, whatever CPU the thread got: at most about TAKEOVER_COMMITS
    # turns of two to three 4 kB pages each (the rows are 2 kB)
    assert largest < (TAKEOVER_COMMITS + EVERY_COMMITS) * 3 * 4120, largest
    ledger.leave(rows)
    with sqlite3.connect(path) as conn:  # everything committed is there
        assert conn.execute("SELECT COUNT(*), MAX(n) FROM t").fetchone() == (21 * EVERY_COMMITS - 1,) * 2


def test_no_checkpoint_runs_while_paused(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    rows = Rows(ledger, size=100)
    assert ledger.wal is not None
    wal = ledger.wal
    with ledger.checkpoints_paused():
        for _ in range(2 * EVERY_COMMITS):
            rows.turn()
        time.sleep(0.1)
        assert wal.checkpoints == 0  # due twice, held off
    until(lambda: wal.checkpoints >= 1)
    ledger.leave(rows)


def test_closing_the_ledger_stops_the_thread(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    rows = Rows(ledger, size=100)
    for _ in range(EVERY_COMMITS):
        rows.turn()
    assert ledger.wal is not None and ledger.wal.running
    wal = ledger.wal
    ledger.leave(rows)
    assert not wal.running
    assert not (tmp_path / "ledger.db-wal").exists()  # the last connection out checkpointed and removed it


def commit_then_die(path: Path, commits: int) -> None:
    """In a child process: `commits` turns with checkpoints running beside them, then SIGKILL."""
    import os
    import signal

    ledger = Ledger(path)
    rows = Rows(ledger)
    for _ in range(commits):
        rows.turn()
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_kill_9_among_the_checkpoints_keeps_every_commit(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    path, commits = tmp_path / "ledger.db", 9 * EVERY_COMMITS + 7
    script = ("import sys\nfrom pathlib import Path\n"
              "from tests.engine.test_wal_checkpointer import commit_then_die\n"
              "commit_then_die(Path(sys.argv[1]), int(sys.argv[2]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(commits)], cwd=root, capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*), MAX(n) FROM t").fetchone() == (commits, commits)
