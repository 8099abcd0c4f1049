"""The assembled simulated market: its venues, shared prices, and determinism for a seed."""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine.clock import VirtualClock
from engine.events import ChildFilled, Event, TradePrinted
from engine.model import Instrument, Side, Symbol, TimeInForce, VenueId
from engine.venues.base import Venue
from engine.venues.sim.dark import MidpointPool
from engine.venues.sim.market import SimMarketConfig, build_sim_market, default_instruments
from engine.venues.sim.venue import SimVenue
from tests.engine.venues.sim.helpers import OPEN_NS, Recorder, child

S = 1_000_000_000
AAPL, MSFT = Symbol("AAPL"), Symbol("MSFT")


def two_symbols() -> dict[Symbol, Instrument]:
    instruments = default_instruments()
    return {AAPL: instruments[AAPL], MSFT: instruments[MSFT]}


def trading_session(seed: int, seconds: int = 120) -> list[Event]:
    """Everything the engine would hear from the whole market, with a few of our orders mixed in."""
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, two_symbols(), seed)
    recorder = Recorder()
    for venue in venues:
        venue.connect(recorder)
    clock.advance(5 * S)
    lit = [v for v in venues if isinstance(v, SimVenue)]
    for i, venue in enumerate(lit):
        bid = venue.book(AAPL).best_bid()
        assert bid is not None
        venue.submit(child(Side.BUY, 300, f"{bid / 100:.2f}", symbol=AAPL, venue=venue.venue_id, child_id=f"P{i}"))
        venue.submit(
            child(Side.SELL, 200, None, symbol=MSFT, venue=venue.venue_id, child_id=f"M{i}", tif=TimeInForce.IOC)
        )
    venues[-1].submit(child(Side.SELL, 1_000, None, symbol=AAPL, venue=venues[-1].venue_id, child_id="D"))
    clock.advance(seconds * S)
    return recorder.events


def test_default_market_is_three_lit_venues_and_a_dark_pool() -> None:
    venues = build_sim_market(VirtualClock(OPEN_NS), default_instruments(), 1)
    assert [v.venue_id for v in venues] == ["LIT1", "LIT2", "LIT3", "DARK1"]
    assert all(isinstance(v, SimVenue) for v in venues[:3])
    assert isinstance(venues[3], MidpointPool)
    assert all(isinstance(v, Venue) for v in venues)


def test_default_instruments_are_penny_ticked_us_stocks() -> None:
    instruments = default_instruments()
    assert 3 <= len(instruments) <= 5 and AAPL in instruments
    assert all(i.tick_size == Decimal("0.01") and i.lot_size == 1 for i in instruments.values())


def test_same_seed_gives_the_same_event_sequence() -> None:
    first, second = trading_session(seed=42), trading_session(seed=42)
    assert len(first) > 1_000
    assert first == second
    assert any(isinstance(e, ChildFilled) for e in first)


def test_different_seed_gives_a_different_market() -> None:
    assert trading_session(seed=1, seconds=20) != trading_session(seed=2, seconds=20)


def test_lit_venues_trade_around_the_same_price() -> None:
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, two_symbols(), 3, with_dark=False)
    for venue in venues:
        venue.connect(Recorder())
    lit = [v for v in venues if isinstance(v, SimVenue)]
    gaps = []
    for _ in range(600):
        clock.advance(S)
        mids = []
        for venue in lit:
            bid, ask = venue.book(AAPL).best_bid(), venue.book(AAPL).best_ask()
            assert bid is not None and ask is not None
            mids.append((bid + ask) / 2)
        gaps.append(max(mids) - min(mids))
    assert statistics.median(gaps) <= 2.0


def test_venues_charge_their_own_fees() -> None:
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, two_symbols(), 3, with_dark=False)
    recorder = Recorder()
    for venue in venues:
        venue.connect(recorder)
    clock.advance(5 * S)
    for venue in venues:
        venue.submit(child(Side.BUY, 100, None, symbol=AAPL, venue=venue.venue_id))
    clock.advance(S)
    fees = {f.venue: f.fee / f.quantity for f in recorder.of(ChildFilled)}
    assert fees == {VenueId("LIT1"): Decimal("0.0030"), VenueId("LIT2"): Decimal("-0.0005"),
                    VenueId("LIT3"): Decimal("0.0010")}


def test_without_background_the_books_are_empty_and_quiet() -> None:
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, two_symbols(), 3, config=SimMarketConfig(background=False))
    recorder = Recorder()
    for venue in venues:
        venue.connect(recorder)
    clock.advance(60 * S)
    assert all(len(v.book(AAPL)) == 0 for v in venues if isinstance(v, SimVenue))
    assert not any(isinstance(e, TradePrinted) for e in recorder.market)


def test_an_instrument_without_a_start_price_is_refused_by_name() -> None:
    odd = Symbol("ODD")
    with pytest.raises(ValueError, match="no start price for ODD"):
        build_sim_market(VirtualClock(OPEN_NS), {odd: Instrument(odd, Decimal("0.01"))}, 1)


def test_start_prices_can_be_configured() -> None:
    odd = Symbol("ODD")
    clock = VirtualClock(OPEN_NS)
    config = SimMarketConfig(start_prices={odd: Decimal("12.34")})
    (venue,) = build_sim_market(
        clock, {odd: Instrument(odd, Decimal("0.01"))}, 1, venues=("X",), with_dark=False, config=config
    )
    venue.connect(Recorder())
    assert isinstance(venue, SimVenue)
    bid, ask = venue.book(odd).best_bid(), venue.book(odd).best_ask()
    assert bid is not None and ask is not None and bid < 1234 < ask


def test_same_seed_gives_the_same_market_in_another_process() -> None:
    # Python salts str hashes per process; nothing in the simulation may depend on them.
    script = (
        "import hashlib; from tests.engine.venues.sim.test_market import trading_session; "
        "print(hashlib.sha256(repr(trading_session(7, seconds=10)).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=Path(__file__).parents[4],
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1
    assert digests == {hashlib.sha256(repr(trading_session(7, seconds=10)).encode()).hexdigest()}
