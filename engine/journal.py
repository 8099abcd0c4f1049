"""The journal of record: every command and order event, appended to SQLite before it takes effect.

One transaction per engine turn (group commit, raw `executemany`), WAL mode; `synchronous=NORMAL`
survives a process kill, FULL also survives power loss. The schema is created with sqlite-utils.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from engine import serialization
from engine.commands import Command
from engine.sqlite_wal import open_wal

_INSERT = "INSERT INTO journal (ts_ns, kind, type, payload) VALUES (?, ?, ?, ?)"


class Journal:
    """Append-only record of commands and events; `replay()` yields them back in order."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self._conn = open_wal(path, synchronous=synchronous, what="journal")
        db = sqlite_utils.Database(self._conn)
        if "journal" not in db.table_names():
            db["journal"].create(  # type: ignore[union-attr]
                {"seq": int, "ts_ns": int, "kind": str, "type": str, "payload": str}, pk="seq"
            )
        self.appended = 0

    def append(self, records: Sequence[Any]) -> None:
        """Write a batch in one transaction; returns only once the batch is committed."""
        if not records:
            return
        rows = []
        for record in records:
            type_name, payload = serialization.encode(record)
            kind = "command" if isinstance(record, Command) else "event"
            rows.append((record.ts_ns, kind, type_name, payload))
        conn = self._conn
        conn.execute("BEGIN")
        try:
            conn.executemany(_INSERT, rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self.appended += len(rows)

    def replay(self) -> Iterator[Any]:
        """Every journaled record, oldest first, decoded back into its dataclass."""
        cursor = self._conn.execute("SELECT type, payload FROM journal ORDER BY seq")
        for type_name, payload in cursor:
            yield serialization.decode(type_name, payload)

    def last_ts_ns(self) -> int | None:
        """Clock time of the newest record (a restarted market clock must not run backwards)."""
        row = self._conn.execute("SELECT MAX(ts_ns) FROM journal").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
