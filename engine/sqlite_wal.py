"""Opening the project's SQLite stores the same way: WAL, explicit transactions, a chosen durability."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_wal(path: str | Path, *, synchronous: str = "NORMAL", what: str = "store") -> sqlite3.Connection:
    """A connection in WAL mode with autocommit off the driver (callers BEGIN/COMMIT themselves).

    `synchronous` NORMAL survives a process kill; FULL also survives power loss. The parent folder is
    created when missing.
    """
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"{what} synchronous must be NORMAL or FULL, got {synchronous!r}")
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn
