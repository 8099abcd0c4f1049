"""The scorecard across days: one SQLite file of its own (default `venue_scorecard.db` beside the
journals), one row per (day, venue, order type, size bucket) holding that day's sums.

Reads happen once, at start-up, before the loop runs. Writes never block the loop: `write` hands a
snapshot of today's rows to a writer thread that owns its own connection and commits each snapshot in
one transaction (`close` drains it). The day's journal is the wrong home: it starts empty every day.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import re
import sqlite3
import threading
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path

from engine.model import VenueId
from engine.routing.scorecard import ScoreKey, VenueStats

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_FIELDS = tuple(f.name for f in fields(VenueStats))
_MONEY = {"fees_paid", "rebates_earned"}
_DECIMAL_TEXT = re.compile(r"-?\d{1,18}(\.\d{1,12})?")
_NAME = re.compile(r"[A-Za-z0-9_+\-]{1,32}")
_COLUMNS = ", ".join(f"{name} {'TEXT' if name in _MONEY else 'REAL'} NOT NULL" for name in _FIELDS)
_CREATE = (
    "CREATE TABLE IF NOT EXISTS scorecard_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS venue_scorecard (day TEXT NOT NULL, venue TEXT NOT NULL, order_type TEXT NOT NULL,"
    f" bucket TEXT NOT NULL, {_COLUMNS}, PRIMARY KEY (day, venue, order_type, bucket))",
)
_UPSERT = (f"INSERT OR REPLACE INTO venue_scorecard (day, venue, order_type, bucket, {', '.join(_FIELDS)}) "
           f"VALUES ({', '.join('?' * (4 + len(_FIELDS)))})")

Rows = list[tuple[ScoreKey, VenueStats]]


@dataclass(frozen=True, slots=True)
class Folded:
    """How far into which journal a snapshot of today's sums reaches (written with the sums, in one
    transaction): a restart folds the records after `seq` that the snapshot has not seen."""

    day: str
    journal: str
    seq: int


class ScorecardStoreError(RuntimeError):
    """The scorecard file cannot be used (not ours, a newer schema, unreadable); the message says why."""


class ScorecardStore:
    """Loads past days once; writes today's sums from a background thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path)
            try:
                self._prepare(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as err:
            raise ScorecardStoreError(f"venue scorecard {path} cannot be used: {err}") from None
        self._queue: queue.SimpleQueue[tuple[str, Rows, Folded | None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.writes = 0
        self.last_error = ""

    @staticmethod
    def _prepare(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        with conn:
            for statement in _CREATE:
                conn.execute(statement)
            row = conn.execute("SELECT value FROM scorecard_meta WHERE key = 'schema'").fetchone()
            if row is None:
                conn.execute("INSERT INTO scorecard_meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise ScorecardStoreError(f"scorecard schema {row[0]!r} is not {SCHEMA_VERSION}")

    def load(self, today: dt.date, half_life_days: float, max_days: int) -> tuple[Rows, Rows]:
        """(past days weighted by 0.5 ** (age / half_life), today's sums as they were) over `max_days`."""
        first = (today - dt.timedelta(days=max_days)).isoformat()
        conn = sqlite3.connect(self.path)
        try:
            found = conn.execute(
                f"SELECT day, venue, order_type, bucket, {', '.join(_FIELDS)} FROM venue_scorecard "
                "WHERE day >= ? AND day <= ? ORDER BY day", (first, today.isoformat())).fetchall()
        except sqlite3.DatabaseError as err:
            raise ScorecardStoreError(f"venue scorecard {self.path} cannot be read: {err}") from None
        finally:
            conn.close()
        history: dict[ScoreKey, VenueStats] = {}
        current: Rows = []
        for row in found:
            key, stats, day = _parse(row)
            if day == today:
                current.append((key, stats))
            else:
                weight = 0.5 ** ((today - day).days / half_life_days)
                history.setdefault(key, VenueStats()).add(stats, weight)
        return sorted(history.items(), key=lambda item: _order(item[0])), current

    def folded(self, today: dt.date) -> Folded | None:
        """Where today's last written snapshot reaches into the journal (None: not known, or another day)."""
        conn = sqlite3.connect(self.path)
        try:
            row = conn.execute("SELECT value FROM scorecard_meta WHERE key = 'folded'").fetchone()
        except sqlite3.DatabaseError as err:
            raise ScorecardStoreError(f"venue scorecard {self.path} cannot be read: {err}") from None
        finally:
            conn.close()
        if row is None:
            return None
        try:
            found = json.loads(row[0])
            folded = Folded(str(found["day"]), str(found["journal"]), int(found["seq"]))
        except (ValueError, KeyError, TypeError):
            log.warning("venue scorecard %s: unreadable journal position %r ignored", self.path, row[0][:200])
            return None
        return folded if folded.day == today.isoformat() and folded.seq >= 0 else None

    def write(self, day: dt.date, rows: Rows, folded: Folded | None = None) -> None:
        """Queue today's sums for the writer thread (returns at once), with how far into the journal they
        reach when known."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scorecard-writer", daemon=True)
            self._thread.start()
        self._queue.put((day.isoformat(), [(key, stats.copy()) for key, stats in rows], folded))

    def close(self) -> None:
        """Write what is queued and stop the thread (blocks until done: call at shutdown)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self.path)
        try:
            while (item := self._queue.get()) is not None:
                day, rows, folded = item
                try:
                    with conn:
                        conn.executemany(_UPSERT, [_encode(day, key, stats) for key, stats in rows])
                        if folded is not None:
                            conn.execute("INSERT OR REPLACE INTO scorecard_meta VALUES ('folded', ?)", (json.dumps(
                                {"day": folded.day, "journal": folded.journal, "seq": folded.seq}),))
                    self.writes += 1
                except sqlite3.Error as err:  # keep routing; the next snapshot tries again
                    self.last_error = str(err)
                    log.warning("venue scorecard not written to %s: %s", self.path, err)
        finally:
            conn.close()


def _order(key: ScoreKey) -> tuple[str, str, str]:
    return key.venue, key.order_type, key.bucket


def _encode(day: str, key: ScoreKey, stats: VenueStats) -> tuple[object, ...]:
    values = [str(v) if isinstance(v, Decimal) else float(v) for v in (getattr(stats, n) for n in _FIELDS)]
    return (day, key.venue, key.order_type, key.bucket, *values)


def _parse(row: tuple[object, ...]) -> tuple[ScoreKey, VenueStats, dt.date]:
    day_text, venue, kind, bucket, *values = row
    try:
        day = dt.date.fromisoformat(str(day_text)[:10])
    except ValueError:
        raise ScorecardStoreError(f"scorecard row has a bad day {day_text!r}") from None
    for name, value in (("venue", venue), ("order type", kind), ("bucket", bucket)):
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise ScorecardStoreError(f"scorecard row of {day} has a bad {name} {value!r}")
    stats = VenueStats()
    for name, value in zip(_FIELDS, values, strict=True):
        if name in _MONEY:
            if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value):
                raise ScorecardStoreError(f"scorecard row {day} {venue}: {name} {value!r} is not a decimal amount")
            setattr(stats, name, Decimal(value))
        elif isinstance(value, int | float) and value == value and abs(value) < 1e18:
            setattr(stats, name, float(value))
        else:
            raise ScorecardStoreError(f"scorecard row {day} {venue}: {name} {value!r} is not a number")
    return ScoreKey(VenueId(str(venue)), str(kind), str(bucket)), stats, day
