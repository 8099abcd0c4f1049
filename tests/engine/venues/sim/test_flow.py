"""Background participants keep a realistic, two-sided book that follows the shared fair value."""

from __future__ import annotations

import random
import statistics

import pytest

from engine.clock import VirtualClock
from engine.events import ChildFilled, TradePrinted
from engine.model import Liquidity, Side
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.flow import FlowConfig, geometric
from engine.venues.sim.venue import SimVenue
from tests.engine.venues.sim.helpers import AAPL, INSTRUMENTS, LIT, OPEN_NS, Recorder, child

S = 1_000_000_000
START_TICKS = 18950


def lively_venue(start_ns: int = OPEN_NS, seed: int = 5) -> tuple[VirtualClock, SimVenue, Recorder, FairValue]:
    clock = VirtualClock(start_ns)
    fair = FairValue(START_TICKS, annual_volatility=0.25, rng=random.Random(seed), origin_ns=start_ns)
    venue = SimVenue(LIT, clock, INSTRUMENTS, seed=seed, fair_values={AAPL: fair}, flow=FlowConfig())
    recorder = Recorder()
    venue.connect(recorder)
    return clock, venue, recorder, fair


@pytest.fixture(scope="module")
def hour_of_samples() -> list[tuple[int | None, int | None, int, int, float]]:
    """(bid, ask, bid levels, ask levels, fair) once a simulated second over the first hour."""
    clock, venue, _, fair = lively_venue()
    book = venue.book(AAPL)
    samples = []
    for _ in range(3600):
        clock.advance(S)
        samples.append(
            (
                book.best_bid(),
                book.best_ask(),
                len(book.depth(Side.BUY, 5)),
                len(book.depth(Side.SELL, 5)),
                fair.ticks_at(clock.now_ns()),
            )
        )
    return samples


def test_book_stays_two_sided_and_never_crossed_over_an_hour(hour_of_samples: list) -> None:  # type: ignore[type-arg]
    two_sided = [(bid, ask) for bid, ask, *_ in hour_of_samples if bid is not None and ask is not None]
    assert len(two_sided) == len(hour_of_samples)
    assert all(bid < ask for bid, ask in two_sided)


def test_spread_is_a_few_ticks(hour_of_samples: list) -> None:  # type: ignore[type-arg]
    spreads = sorted(ask - bid for bid, ask, *_ in hour_of_samples)
    assert statistics.median(spreads) <= 2
    assert spreads[int(0.9 * len(spreads))] <= 4
    assert sum(1 for s in spreads if s <= 3) / len(spreads) > 0.85


def test_book_shows_five_levels_a_side_almost_always(hour_of_samples: list) -> None:  # type: ignore[type-arg]
    full = sum(1 for _, _, bids, asks, _ in hour_of_samples if bids == 5 and asks == 5)
    assert full / len(hour_of_samples) > 0.95


def test_mid_tracks_the_fair_value(hour_of_samples: list) -> None:  # type: ignore[type-arg]
    gaps = [abs((bid + ask) / 2 - fair) for bid, ask, _, _, fair in hour_of_samples]
    assert statistics.median(gaps) < 3
    fairs = [fair for *_, fair in hour_of_samples]
    assert max(fairs) - min(fairs) > 10  # the price really moves, so tracking means something


def test_trading_is_heavier_after_the_open_than_at_midday() -> None:
    def volume(start_ns: int) -> int:
        clock, _, recorder, _ = lively_venue(start_ns)
        clock.advance(1200 * S)
        return sum(e.quantity for e in recorder.market if isinstance(e, TradePrinted))

    assert volume(OPEN_NS) > 1.5 * volume(OPEN_NS + int(3 * 3600 * S))


def test_our_passive_order_is_filled_by_background_flow() -> None:
    clock, venue, recorder, _ = lively_venue()
    clock.advance(10 * S)
    bid = venue.book(AAPL).best_bid()
    assert bid is not None
    venue.submit(child(Side.BUY, 100, f"{bid / 100:.2f}", child_id="PASSIVE"))
    clock.advance(600 * S)
    fills = [e for e in recorder.orders if isinstance(e, ChildFilled)]
    assert sum(f.quantity for f in fills) == 100
    assert all(f.liquidity is Liquidity.ADDED for f in fills)


def test_stopped_flow_leaves_the_book_alone() -> None:
    clock, venue, _, _ = lively_venue()
    clock.advance(5 * S)
    venue.close()
    book = venue.book(AAPL)
    before = (book.depth(Side.BUY, 10), book.depth(Side.SELL, 10))
    clock.advance(60 * S)
    assert (book.depth(Side.BUY, 10), book.depth(Side.SELL, 10)) == before


@pytest.mark.parametrize("mean", [1.0, 2.0, 5.0])
def test_geometric_sizes_have_the_requested_mean(mean: float) -> None:
    rng = random.Random(1)
    draws = [geometric(rng, mean) for _ in range(20_000)]
    assert min(draws) == 1
    assert statistics.fmean(draws) == pytest.approx(mean, rel=0.05)
