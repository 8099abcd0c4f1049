"""A simulated dark midpoint pool: our orders rest hidden and trade at the lit market's midpoint
against background dark contra-liquidity. Nothing is published (it is dark).

Prices: the midpoint of bid B and ask A ticks is (B + A) / 2 ticks, a half tick when the spread is
odd. By default fills print at that exact half-tick price as a `Decimal` (US midpoint pools do
print sub-penny at the mid), so a fill price is a multiple of tick/2, not always of the tick. With
`half_tick_prices=False` the mid is rounded to a whole tick against us (a buy rounds up, a sell
down), for engines that insist on on-tick fills. A locked, crossed or one-sided lit market means no
midpoint: nothing trades until it is two-sided again.

Order types: a LIMIT order's price caps the midpoint it accepts; a MARKET order is a pure midpoint
peg. Minimum quantity (`DarkConfig.min_qty`, the pool's): an order of ours below it is rejected, and
each execution is at least min(min_qty, what the order still needs) shares: smaller contra never
trades with us (it keeps resting for others), which is what a block-minded pool promises.
DAY orders rest until filled or canceled; IOC orders take resting contra and cancel the rest.
Matching happens when our order arrives or is replaced, and when contra arrives (time priority
among ours); a resting pair that becomes compatible only because the mid moved waits for the next
arrival.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from engine.clock import Clock, TimerHandle
from engine.events import ChildSubmitted
from engine.model import ChildId, Instrument, Liquidity, Side, Symbol, TimeInForce, VenueId
from engine.venues.base import VenueListener
from engine.venues.sim.flow import geometric
from engine.venues.sim.gateway import ChildRecord, Fees, SimGateway
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.matching import OrderBook
from engine.venues.sim.profile import volume_weight
from engine.venues.sim.seeding import derive_rng

NS_PER_S = 1_000_000_000

MidpointReference = Callable[[Symbol], tuple[int, int] | None]
"""Best bid and ask ticks of the lit market for a symbol, or None when a side is empty."""


@dataclass(frozen=True, slots=True)
class DarkConfig:
    """Background dark liquidity: block-ish contra orders arriving at random and resting a while."""

    contra_rate_per_s: float = 0.1
    """Contra orders per second, session average (shaped by the U profile)."""
    off_session_weight: float = 0.3
    contra_lifetime_s: float = 60.0
    mean_contra_lots: float = 5.0
    round_lot: int = 100
    half_tick_prices: bool = True
    min_qty: int = 0
    """Smallest order and execution the pool accepts from us (0: any)."""

    def __post_init__(self) -> None:
        if self.contra_rate_per_s < 0 or self.contra_lifetime_s <= 0 or self.mean_contra_lots < 1:
            raise ValueError("dark contra rate must not be negative, lifetime and size must be positive")
        if type(self.min_qty) is not int or not 0 <= self.min_qty <= 10_000_000:
            raise ValueError(f"dark min_qty must be a whole number from 0 to 10,000,000, got {self.min_qty!r}")


DARK_FEES = Fees(maker_per_share=Decimal("0.0010"), taker_per_share=Decimal("0.0010"))


def nbbo_reference(books: Sequence[Callable[[Symbol], OrderBook]]) -> MidpointReference:
    """The national best bid and offer across lit venues, read from their books (e.g. `venue.book`)."""

    def reference(symbol: Symbol) -> tuple[int, int] | None:
        bids = [b for b in (book(symbol).best_bid() for book in books) if b is not None]
        asks = [a for a in (book(symbol).best_ask() for book in books) if a is not None]
        return (max(bids), min(asks)) if bids and asks else None

    return reference


def midpoint_price(instrument: Instrument, bid: int, ask: int, side: Side, half_ticks: bool) -> Decimal:
    """The price `side` pays or receives at the midpoint (see the module docstring for rounding)."""
    mid = (instrument.tick_size * (bid + ask)) / 2
    if half_ticks:
        return mid.quantize(instrument.tick_size / 2)
    rounding = ROUND_CEILING if side is Side.BUY else ROUND_FLOOR
    return (mid / instrument.tick_size).to_integral_value(rounding) * instrument.tick_size


class MidpointPool(SimGateway):
    """A dark venue executing at the lit midpoint; contra flow runs once connected."""

    def __init__(
        self,
        venue_id: VenueId,
        clock: Clock,
        instruments: Mapping[Symbol, Instrument],
        reference: MidpointReference,
        *,
        seed: int,
        fees: Fees = DARK_FEES,
        latency: LatencyModel | None = None,
        config: DarkConfig | None = None,
        contra_scale: Mapping[Symbol, float] | None = None,
    ) -> None:
        super().__init__(
            venue_id,
            clock,
            instruments,
            fees=fees,
            latency=latency or LatencyModel(),
            rng=derive_rng(seed, "latency", venue_id),
        )
        self._reference = reference
        self._config = config
        self._min_qty = config.min_qty if config is not None else 0
        self._contra_scale = dict(contra_scale or {})
        self._seed = seed
        self._ours: dict[tuple[Symbol, Side], dict[ChildId, ChildRecord]] = {}
        self._contra: dict[tuple[Symbol, Side], deque[list[int]]] = {}
        """Background dark orders as [expiry_ns, quantity], oldest first."""
        self._timers: dict[Symbol, TimerHandle] = {}
        self._rngs: dict[Symbol, random.Random] = {}

    def connect(self, listener: VenueListener) -> None:
        super().connect(listener)
        if self._config is not None and self._config.contra_rate_per_s > 0:
            for symbol in self._instruments:
                self._schedule_contra(symbol)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        super().close()

    def add_contra(self, symbol: Symbol, side: Side, quantity: int, lifetime_ns: int) -> None:
        """Background dark interest arrives: it trades with our resting orders at the mid, the rest hides."""
        remaining = self._match_ours(symbol, side, quantity)
        if remaining:
            key = (symbol, side)
            now = self._clock.now_ns()
            contra = self._contra.get(key)
            if contra is None or len(contra) > 64:  # forget what has expired
                contra = self._contra[key] = deque(entry for entry in contra or () if entry[0] > now)
            contra.append([now + lifetime_ns, remaining])

    def hidden_contra(self, symbol: Symbol, side: Side) -> int:
        """Unexpired background quantity resting on one side (tests and diagnostics)."""
        now = self._clock.now_ns()
        return sum(quantity for expiry, quantity in self._contra.get((symbol, side), ()) if expiry > now)

    # --- our orders ----------------------------------------------------------------------------------

    def _check_new(self, order: ChildSubmitted) -> str | None:
        reason = super()._check_new(order)
        if reason is None and order.quantity < self._min_qty:
            reason = f"quantity {order.quantity} is below {self.venue_id}'s minimum quantity {self._min_qty}"
        return reason

    def _on_accepted(self, record: ChildRecord) -> None:
        self._take_contra(record)
        if record.closed is not None:
            return
        if record.order.tif is TimeInForce.IOC:
            self._close(record, "canceled", f"IOC remainder of {record.leaves} canceled: no dark contra at the mid")
        else:
            self._ours.setdefault((record.order.symbol, record.order.side), {})[record.order.child_id] = record

    def _on_withdrawn(self, record: ChildRecord) -> None:
        del self._ours[(record.order.symbol, record.order.side)][record.order.child_id]

    def _on_amended(self, record: ChildRecord, requeue: bool) -> None:
        queue = self._ours[(record.order.symbol, record.order.side)]
        if requeue:
            del queue[record.order.child_id]
            queue[record.order.child_id] = record
        self._take_contra(record)
        if record.closed is not None:
            del queue[record.order.child_id]

    # --- matching at the midpoint ------------------------------------------------------------------

    def _mid_for(self, record: ChildRecord) -> Decimal | None:
        """The midpoint price this order would trade at now, or None if it may not trade."""
        quote = self._reference(record.order.symbol)
        if quote is None or quote[0] >= quote[1]:
            return None
        side = record.order.side
        half_ticks = self._config.half_tick_prices if self._config is not None else True
        price = midpoint_price(self._instruments[record.order.symbol], quote[0], quote[1], side, half_ticks)
        if record.price_ticks is not None:
            limit = self._instruments[record.order.symbol].price(record.price_ticks)
            if (price > limit) if side is Side.BUY else (price < limit):
                return None
        return price

    def _take_contra(self, record: ChildRecord) -> None:
        """Our order meets resting background contra (we remove liquidity)."""
        contra = self._contra.get((record.order.symbol, record.order.side.opposite))
        if not contra:
            return
        price = self._mid_for(record)
        if price is None:
            return
        now = self._clock.now_ns()
        i = 0
        while i < len(contra) and record.closed is None:
            expiry, quantity = contra[i]
            if expiry <= now:
                del contra[i]
                continue
            if quantity < min(self._min_qty, record.leaves):
                i += 1  # too small for our minimum: it stays for others
                continue
            fill = min(quantity, record.leaves)
            self._report_fill(record, fill, price, Liquidity.REMOVED)
            if fill == quantity:
                del contra[i]
            else:
                contra[i][1] = quantity - fill

    def _match_ours(self, symbol: Symbol, contra_side: Side, quantity: int) -> int:
        """Arriving contra meets our resting orders in time priority (we add liquidity)."""
        queue = self._ours.get((symbol, contra_side.opposite))
        if not queue:
            return quantity
        done: list[ChildId] = []
        for child_id, record in queue.items():
            price = self._mid_for(record)
            if price is None or quantity < min(self._min_qty, record.leaves):
                continue
            fill = min(quantity, record.leaves)
            self._report_fill(record, fill, price, Liquidity.ADDED)
            quantity -= fill
            if record.closed is not None:
                done.append(child_id)
            if not quantity:
                break
        for child_id in done:
            del queue[child_id]
        return quantity

    # --- background contra flow --------------------------------------------------------------------

    def _schedule_contra(self, symbol: Symbol) -> None:
        config = self._config
        assert config is not None
        rng = self._contra_rng(symbol)
        scale = self._contra_scale.get(symbol, 1.0)
        rate = config.contra_rate_per_s * scale * (volume_weight(self._clock.now_ns()) or config.off_session_weight)
        delay_ns = int(rng.expovariate(rate) * NS_PER_S) + 1 if rate > 0 else 60 * NS_PER_S
        self._timers[symbol] = self._clock.call_later(delay_ns, lambda: self._contra_arrives(symbol))

    def _contra_arrives(self, symbol: Symbol) -> None:
        config = self._config
        assert config is not None
        rng = self._contra_rng(symbol)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        lot = self._instruments[symbol].lot_size
        round_lot = max(lot, config.round_lot - config.round_lot % lot)
        quantity = geometric(rng, config.mean_contra_lots) * round_lot
        lifetime_ns = int(rng.expovariate(1.0 / config.contra_lifetime_s) * NS_PER_S) + 1
        self.add_contra(symbol, side, quantity, lifetime_ns)
        self._schedule_contra(symbol)

    def _contra_rng(self, symbol: Symbol) -> random.Random:
        rng = self._rngs.get(symbol)
        if rng is None:
            rng = self._rngs[symbol] = derive_rng(self._seed, "dark-contra", self.venue_id, symbol)
        return rng
