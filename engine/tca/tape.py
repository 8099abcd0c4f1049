"""Reading the recorded market tape (`tape_recorder`): as-of quotes, volume and VWAP between two instants.

A row is the symbol's consolidated top of book as of its timestamp, with the volume and notional traded
since the previous row; cumulative sums make volume and VWAP over (t0, t1] two lookups. Between two rows
the quote is the earlier row's (at most one 250 ms slot stale while the market moves).
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

_TWO = Decimal(2)


@dataclass(frozen=True, slots=True)
class TapePoint:
    """One tape row: the quote as of `ts_ns` and what traded since the row before."""

    ts_ns: int
    bid: Decimal | None
    ask: Decimal | None
    volume: int = 0
    notional: Decimal = Decimal(0)
    last: Decimal | None = None  # the last trade price up to `ts_ns` (None: no trade in the row)

    @property
    def mid(self) -> Decimal | None:
        return None if self.bid is None or self.ask is None else (self.bid + self.ask) / _TWO


class Tape:
    """One symbol's recorded market over a day (rows in time order)."""

    def __init__(self, points: Iterable[TapePoint]) -> None:
        self.points = sorted(points, key=lambda p: p.ts_ns)
        self._ts = [p.ts_ns for p in self.points]
        self._cum_volume = [0]
        self._cum_notional = [Decimal(0)]
        for point in self.points:
            self._cum_volume.append(self._cum_volume[-1] + point.volume)
            self._cum_notional.append(self._cum_notional[-1] + point.notional)

    def __bool__(self) -> bool:
        return bool(self.points)

    @property
    def first_ns(self) -> int | None:
        return self._ts[0] if self._ts else None

    @property
    def last_ns(self) -> int | None:
        return self._ts[-1] if self._ts else None

    def quote_at(self, t_ns: int, *, strict: bool = False) -> TapePoint | None:
        """The row in force at `t_ns` (strictly before it with `strict`: the market before an event at t)."""
        i = (bisect.bisect_left if strict else bisect.bisect_right)(self._ts, t_ns)
        return self.points[i - 1] if i > 0 else None

    def mid_at(self, t_ns: int, *, strict: bool = False) -> Decimal | None:
        point = self.quote_at(t_ns, strict=strict)
        return None if point is None else point.mid

    def covers(self, t_ns: int) -> bool:
        """True when the tape runs at least to `t_ns` (a later quote is known)."""
        return bool(self._ts) and self._ts[-1] >= t_ns

    def volume(self, t0_ns: int, t1_ns: int) -> int:
        """Shares traded in (t0, t1] (to the tape's resolution)."""
        i, j = bisect.bisect_right(self._ts, t0_ns), bisect.bisect_right(self._ts, t1_ns)
        return self._cum_volume[j] - self._cum_volume[i] if j > i else 0

    def vwap(self, t0_ns: int, t1_ns: int) -> Decimal | None:
        """Volume-weighted average trade price in (t0, t1]; None when nothing traded."""
        i, j = bisect.bisect_right(self._ts, t0_ns), bisect.bisect_right(self._ts, t1_ns)
        volume = self._cum_volume[j] - self._cum_volume[i] if j > i else 0
        if volume <= 0:
            return None
        return (self._cum_notional[j] - self._cum_notional[i]) / volume

    def last_trade(self, t_ns: int) -> tuple[int, Decimal] | None:
        """(time, price) of the last trade at or before `t_ns`."""
        for point in reversed(self.points[:bisect.bisect_right(self._ts, t_ns)]):
            if point.last is not None:
                return point.ts_ns, point.last
        return None


def load_tapes(conn: sqlite3.Connection, symbols: Sequence[str], start_ns: int, end_ns: int) -> dict[str, Tape]:
    """The tapes of `symbols` over [start, end] from a journal database (empty tapes when it has none)."""
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'market_tape'").fetchone()
    tapes: dict[str, Tape] = {}
    for symbol in symbols:
        rows: list[tuple[int, str | None, str | None, int, str, str | None]] = []
        if has_table:
            rows = conn.execute(
                "SELECT ts_ns, bid, ask, volume, notional, last FROM market_tape WHERE symbol = ? AND ts_ns BETWEEN ? "
                "AND ? ORDER BY ts_ns", (symbol, start_ns, end_ns)).fetchall()
        tapes[symbol] = Tape(TapePoint(ts, _dec(bid), _dec(ask), volume, Decimal(notional), _dec(last))
                             for ts, bid, ask, volume, notional, last in rows)
    return tapes


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
