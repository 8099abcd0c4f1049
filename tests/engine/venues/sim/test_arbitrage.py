"""Cross-venue arbitrage keeps the consolidated market from staying locked or crossed; LockWatch measures it."""

from __future__ import annotations

import random

from engine.clock import VirtualClock
from engine.model import Side, Symbol, VenueId
from engine.venues.sim.arbitrage import ArbitrageConfig, Arbitrageur, LockWatch
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.market import SimMarketConfig, build_sim_market, default_instruments
from engine.venues.sim.venue import SimVenue
from tests.engine.venues.sim.helpers import AAPL, INSTRUMENTS, OPEN_NS, Recorder

S = 1_000_000_000
MS = 1_000_000


def two_quiet_venues() -> tuple[VirtualClock, SimVenue, SimVenue]:
    clock = VirtualClock(OPEN_NS)
    a, b = (SimVenue(VenueId(n), clock, INSTRUMENTS, seed=1, latency=LatencyModel(1_000, 0)) for n in ("A", "B"))
    for venue in (a, b):
        venue.connect(Recorder())
    return clock, a, b


def test_a_crossed_market_is_traded_away_within_the_reaction_time() -> None:
    clock, a, b = two_quiet_venues()
    arbitrageur = Arbitrageur([a, b], INSTRUMENTS, clock, random.Random(1), ArbitrageConfig(300, 0))
    arbitrageur.start()
    watch = LockWatch(clock)
    watch.watch_books([a, b])
    a.place_background(AAPL, Side.BUY, 300, 19_000)  # A bids 190.00
    b.place_background(AAPL, Side.SELL, 200, 18_998)  # B offers 189.98: crossed by two cents
    b.place_background(AAPL, Side.SELL, 500, 19_005)
    clock.advance(MS)
    assert a.book(AAPL).best_bid() == 19_000 and a.book(AAPL).depth(Side.BUY, 1) == [(19_000, 100)]
    assert b.book(AAPL).best_ask() == 19_005  # the crossing offer was bought, the bid sold into
    watch.finish()
    assert watch.stats[AAPL].episodes == 1 and watch.max_ns <= 300 * 1_000 + 1


def test_a_locked_market_is_unlocked_by_taking_the_smaller_quote() -> None:
    clock, a, b = two_quiet_venues()
    Arbitrageur([a, b], INSTRUMENTS, clock, random.Random(1), ArbitrageConfig(300, 0)).start()
    a.place_background(AAPL, Side.BUY, 300, 19_000)
    a.place_background(AAPL, Side.BUY, 300, 18_999)
    b.place_background(AAPL, Side.SELL, 500, 19_000)  # locked at 190.00
    clock.advance(MS)
    assert a.book(AAPL).best_bid() == 18_999 and b.book(AAPL).depth(Side.SELL, 1) == [(19_000, 500)]


def test_without_the_arbitrageur_a_lock_stays_until_someone_trades() -> None:
    clock, a, b = two_quiet_venues()
    watch = LockWatch(clock)
    watch.watch_books([a, b])
    a.place_background(AAPL, Side.BUY, 300, 19_000)
    b.place_background(AAPL, Side.SELL, 500, 19_000)
    clock.advance(60 * S)
    watch.finish()
    assert watch.max_ns == 60 * S


def max_lock_ms(config: SimMarketConfig, seconds: int) -> float:
    clock = VirtualClock(OPEN_NS)
    symbols = {Symbol("AAPL"): default_instruments()[Symbol("AAPL")]}
    venues = build_sim_market(clock, symbols, 5, with_dark=False, config=config)
    watch = LockWatch(clock)
    watch.watch_books([v for v in venues if isinstance(v, SimVenue)])
    for venue in venues:
        venue.connect(Recorder())
    clock.advance(seconds * S)
    watch.finish()
    return watch.max_ns / MS


def test_the_default_market_is_never_locked_or_crossed_for_more_than_a_few_milliseconds() -> None:
    # reaction 0.3 ms + up to 0.7 ms jitter; without the arbitrageur the same market stays locked for seconds
    assert max_lock_ms(SimMarketConfig(), 300) <= 2.0
    assert max_lock_ms(SimMarketConfig(arbitrage=None), 300) > 1_000
