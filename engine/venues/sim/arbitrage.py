"""Cross-venue arbitrage in the simulated market, and a watch on locked and crossed markets.

Each lit venue's background crowd leans on the shared fair value but nobody linked the venues: a stale
bid on one could sit at or above a fresh ask on another for minutes. The `Arbitrageur` is the fast
participant real markets have: a short reaction time (`reaction_us` + jitter) after any book change
that leaves the consolidated market locked or crossed, it takes the crossing liquidity with IOCs —
crossed: buys the low ask and sells into the high bid; locked: takes the smaller of the two locking
quotes — until the market is two-sided again. Its orders are background orders: they can fill ours.

`LockWatch` measures how long a consolidated market stays locked or crossed (per symbol, max and
total), fed with (bid, ask) whenever a book changes: from the venues' own books (the truth) or from
the engine's conflated view (what a trader sees).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.clock import Clock, TimerHandle
from engine.model import Instrument, Side, Symbol
from engine.venues.sim.venue import SimVenue

NS_PER_US = 1_000


@dataclass(frozen=True, slots=True)
class ArbitrageConfig:
    reaction_us: float = 300.0
    """Mean delay between a lock/cross appearing and the arbitrageur acting on it."""
    jitter_us: float = 700.0
    max_lots: int = 100
    """Most it takes on one venue in one go (round lots)."""
    round_lot: int = 100

    def __post_init__(self) -> None:
        if self.reaction_us < 0 or self.jitter_us < 0 or self.max_lots < 1 or self.round_lot < 1:
            raise ValueError("arbitrage reaction and jitter must not be negative; sizes must be positive")


class Arbitrageur:
    """Trades locked and crossed consolidated markets away across the lit venues (see module doc)."""

    MAX_ROUNDS = 20

    def __init__(self, venues: Sequence[SimVenue], instruments: Mapping[Symbol, Instrument], clock: Clock,
                 rng: random.Random, config: ArbitrageConfig | None = None) -> None:
        self._venues = list(venues)
        self._instruments = instruments
        self._clock = clock
        self._rng = rng
        self._config = config or ArbitrageConfig()
        self._timers: dict[Symbol, TimerHandle] = {}
        self._acting = False
        self._started = False
        self.trades = 0

    def start(self) -> None:
        if not self._started and len(self._venues) > 1:
            self._started = True
            for venue in self._venues:
                venue.add_book_listener(self._changed)

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._acting = True  # listeners stay registered: ignore every later change

    def _changed(self, symbol: Symbol) -> None:
        if self._acting or symbol in self._timers or symbol not in self._instruments:
            return
        bid, ask = self._touch(symbol)
        if bid is None or ask is None or bid < ask:
            return
        cfg = self._config
        delay = int((cfg.reaction_us + self._rng.random() * cfg.jitter_us) * NS_PER_US) + 1
        self._timers[symbol] = self._clock.call_later(delay, lambda: self._act(symbol))

    def _touch(self, symbol: Symbol) -> tuple[int | None, int | None]:
        bids = [b for b in (v.book(symbol).best_bid() for v in self._venues) if b is not None]
        asks = [a for a in (v.book(symbol).best_ask() for v in self._venues) if a is not None]
        return (max(bids) if bids else None), (min(asks) if asks else None)

    def _act(self, symbol: Symbol) -> None:
        del self._timers[symbol]
        lot = self._instruments[symbol].lot_size
        most = max(lot, self._config.round_lot - self._config.round_lot % lot) * self._config.max_lots
        self._acting = True
        try:
            for _ in range(self.MAX_ROUNDS):
                high = max(self._venues, key=lambda v: (v.book(symbol).best_bid() or -1, v.venue_id))
                low = min(self._venues, key=lambda v: (v.book(symbol).best_ask() or 1 << 62, v.venue_id))
                bid, ask = high.book(symbol).best_bid(), low.book(symbol).best_ask()
                if bid is None or ask is None or bid < ask or high is low:
                    break
                bid_size = high.book(symbol).depth(Side.BUY, 1)[0][1]
                ask_size = low.book(symbol).depth(Side.SELL, 1)[0][1]
                if bid > ask:  # crossed: buy low, sell high
                    size = min(bid_size, ask_size, most)
                    low.place_background(symbol, Side.BUY, size, ask, ioc=True)
                    high.place_background(symbol, Side.SELL, size, bid, ioc=True)
                elif bid_size <= ask_size:  # locked: take the smaller quote
                    high.place_background(symbol, Side.SELL, min(bid_size, most), bid, ioc=True)
                else:
                    low.place_background(symbol, Side.BUY, min(ask_size, most), ask, ioc=True)
                self.trades += 1
        finally:
            self._acting = False
        self._changed(symbol)  # anything left (a venue slower to clear) is looked at again


@dataclass(slots=True)
class LockStats:
    episodes: int = 0
    max_ns: int = 0
    total_ns: int = 0
    since_ns: int | None = None


@dataclass
class LockWatch:
    """Durations of locked or crossed consolidated markets, per symbol."""

    clock: Clock
    stats: dict[Symbol, LockStats] = field(default_factory=dict)

    def update(self, symbol: Symbol, bid: Decimal | int | None, ask: Decimal | int | None) -> None:
        """The consolidated touch of `symbol` now (any comparable prices; None: that side is empty)."""
        now = self.clock.now_ns()
        stats = self.stats.setdefault(symbol, LockStats())
        locked = bid is not None and ask is not None and bid >= ask
        if locked and stats.since_ns is None:
            stats.since_ns = now
            stats.episodes += 1
        elif not locked and stats.since_ns is not None:
            self._close(stats, now)

    def watch_books(self, venues: Sequence[SimVenue]) -> None:
        """Follow the venues' own books (every change, as it happens)."""

        def changed(symbol: Symbol) -> None:
            bids = [b for b in (v.book(symbol).best_bid() for v in venues) if b is not None]
            asks = [a for a in (v.book(symbol).best_ask() for v in venues) if a is not None]
            self.update(symbol, max(bids) if bids else None, min(asks) if asks else None)

        for venue in venues:
            venue.add_book_listener(changed)

    def finish(self) -> None:
        """Close the episodes still open (at the end of a measurement)."""
        now = self.clock.now_ns()
        for stats in self.stats.values():
            if stats.since_ns is not None:
                self._close(stats, now)

    @property
    def max_ns(self) -> int:
        return max((s.max_ns for s in self.stats.values()), default=0)

    @staticmethod
    def _close(stats: LockStats, now: int) -> None:
        assert stats.since_ns is not None
        duration = now - stats.since_ns
        stats.max_ns = max(stats.max_ns, duration)
        stats.total_ns += duration
        stats.since_ns = None
