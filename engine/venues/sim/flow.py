"""Background participants of one symbol on one lit venue: the crowd our orders meet.

Three Poisson streams on the injected clock (exponential inter-arrival times, one `random.Random`):
- passive limit orders, placed a geometric number of ticks behind the touch implied by the shared
  fair value (so a lagging book gets crossed and trades back towards fair);
- cancels, each resting background order having the same hazard (mean lifetime `order_lifetime_s`);
- marketable IOC orders (the trades), at a rate that follows the U-shaped intraday profile, leaning
  to the side that moves the mid towards fair value.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

from engine.clock import Clock, TimerHandle
from engine.model import Instrument, Side, Symbol
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.matching import OrderBook, Submission
from engine.venues.sim.profile import volume_weight

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """Intensities and sizes of the background crowd on one venue for one symbol."""

    add_rate_per_s: float = 10.0
    """Passive limit orders per second."""
    order_lifetime_s: float = 40.0
    """Mean time a background order rests before its owner cancels it."""
    trade_rate_per_s: float = 1.0
    """Marketable orders per second, averaged over the session (shaped by the U profile)."""
    off_session_weight: float = 0.3
    """Trade rate multiplier outside 09:30-16:00 (0 = no trading outside the session)."""
    mean_depth_ticks: float = 3.0
    """Mean distance in ticks behind the touch at which passive orders are placed."""
    max_depth_ticks: int = 15
    mean_order_lots: float = 2.0
    """Mean passive order size in round lots."""
    mean_take_lots: float = 1.5
    round_lot: int = 100
    take_sweep_ticks: int = 2
    """How far past the touch a marketable order may walk the book."""
    fair_lean: float = 0.25
    """Extra probability per tick of (fair - mid) that a marketable order buys (clamped to 5-95%)."""
    initial_levels: int = 8
    orders_per_initial_level: int = 3

    def __post_init__(self) -> None:
        for name in ("add_rate_per_s", "order_lifetime_s", "mean_depth_ticks"):
            if getattr(self, name) <= 0:
                raise ValueError(f"flow {name} must be positive, got {getattr(self, name)}")
        if self.trade_rate_per_s < 0 or self.off_session_weight < 0:
            raise ValueError("flow trade rates must not be negative")
        if self.mean_order_lots < 1 or self.mean_take_lots < 1 or self.round_lot < 1:
            raise ValueError("flow order sizes must be at least one round lot")


class BookPort(Protocol):
    """How a flow reaches the venue's book (the venue reports any of our fills it causes)."""

    def book(self, symbol: Symbol) -> OrderBook: ...

    def place_background(
        self, symbol: Symbol, side: Side, quantity: int, price_ticks: int | None, *, ioc: bool = False
    ) -> Submission: ...

    def cancel_background(self, symbol: Symbol, order_id: int) -> bool: ...


def geometric(rng: random.Random, mean: float) -> int:
    """A draw from {1, 2, ...} with the given mean (mean 1 always gives 1)."""
    if mean <= 1.0:
        return 1
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / mean))


class BackgroundFlow:
    """The background crowd of one (venue, symbol); `start()` seeds the book and starts trading."""

    def __init__(
        self,
        port: BookPort,
        instrument: Instrument,
        fair_value: FairValue,
        config: FlowConfig,
        rng: random.Random,
        clock: Clock,
    ) -> None:
        self._port = port
        self._symbol = instrument.symbol
        self._book = port.book(instrument.symbol)
        self._fair = fair_value
        self._config = config
        self._rng = rng
        self._clock = clock
        lot = instrument.lot_size
        self._round_lot = max(lot, config.round_lot - config.round_lot % lot)
        self._resting: list[int] = []
        self._timer: TimerHandle | None = None
        self._next_rates = (0.0, 0.0, 0.0)
        self.events = 0
        """Background actions taken so far (adds + cancels + trades), for measurement."""

    def start(self) -> None:
        if self._timer is not None:
            return
        fair = self._fair.ticks_at(self._clock.now_ns())
        cfg = self._config
        for depth in range(cfg.initial_levels):
            for _ in range(cfg.orders_per_initial_level):
                self._rest(Side.BUY, math.ceil(fair) - 1 - depth)
                self._rest(Side.SELL, math.floor(fair) + 1 + depth)
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- the event loop ----------------------------------------------------------------------------

    def _rates(self, now_ns: int) -> tuple[float, float, float]:
        cfg = self._config
        weight = volume_weight(now_ns) or cfg.off_session_weight
        return (
            cfg.add_rate_per_s * weight,
            len(self._resting) * weight / cfg.order_lifetime_s,
            cfg.trade_rate_per_s * weight,
        )

    def _schedule(self) -> None:
        # Rates are fixed from one event to the next (the profile moves over minutes, events over ms).
        self._next_rates = rates = self._rates(self._clock.now_ns())
        delay_ns = int(self._rng.expovariate(rates[0] + rates[1] + rates[2]) * NS_PER_S) + 1
        self._timer = self._clock.call_later(delay_ns, self._on_event)

    def _on_event(self) -> None:
        add, cancel, trade = self._next_rates
        pick = self._rng.random() * (add + cancel + trade)
        fair = self._fair.ticks_at(self._clock.now_ns())
        if pick < add:
            self._add_passive(fair)
        elif pick < add + cancel:
            self._cancel_one()
        else:
            self._trade(fair)
        self.events += 1
        self._schedule()

    # --- actions -------------------------------------------------------------------------------------

    def _add_passive(self, fair: float) -> None:
        cfg, rng = self._config, self._rng
        depth = min(geometric(rng, cfg.mean_depth_ticks + 1.0) - 1, cfg.max_depth_ticks)
        if rng.random() < 0.5:
            self._rest(Side.BUY, math.ceil(fair) - 1 - depth)
        else:
            self._rest(Side.SELL, math.floor(fair) + 1 + depth)

    def _rest(self, side: Side, price: int) -> None:
        if price <= 0:
            return
        quantity = geometric(self._rng, self._config.mean_order_lots) * self._round_lot
        result = self._port.place_background(self._symbol, side, quantity, price)
        if result.rested:
            resting = self._resting
            resting.append(result.order_id)
            if len(resting) > 2 * len(self._book) + 64:  # forget orders that have since been filled
                self._resting = [order_id for order_id in resting if self._book.is_live(order_id)]

    def _cancel_one(self) -> None:
        resting, rng = self._resting, self._rng
        while resting:
            i = rng.randrange(len(resting))
            resting[i], resting[-1] = resting[-1], resting[i]
            if self._port.cancel_background(self._symbol, resting.pop()):
                return

    def _trade(self, fair: float) -> None:
        book, cfg, rng = self._book, self._config, self._rng
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None and ask is None:
            return
        if bid is None or ask is None:
            side = Side.BUY if bid is None else Side.SELL
        else:
            lean = cfg.fair_lean * (fair - (bid + ask) / 2.0)
            side = Side.BUY if rng.random() < min(0.95, max(0.05, 0.5 + lean)) else Side.SELL
        quantity = geometric(rng, cfg.mean_take_lots) * self._round_lot
        if side is Side.BUY:
            limit = ask + cfg.take_sweep_ticks if ask is not None else None
        else:
            limit = max(1, bid - cfg.take_sweep_ticks) if bid is not None else None
        if limit is not None:
            self._port.place_background(self._symbol, side, quantity, limit, ioc=True)
