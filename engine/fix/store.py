"""Persistent FIX session state: next sequence numbers per session and sent application messages.

Writes are staged in memory and land in the `Ledger`'s one transaction (engine/ledger.py), together
with the journal's records of the same turn: `commit()` commits the whole ledger. The acceptor
commits before any byte goes on the wire, so anything a counterparty has seen can be resent after
a restart, and an inbound message's sequence number is stored in the same transaction as the
ticket it created. WAL mode; `synchronous=NORMAL` survives a process kill, FULL also survives power
loss. The schema is created with sqlite-utils.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from engine.fix.config import SessionId
from engine.ledger import Ledger, ledger_for

_UPSERT_SEQS = (
    "INSERT INTO fix_sessions (session_id, next_sender_seq, next_target_seq) VALUES (?, ?, ?) "
    "ON CONFLICT(session_id) DO UPDATE SET next_sender_seq=excluded.next_sender_seq, "
    "next_target_seq=excluded.next_target_seq"
)
_INSERT_MESSAGE = (
    "INSERT OR REPLACE INTO fix_outbound (session_id, seq, msg_type, sending_time, body) VALUES (?, ?, ?, ?, ?)"
)


class SeqNums(NamedTuple):
    next_sender: int
    next_target: int


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """An application message we sent, kept so a ResendRequest can be answered with it."""

    seq_num: int
    msg_type: str
    sending_time: str
    body: bytes


class _Staged(NamedTuple):
    """One session's rows staged since the last commit."""

    session_id: SessionId
    rows: list[tuple[str, int, str, str, bytes]]
    dirty: bool
    reset: bool


class SessionStore:
    """SQLite-backed sequence numbers and outbound messages for every session of one acceptor."""

    def __init__(self, path: str | Path | Ledger, *, synchronous: str = "NORMAL") -> None:
        self.ledger = ledger_for(path, synchronous=synchronous)
        self.path = self.ledger.path
        self._conn = self.ledger.conn
        db = sqlite_utils.Database(self._conn)
        tables = set(db.table_names())
        if "fix_sessions" not in tables:
            db["fix_sessions"].create(  # type: ignore[union-attr]
                {"session_id": str, "next_sender_seq": int, "next_target_seq": int}, pk="session_id"
            )
        if "fix_outbound" not in tables:
            db["fix_outbound"].create(  # type: ignore[union-attr]
                {"session_id": str, "seq": int, "msg_type": str, "sending_time": str, "body": bytes},
                pk=("session_id", "seq"),
            )
        self._seqs: dict[SessionId, list[int]] = {}
        self._dirty: set[SessionId] = set()
        self._pending: list[tuple[str, int, str, str, bytes]] = []
        self._resets: set[SessionId] = set()
        self.ledger.join(self)

    def _entry(self, session_id: SessionId) -> list[int]:
        entry = self._seqs.get(session_id)
        if entry is None:
            row = self._conn.execute(
                "SELECT next_sender_seq, next_target_seq FROM fix_sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            entry = [int(row[0]), int(row[1])] if row else [1, 1]
            self._seqs[session_id] = entry
        return entry

    def seq_nums(self, session_id: SessionId) -> SeqNums:
        """Next MsgSeqNum we will send and next one we expect; (1, 1) for a session never seen."""
        entry = self._entry(session_id)
        return SeqNums(entry[0], entry[1])

    def set_next_sender(self, session_id: SessionId, seq_num: int) -> None:
        self._entry(session_id)[0] = seq_num
        self._dirty.add(session_id)

    def set_next_target(self, session_id: SessionId, seq_num: int) -> None:
        self._entry(session_id)[1] = seq_num
        self._dirty.add(session_id)

    def save_outbound(self, session_id: SessionId, seq_num: int, msg_type: str, sending_time: str, body: bytes) -> None:
        """Keep an application message for resend (written at the next commit)."""
        self._pending.append((session_id, seq_num, msg_type, sending_time, body))

    def outbound(self, session_id: SessionId, begin: int, end: int) -> list[StoredMessage]:
        """Stored application messages with begin <= seq <= end, in sequence order: the committed ones and
        those staged in the current turn. It does not commit: a resend answered in the middle of a turn
        must not commit half of that turn."""
        found: dict[int, StoredMessage] = {}
        if session_id not in self._resets:
            rows = self._conn.execute(
                "SELECT seq, msg_type, sending_time, body FROM fix_outbound "
                "WHERE session_id = ? AND seq BETWEEN ? AND ? ORDER BY seq",
                (session_id, begin, end),
            ).fetchall()
            found = {int(seq): StoredMessage(int(seq), str(mt), str(st), bytes(body)) for seq, mt, st, body in rows}
        for sid, seq, msg_type, sending_time, body in self._pending:
            if sid == session_id and begin <= seq <= end:
                found[seq] = StoredMessage(seq, msg_type, sending_time, body)
        return [found[seq] for seq in sorted(found)]

    @property
    def commits(self) -> int:
        return self.ledger.commits

    # LedgerWriter
    def has_pending(self) -> bool:
        return bool(self._dirty or self._pending or self._resets)

    def write_pending(self, conn: sqlite3.Connection) -> None:
        for session_id in self._resets:
            conn.execute("DELETE FROM fix_outbound WHERE session_id = ?", (session_id,))
        if self._pending:
            conn.executemany(_INSERT_MESSAGE, self._pending)
        if self._dirty:
            conn.executemany(_UPSERT_SEQS, [(sid, *self._seqs[sid]) for sid in self._dirty])

    def clear_pending(self) -> None:
        self._pending.clear()
        self._dirty.clear()
        self._resets.clear()

    def commit(self) -> None:
        """Commit the ledger: every pending sequence number and message, with the rest of the turn."""
        self.ledger.commit()

    def commit_isolating(self) -> list[tuple[SessionId, str]]:
        """Commit; if that fails, commit the other writers' rows without ours, then each session's rows in a
        transaction of its own, and drop the rows of every session whose commit fails (returned with the
        error: they must be closed). Raises, with our rows still staged, when the failure is not in our rows."""
        try:
            self.commit()
            return []
        except Exception:
            staged = {sid: self._take(sid) for sid in self.staged_sessions()}
            if not staged:
                raise
        try:
            self.commit()
        except Exception:
            for part in staged.values():
                self._put(part)
            raise
        failed: list[tuple[SessionId, str]] = []
        for session_id, part in staged.items():
            self._put(part)
            try:
                self.commit()
            except Exception as exc:
                self.discard(session_id)
                failed.append((session_id, f"{type(exc).__name__}: {exc}"))
        return failed

    def _take(self, session_id: SessionId) -> _Staged:
        rows = [row for row in self._pending if row[0] == session_id]
        part = _Staged(session_id, rows, session_id in self._dirty, session_id in self._resets)
        self._pending = [row for row in self._pending if row[0] != session_id]
        self._dirty.discard(session_id)
        self._resets.discard(session_id)
        return part

    def _put(self, part: _Staged) -> None:
        self._pending.extend(part.rows)
        if part.dirty:
            self._dirty.add(part.session_id)
        if part.reset:
            self._resets.add(part.session_id)

    def reset(self, session_id: SessionId) -> None:
        """Start the session over: both sequence numbers back to 1, stored messages forgotten."""
        self._pending = [row for row in self._pending if row[0] != session_id]
        self._seqs[session_id] = [1, 1]
        self._dirty.add(session_id)
        self._resets.add(session_id)

    def staged_sessions(self) -> list[SessionId]:
        """Sessions with rows staged since the last commit, in a stable order."""
        return sorted(self._dirty | {SessionId(row[0]) for row in self._pending} | self._resets)

    def discard(self, session_id: SessionId) -> None:
        """Forget what `session_id` staged since the last commit (its numbers go back to the committed ones):
        a session closed because the commit failed must not leave rows behind that fail every later one."""
        self._pending = [row for row in self._pending if row[0] != session_id]
        self._dirty.discard(session_id)
        self._resets.discard(session_id)
        self._seqs.pop(session_id, None)

    def close(self) -> None:
        self.ledger.leave(self)
