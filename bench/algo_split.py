"""Schedule vs execution in `bench.algos`: how much of a run's slippage vs interval VWAP its schedule alone made.

A perfect execution of the algo's schedule buys each slice's increment of the schedule's target at the
tape's VWAP of that slice: the TCA report's own definition (`engine.tca.metrics.schedule_split`, one
definition for the product and the bench), taken here against the window's interval VWAP V instead of
the arrival mid. With s = +1 buy / -1 sell, P the average fill price, Ps the perfect execution's price:

    slippage_vs_interval_vwap = s (V - P)  / V x 10,000
    schedule_only             = s (V - Ps) / V x 10,000   (the schedule's timing vs the market's volume)
    execution                 = s (Ps - P) / V x 10,000   (spread, queue, impact: the rest)

positive = better than the benchmark; schedule_only + execution = slippage. As in TCA, the perfect
execution stops at the filled quantity and a target that falls back buys nothing.

The schedule is the algo's reported target (`AlgoProgress.target_qty`, every second of market time) read
at each slice boundary (the algos' slice, 60 s by default). An algo stops reporting when its parent is
done; what its schedule still had to do after its last report is priced at the tape's VWAP of the rest of
the window (no timing credited or charged for a part nobody saw), and the whole quantity is due at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from engine.marketdata.lobster import PRICE_SCALE, LobsterDay, MessageType
from engine.model import Side
from engine.tca.metrics import Execution, OrderUnderReview, schedule_split
from engine.tca.tape import Tape, TapePoint

Fill = tuple[int, int, Decimal]
"""(time ns, quantity, price) of one of our fills."""


@dataclass(frozen=True, slots=True)
class ScheduleVsExecution:
    """A run's slippage vs interval VWAP split in two (bps, positive = better than the benchmark)."""

    schedule_price: Decimal  # what a perfect execution of the schedule paid on the filled quantity
    schedule_only_bps: float
    execution_bps: float


def slice_schedule(
    reports: Sequence[tuple[int, int]], start_ns: int, end_ns: int, slice_ns: int, quantity: int
) -> tuple[tuple[int, int], ...]:
    """(time, target due by then) at each slice boundary after `start_ns` before the last report, at the last
    report, and (end, quantity); `reports` are (time, target) in time order."""
    if slice_ns <= 0 or end_ns <= start_ns:
        raise ValueError(f"bad slicing: window {start_ns}..{end_ns} ns, slice {slice_ns} ns")
    seen = [(t, target) for t, target in reports if start_ns <= t < end_ns]
    points: list[tuple[int, int]] = []
    if seen:
        last_ns = seen[-1][0]
        times = [t for t, _ in seen]
        boundary = start_ns + slice_ns
        while boundary < last_ns:
            i = int(np.searchsorted(times, boundary, side="right")) - 1
            points.append((boundary, seen[i][1] if i >= 0 else 0))
            boundary += slice_ns
        points.append(seen[-1])
    points.append((end_ns, quantity))
    return tuple(points)


def lobster_tape(day: LobsterDay) -> Tape:
    """The recorded day as a TCA tape (ns since midnight): its top of book and executions, each row 1 ns
    after its message, so the tape's (t0, t1] holds exactly the messages of [t0, t1), as
    `engine.marketdata.tape.interval_vwap` counts them."""
    executed = (day.event_type == MessageType.EXECUTE_VISIBLE) | (day.event_type == MessageType.EXECUTE_HIDDEN)
    bid_px, bid_sz = day.bid_price[:, 0], day.bid_size[:, 0]
    ask_px, ask_sz = day.ask_price[:, 0], day.ask_size[:, 0]
    bid_shown, ask_shown = bid_sz > 0, ask_sz > 0
    changed = np.ones(day.rows, dtype=bool)  # rows where the top of book's prices (or a side's presence) moved
    changed[1:] = ((bid_px[1:] != bid_px[:-1]) | (ask_px[1:] != ask_px[:-1])
                   | (bid_shown[1:] != bid_shown[:-1]) | (ask_shown[1:] != ask_shown[:-1]))
    points = []
    for row in np.flatnonzero(executed | changed).tolist():
        bid = _price(int(bid_px[row])) if bid_shown[row] else None
        ask = _price(int(ask_px[row])) if ask_shown[row] else None
        if executed[row]:
            size, price = int(day.size[row]), int(day.price[row])
            points.append(TapePoint(int(day.time_ns[row]) + 1, bid, ask, size, _price(price * size), _price(price)))
        else:
            points.append(TapePoint(int(day.time_ns[row]) + 1, bid, ask))
    return Tape(points)


def _price(units: int) -> Decimal:
    """LOBSTER price units (USD x 10000) as an exact Decimal."""
    return Decimal(units) / PRICE_SCALE


def split_vs_interval_vwap(
    side: Side,
    quantity: int,
    schedule: Sequence[tuple[int, int]],
    start_ns: int,
    fills: Sequence[Fill],
    tape: Tape,
    interval_vwap: Decimal | None,
) -> ScheduleVsExecution | None:
    """The split of a run's slippage vs `interval_vwap` (module docstring); None without fills, benchmark or
    a schedule that reaches the filled quantity."""
    if interval_vwap is None or not fills:
        return None
    filled = sum(q for _, q, _ in fills)
    avg = sum((p * q for _, q, p in fills), Decimal(0)) / filled
    order = OrderUnderReview(
        order_id="bench", kind="parent", symbol="", side=side, quantity=quantity,
        arrival_ns=start_ns, arrival_mid=interval_vwap,  # TCA's reference price; here the interval VWAP
        start_ns=start_ns, done_ns=schedule[-1][0] if schedule else start_ns,
        executions=tuple(Execution(t, q, p, Decimal(0), "", "", "") for t, q, p in fills),
        schedule=tuple(schedule),
    )
    split = schedule_split(order, tape, avg)
    if split is None:
        return None
    return ScheduleVsExecution(split.schedule_price, split.schedule_bps, split.execution_bps)
