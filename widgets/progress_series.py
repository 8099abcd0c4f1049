"""A parent's algo progress over time as numpy columns, bounded in memory; market volume per interval.

Two kinds of points: the algo's own snapshots (schedule, market volume and VWAP) and execution points
(filled, working and average price from the parent itself or from its fills), which keep the executed
line true where the algo publishes nothing: after the last fill of a finished parent, while paused, or
for what happened before a restart (rebuilt from the journal's fills). An execution point leaves the
algo's columns NaN; every series is drawn from its own finite samples.

Pure (numpy, no Qt). Prices become floats here: they are only drawn, never computed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from widgets.rows import FillRow, ProgressSnapshot

Array = npt.NDArray[np.float64]
NS_PER_S = 1_000_000_000
DEFAULT_CAPACITY = 5_000
_INITIAL_ROWS = 64
_COLUMNS = ("t", "target", "filled", "working", "market_volume", "market_vwap", "avg_price", "arrival")
_T, _TARGET, _FILLED, _WORKING, _VOLUME, _VWAP, _AVG, _ARRIVAL = range(len(_COLUMNS))
NICE_INTERVALS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def _price(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Execution:
    """Where the parent itself stands (not the algo's view of it): the newest execution point."""

    ts_ns: int
    filled_qty: int
    working_qty: int
    avg_price: Decimal | None
    quantity: int | None = None
    status: str = ""
    """The parent's order status by name ("FILLED", ...; "" when unknown)."""
    arrival_mid: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProgressArrays:
    """Columns of a history, oldest first; t in epoch seconds, prices NaN where unknown."""

    t: Array
    target: Array
    filled: Array
    working: Array
    market_volume: Array
    market_vwap: Array
    avg_price: Array
    arrival: Array


class ProgressHistory:
    """Snapshots of one parent, at most `capacity` points (about 64 bytes each).

    When full, every other point is dropped, so the whole life of the order stays in view at a
    coarser resolution. Quantities are cumulative, so nothing is lost from totals or from volume
    bars, only detail between the points kept.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = max(4, capacity)
        self._data = np.empty((min(_INITIAL_ROWS, self._capacity), len(_COLUMNS)), dtype=np.float64)
        self._count = 0
        self.last: ProgressSnapshot | None = None
        """The newest algo snapshot, as given (for labels that want exact values)."""
        self.last_execution: Execution | None = None
        """The newest execution point (None until one is added)."""
        self.rebuilt_fills = 0
        """How many journaled fills the history was rebuilt from (0: it was not)."""

    def __len__(self) -> int:
        return self._count

    @property
    def capacity(self) -> int:
        return self._capacity

    def append(self, snapshot: ProgressSnapshot) -> None:
        """An algo snapshot (ignored when older than the newest point: the chart only moves forward)."""
        if self._add_row((
            snapshot.ts_ns / NS_PER_S,
            snapshot.target_qty,
            snapshot.filled_qty,
            snapshot.working_qty,
            snapshot.market_volume,
            _price(snapshot.market_vwap),
            _price(snapshot.avg_price),
            _price(snapshot.arrival_mid),
        )):
            self.last = snapshot

    def append_execution(self, execution: Execution) -> bool:
        """An execution point, added only when filled or working changed since the newest point (the
        newest execution is remembered either way, e.g. its status). True when a point was added."""
        if self._count and execution.ts_ns / NS_PER_S < self._data[self._count - 1, _T]:
            return False
        newest = self._data[self._count - 1] if self._count else None
        unchanged = newest is not None and (newest[_FILLED], newest[_WORKING]) == (
            execution.filled_qty, execution.working_qty)
        if not unchanged:
            nan = float("nan")
            self._add_row((execution.ts_ns / NS_PER_S, nan, execution.filled_qty, execution.working_qty, nan, nan,
                           _price(execution.avg_price), _price(execution.arrival_mid)))
        self.last_execution = execution
        return not unchanged

    def rebuild_from_fills(self, fills: Sequence[FillRow], arrival_mid: Decimal | None, quantity: int | None) -> None:
        """Execution points from a parent's fills (what the journal knows after a restart): filled and
        average price after each fill, before any point already here, thinned evenly to half the capacity
        (the newest fill always kept)."""
        ts = np.fromiter((f.ts_ns for f in fills), dtype=np.int64, count=len(fills))
        order = np.argsort(ts, kind="stable")
        ts = ts[order]
        if self._count:
            order = order[ts / NS_PER_S < self._data[0, _T]]  # only the past before what is already here
            ts = ts[: len(order)]
        if len(order) == 0:
            return
        qty = np.fromiter((fills[i].quantity for i in order), dtype=np.float64, count=len(order))
        px = np.fromiter((float(fills[i].price) for i in order), dtype=np.float64, count=len(order))
        filled = np.cumsum(qty)
        room = max(1, min(self._capacity // 2, self._capacity - self._count))
        keep = np.unique(np.linspace(0, len(order) - 1, num=min(len(order), room)).round().astype(np.int64))
        rows = np.full((len(keep), len(_COLUMNS)), np.nan)
        rows[:, _T] = ts[keep] / NS_PER_S
        rows[:, _FILLED] = filled[keep]
        rows[:, _WORKING] = 0.0
        rows[:, _AVG] = (np.cumsum(qty * px) / filled)[keep]
        rows[:, _ARRIVAL] = _price(arrival_mid)
        merged = np.vstack([rows, self._data[: self._count]])
        self._data = np.empty((max(len(merged), min(_INITIAL_ROWS, self._capacity)), len(_COLUMNS)))
        self._data[: len(merged)] = merged
        self._count = len(merged)
        self.rebuilt_fills = len(order)
        if self.last_execution is None and self.last is None:
            total = int(filled[-1])
            notional = sum((fills[i].price * fills[i].quantity for i in order), Decimal(0))
            self.last_execution = Execution(int(ts[-1]), total, 0, notional / total if total else None, quantity,
                                            arrival_mid=arrival_mid)

    def arrays(self) -> ProgressArrays:
        """Copies of the columns (safe to hand to a plot)."""
        data = self._data[: self._count]
        return ProgressArrays(*(data[:, column].copy() for column in range(len(_COLUMNS))))

    def _add_row(self, row: tuple[float, ...]) -> bool:
        if self._count and row[_T] < self._data[self._count - 1, _T]:
            return False  # out of order (a replayed or late point): the chart only moves forward
        if self._count == len(self._data):
            self._make_room()
        self._data[self._count] = row
        self._count += 1
        return True

    def _make_room(self) -> None:
        if len(self._data) < self._capacity:
            grown = np.empty((min(2 * len(self._data), self._capacity), len(_COLUMNS)), dtype=np.float64)
            grown[: self._count] = self._data[: self._count]
            self._data = grown
            return
        kept = self._data[: self._count : 2]
        self._count = len(kept)
        self._data[: self._count] = kept.copy()


def nice_interval(span_s: float, bars: int = 40) -> int:
    """A round bar width in seconds giving about `bars` bars over the span (at least 1 s)."""
    wanted = span_s / max(1, bars)
    for interval in NICE_INTERVALS_S:
        if interval >= wanted:
            return interval
    return NICE_INTERVALS_S[-1]


def volume_bars(t: Array, cumulative: Array, width_s: float) -> tuple[Array, Array, npt.NDArray[np.bool_]]:
    """Market volume per interval from cumulative volume samples: (bar centres, volumes, estimated).

    Intervals are aligned to multiples of `width_s`. Cumulative volume is interpolated linearly at the
    edges, so the volume between two samples is spread over the time between them: a gap in the samples
    (a pause, when the algo publishes nothing) becomes bars at the gap's average rate, never one bar
    holding the whole gap. `estimated` marks bars with no sample inside (all interpolated). Volume
    before the first sample goes to the first bar; NaN samples (execution points) are skipped.
    """
    known = np.isfinite(cumulative)
    t, cumulative = t[known], cumulative[known]
    if len(t) == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=bool)
    first = np.floor(t[0] / width_s) * width_s
    count = int(np.floor((t[-1] - first) / width_s)) + 1
    edges = first + width_s * np.arange(count + 1, dtype=np.float64)
    cumulative_at = np.interp(edges, t, cumulative)
    cumulative_at[0] = 0.0  # what the first sample counts was traded since the start: first bar
    samples_in = np.diff(np.searchsorted(t, edges, side="left"))
    return edges[:-1] + width_s / 2, np.clip(np.diff(cumulative_at), 0.0, None), samples_in == 0


def bps_better(benchmark: Decimal | None, price: Decimal | None, side: str | None) -> float | None:
    """How much better than the benchmark our price is, in bps (positive = better); None if unknown."""
    if benchmark is None or price is None or not benchmark or side not in ("BUY", "SELL"):
        return None
    sign = 1 if side == "BUY" else -1
    return float((benchmark - price) * sign / benchmark * 10_000)
