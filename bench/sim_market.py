"""Speed of the simulated market: the bare order book, and one lit venue with background flow over a
simulated hour on a virtual clock (plus the default whole market for ten simulated minutes).

Run: python -m bench.sim_market [--json FILE] [--repeats N]. Medians of N runs (default 3).
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

from bench.common import emit, median_of, parser, table
from engine.clock import VirtualClock
from engine.events import BookUpdated, TradePrinted, VenueOrderEvent, VenueStatusChanged
from engine.model import Instrument, Side, Symbol, VenueId
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.flow import FlowConfig
from engine.venues.sim.market import build_sim_market, default_instruments
from engine.venues.sim.matching import OrderBook
from engine.venues.sim.profile import NS_PER_DAY, SESSION_OPEN_NS
from engine.venues.sim.venue import SimVenue

S = 1_000_000_000
OPEN_NS = 19_000 * NS_PER_DAY + SESSION_OPEN_NS
AAPL = Symbol("AAPL")


class Counter:
    """A listener that only counts (what the engine would receive)."""

    def __init__(self) -> None:
        self.events = 0
        self.prints = 0
        self.books = 0

    def on_order_event(self, event: VenueOrderEvent) -> None:
        self.events += 1

    def on_market_data(self, event: BookUpdated | TradePrinted) -> None:
        self.events += 1
        if isinstance(event, TradePrinted):
            self.prints += 1
        else:
            self.books += 1

    def on_venue_status(self, event: VenueStatusChanged) -> None:
        self.events += 1


def bare_book(operations: int = 300_000) -> dict[str, float]:
    """Pre-generated mix: 55% passive adds, 35% cancels, 10% marketable IOC orders."""
    rng = random.Random(1)
    ops: list[tuple[int, Side, int, int]] = []
    for _ in range(operations):
        u = rng.random()
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        if u < 0.55:
            price = 10_000 - 1 - rng.randrange(10) if side is Side.BUY else 10_000 + 1 + rng.randrange(10)
            ops.append((0, side, 100 * (1 + rng.randrange(5)), price))
        elif u < 0.90:
            ops.append((1, side, rng.randrange(1 << 30), 0))
        else:
            ops.append((2, side, 100 * (1 + rng.randrange(3)), 10_005 if side is Side.BUY else 9_995))
    book = OrderBook()
    live: list[int] = []
    executions = 0
    started = time.perf_counter()
    for kind, side, number, price in ops:
        if kind == 0:
            result = book.submit(side, number, price)
            if result.rested:
                live.append(result.order_id)
            executions += len(result.executions)
        elif kind == 1:
            if live:
                i = number % len(live)
                live[i], live[-1] = live[-1], live[i]
                book.cancel(live.pop())
        else:
            executions += len(book.submit(side, number, price, ioc=True).executions)
    elapsed = time.perf_counter() - started
    return {"operations": operations, "seconds": elapsed, "ops_per_s": operations / elapsed, "executions": executions}


def one_venue_hour() -> dict[str, float]:
    clock = VirtualClock(OPEN_NS)
    instruments = {AAPL: Instrument(AAPL, Decimal("0.01"))}
    fair = FairValue(18950, annual_volatility=0.25, rng=random.Random(1), origin_ns=OPEN_NS)
    venue = SimVenue(VenueId("LIT1"), clock, instruments, seed=1, fair_values={AAPL: fair}, flow=FlowConfig())
    listener = Counter()
    venue.connect(listener)
    started = time.perf_counter()
    callbacks = clock.run_until(OPEN_NS + 3600 * S)
    elapsed = time.perf_counter() - started
    return {
        "sim_seconds": 3600,
        "seconds": elapsed,
        "book_ops": venue.book_operations,
        "book_ops_per_s": venue.book_operations / elapsed,
        "flow_actions": venue.flows[0].events,
        "events": listener.events,
        "events_per_s": listener.events / elapsed,
        "prints": listener.prints,
        "books": listener.books,
        "clock_callbacks": callbacks,
        "speedup_vs_real_time": 3600 / elapsed,
    }


def whole_market_10min() -> dict[str, float]:
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, default_instruments(), 1)
    listener = Counter()
    for venue in venues:
        venue.connect(listener)
    started = time.perf_counter()
    clock.run_until(OPEN_NS + 600 * S)
    elapsed = time.perf_counter() - started
    ops = sum(v.book_operations for v in venues if isinstance(v, SimVenue))
    return {
        "sim_seconds": 600,
        "seconds": elapsed,
        "book_ops": ops,
        "events": listener.events,
        "events_per_s": listener.events / elapsed,
        "speedup_vs_real_time": 600 / elapsed,
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    results: dict[str, Any] = {
        "bare_book": median_of(args.repeats, bare_book),
        "one_venue_hour": median_of(args.repeats, one_venue_hour),
        "whole_market_10min": median_of(args.repeats, whole_market_10min),
    }
    rows = [
        (f"{name}.{key}", f"{value:,.1f}")
        for name, figures in results.items()
        for key, value in figures.items()
        if key != "runs"
    ]
    print(table(rows))
    emit(results, args.json)


if __name__ == "__main__":
    main()
