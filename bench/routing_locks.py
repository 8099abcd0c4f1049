"""How long the consolidated market stays locked or crossed: the simulated market's own books (every change)
and the engine's conflated view (what a trader sees), with and without the cross-venue arbitrageur."""

from __future__ import annotations

from typing import Any

from engine.clock import NS_PER_S, VirtualClock
from engine.events import BookUpdated, TradePrinted, VenueOrderEvent, VenueStatusChanged
from engine.market import MarketView
from engine.venues.sim.arbitrage import LockWatch
from engine.venues.sim.market import SimMarketConfig, build_sim_market, default_instruments
from engine.venues.sim.profile import NS_PER_DAY, SESSION_OPEN_NS
from engine.venues.sim.venue import SimVenue

OPEN_NS = 20_454 * NS_PER_DAY + SESSION_OPEN_NS


class _View:
    """A listener keeping the engine's consolidated view and watching it."""

    def __init__(self, watch: LockWatch) -> None:
        self.market, self.watch = MarketView(), watch

    def on_market_data(self, event: BookUpdated | TradePrinted) -> None:
        if isinstance(event, BookUpdated):
            self.market.on_book(event)
            quote = self.market.quote(event.symbol)
            self.watch.update(event.symbol, quote.bid, quote.ask)

    def on_order_event(self, event: VenueOrderEvent) -> None:
        pass

    def on_venue_status(self, event: VenueStatusChanged) -> None:
        pass


def measure(seconds: int, seed: int, arbitrage: bool) -> dict[str, Any]:
    """Max and share of time locked/crossed over `seconds` from the open, default market (4 symbols)."""
    clock = VirtualClock(OPEN_NS)
    config = SimMarketConfig() if arbitrage else SimMarketConfig(arbitrage=None)
    venues = build_sim_market(clock, default_instruments(), seed, config=config)
    books, seen = LockWatch(clock), LockWatch(clock)
    books.watch_books([v for v in venues if isinstance(v, SimVenue)])
    view = _View(seen)
    for venue in venues:
        venue.connect(view)
    clock.advance(seconds * NS_PER_S)
    books.finish()
    seen.finish()
    span = seconds * NS_PER_S * len(books.stats)
    return {
        "seconds": seconds, "symbols": len(books.stats), "arbitrage": arbitrage,
        "max_ms_books": books.max_ns / 1e6, "max_ms_engine_view": seen.max_ns / 1e6,
        "share_of_time_books": sum(s.total_ns for s in books.stats.values()) / span,
        "share_of_time_engine_view": sum(s.total_ns for s in seen.stats.values()) / span,
        "episodes_books": sum(s.episodes for s in books.stats.values()),
    }
