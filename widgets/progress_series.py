"""A parent's algo progress over time as numpy columns, bounded in memory; market volume per interval.

Pure (numpy, no Qt). Prices become floats here: they are only drawn, never computed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from widgets.rows import ProgressSnapshot

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
        """The newest snapshot, as given (for labels that want exact values)."""

    def __len__(self) -> int:
        return self._count

    @property
    def capacity(self) -> int:
        return self._capacity

    def append(self, snapshot: ProgressSnapshot) -> None:
        if self._count and snapshot.ts_ns / NS_PER_S < self._data[self._count - 1, _T]:
            return  # out of order (a replayed or late snapshot): the chart only moves forward
        if self._count == len(self._data):
            self._make_room()
        self._data[self._count] = (
            snapshot.ts_ns / NS_PER_S,
            snapshot.target_qty,
            snapshot.filled_qty,
            snapshot.working_qty,
            snapshot.market_volume,
            _price(snapshot.market_vwap),
            _price(snapshot.avg_price),
            _price(snapshot.arrival_mid),
        )
        self._count += 1
        self.last = snapshot

    def arrays(self) -> ProgressArrays:
        """Copies of the columns (safe to hand to a plot)."""
        data = self._data[: self._count]
        return ProgressArrays(*(data[:, column].copy() for column in range(len(_COLUMNS))))

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


def volume_bars(t: Array, cumulative: Array, width_s: float) -> tuple[Array, Array]:
    """Market volume per interval from cumulative volume samples: (bar centres, volumes).

    Intervals are aligned to multiples of `width_s`; a bar holds the volume between the last
    samples at or before its two edges (volume before the first sample goes to the first bar).
    """
    if len(t) == 0:
        return np.empty(0), np.empty(0)
    first = np.floor(t[0] / width_s) * width_s
    count = int(np.floor((t[-1] - first) / width_s)) + 1
    edges = first + width_s * np.arange(count + 1, dtype=np.float64)
    at = np.searchsorted(t, edges, side="right") - 1
    cumulative_at = np.where(at >= 0, cumulative[np.clip(at, 0, None)], 0.0)
    cumulative_at[0] = 0.0  # what the first sample counts was traded since the start: first bar
    return edges[:-1] + width_s / 2, np.diff(cumulative_at)


def bps_better(benchmark: Decimal | None, price: Decimal | None, side: str | None) -> float | None:
    """How much better than the benchmark our price is, in bps (positive = better); None if unknown."""
    if benchmark is None or price is None or not benchmark or side not in ("BUY", "SELL"):
        return None
    sign = 1 if side == "BUY" else -1
    return float((benchmark - price) * sign / benchmark * 10_000)
