"""The recorded tape of a symbol-day: executions (types 4 + 5) with their trade side, and interval
volume / VWAP over [t0, t1) in ns since midnight. Sums are exact integers; VWAP is an exact Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from engine.marketdata.lobster import (
    PRICE_SCALE,
    IntArray,
    LobsterDay,
    MessageType,
    SymbolDay,
    load_messages,
)


@dataclass(frozen=True, slots=True, eq=False)
class Executions:
    """Recorded executions in time order.

    `aggressor` is +1 for a buyer-initiated trade (a resting sell, direction -1, was executed) and -1
    for a seller-initiated one. Prices are LOBSTER integers (USD x 10000).
    """

    time_ns: IntArray
    size: IntArray
    price: IntArray
    aggressor: IntArray
    hidden: np.ndarray

    @property
    def count(self) -> int:
        return int(self.time_ns.shape[0])

    def window(self, t0_ns: int, t1_ns: int) -> slice:
        """Row slice of the executions with t0 <= time < t1."""
        lo, hi = np.searchsorted(self.time_ns, [t0_ns, t1_ns], side="left")
        return slice(int(lo), int(hi))


def executions_from_columns(
    time_ns: IntArray, event_type: IntArray, size: IntArray, price: IntArray, direction: IntArray
) -> Executions:
    mask = (event_type == MessageType.EXECUTE_VISIBLE) | (event_type == MessageType.EXECUTE_HIDDEN)
    return Executions(
        time_ns=time_ns[mask],
        size=size[mask],
        price=price[mask],
        aggressor=-direction[mask],
        hidden=event_type[mask] == MessageType.EXECUTE_HIDDEN,
    )


def executions(day: LobsterDay) -> Executions:
    """The executions of a loaded symbol-day."""
    return executions_from_columns(day.time_ns, day.event_type, day.size, day.price, day.direction)


def load_executions(symbol_day: SymbolDay) -> Executions:
    """Executions only, read from the lightest message file (every level count holds all of them)."""
    time_ns, event_type, _, size, price, direction = load_messages(symbol_day.lightest_message_path)
    return executions_from_columns(time_ns, event_type, size, price, direction)


def interval_volume(tape: Executions, t0_ns: int, t1_ns: int) -> int:
    """Shares executed with t0 <= time < t1 (ns since midnight)."""
    return int(tape.size[tape.window(t0_ns, t1_ns)].sum())


def interval_notional_units(tape: Executions, t0_ns: int, t1_ns: int) -> int:
    """Sum of price x size over [t0, t1) in LOBSTER units (USD x 10000 x shares), exact."""
    rows = tape.window(t0_ns, t1_ns)
    return int(np.dot(tape.price[rows], tape.size[rows]))


def interval_vwap(tape: Executions, t0_ns: int, t1_ns: int) -> Decimal | None:
    """Volume-weighted average price over [t0, t1) as an exact Decimal; None when nothing traded."""
    volume = interval_volume(tape, t0_ns, t1_ns)
    if volume == 0:
        return None
    return Decimal(interval_notional_units(tape, t0_ns, t1_ns)) / Decimal(volume) / PRICE_SCALE


def mid_prices(day: LobsterDay) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """(time_ns, mid in dollars as float) after every message where both sides of the book show a
    level; floats are for statistics (volatility), not for prices we trade at."""
    both = (day.ask_size[:, 0] > 0) & (day.bid_size[:, 0] > 0)
    mids = (day.ask_price[both, 0] + day.bid_price[both, 0]) / (2.0 * PRICE_SCALE)
    return day.time_ns[both], mids.astype(np.float64)
