"""Shared fixtures-as-functions for the simulated market tests."""

from __future__ import annotations

from decimal import Decimal

from engine.clock import VirtualClock
from engine.events import BookUpdated, ChildSubmitted, Event, TradePrinted, VenueOrderEvent, VenueStatusChanged
from engine.model import ChildId, Instrument, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues.sim.gateway import Fees
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.profile import NS_PER_DAY, SESSION_OPEN_NS
from engine.venues.sim.venue import SimVenue

AAPL = Symbol("AAPL")
LIT = VenueId("LIT1")
INSTRUMENTS = {AAPL: Instrument(AAPL, Decimal("0.01"), 1)}
DAY_START_NS = 19_000 * NS_PER_DAY
OPEN_NS = DAY_START_NS + SESSION_OPEN_NS
"""09:30 on some day: the start of the trading session."""
ONE_WAY_NS = 1_000
FEES = Fees(maker_per_share=Decimal("-0.0020"), taker_per_share=Decimal("0.0030"))


class Recorder:
    """A VenueListener that keeps everything it hears, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.orders: list[VenueOrderEvent] = []
        self.market: list[BookUpdated | TradePrinted] = []
        self.status: list[VenueStatusChanged] = []

    def on_order_event(self, event: VenueOrderEvent) -> None:
        self.orders.append(event)
        self.events.append(event)

    def on_market_data(self, event: BookUpdated | TradePrinted) -> None:
        self.market.append(event)
        self.events.append(event)

    def on_venue_status(self, event: VenueStatusChanged) -> None:
        self.status.append(event)
        self.events.append(event)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [event for event in self.orders if isinstance(event, kind)]


def quiet_venue(jitter_ns: int = 0, md_interval_ms: float = 100.0) -> tuple[VirtualClock, SimVenue, Recorder]:
    """A connected venue with an empty book and no background flow, fixed latency unless jittered."""
    clock = VirtualClock(OPEN_NS)
    venue = SimVenue(
        LIT,
        clock,
        INSTRUMENTS,
        seed=1,
        fees=FEES,
        latency=LatencyModel(ONE_WAY_NS, jitter_ns),
        md_interval_ms=md_interval_ms,
    )
    recorder = Recorder()
    venue.connect(recorder)
    clock.advance(10 * ONE_WAY_NS)
    return clock, venue, recorder


_child_seq = 0


def child(
    side: Side,
    quantity: int,
    price: str | None,
    *,
    tif: TimeInForce = TimeInForce.DAY,
    ord_type: OrdType | None = None,
    child_id: str | None = None,
    symbol: Symbol = AAPL,
    venue: VenueId = LIT,
    ts_ns: int = 0,
) -> ChildSubmitted:
    """A child order as the engine would send it."""
    global _child_seq
    _child_seq += 1
    return ChildSubmitted(
        ts_ns,
        ChildId(child_id or f"C{_child_seq}"),
        ParentId("P1"),
        venue,
        symbol,
        side,
        quantity,
        None if price is None else Decimal(price),
        ord_type or (OrdType.MARKET if price is None else OrdType.LIMIT),
        tif,
    )
