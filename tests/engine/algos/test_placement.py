"""The placement policy every algo shares: prices, limits, lots, caps, randomization, start and end."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import pytest

from engine.algos import vwap
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.model import OrdStatus, Side, TimeInForce
from tests.engine.algos.desk import Desk, fresh_desk
from tests.engine.scripted_venue import ScriptedVenue

ALGOS = ("TWAP", "VWAP", "POV", "IS")
D = Decimal


@pytest.fixture
def desk(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> Iterator[Desk]:
    yield Desk(engine, venue, clock)
    vwap.set_curve_provider(None)


def first_passive(desk: Desk, side: Side, urgency: str) -> Decimal | None:
    pid = desk.submit("TWAP", 6000, side=side, params={"urgency": urgency})
    (order,) = desk.children(pid)
    assert order.tif is TimeInForce.DAY
    return order.price


@pytest.mark.parametrize(("side", "urgency", "price"), [
    (Side.BUY, "MEDIUM", "100.01"), (Side.SELL, "MEDIUM", "100.09"),
    (Side.BUY, "HIGH", "100.01"), (Side.BUY, "LOW", "100.00"), (Side.SELL, "LOW", "100.10"),
])
def test_passive_orders_sit_a_tick_inside_a_wide_spread_unless_urgency_is_low(
    desk: Desk, side: Side, urgency: str, price: str
) -> None:
    desk.quote("100.00", "100.10")
    assert first_passive(desk, side, urgency) == D(price)


@pytest.mark.parametrize(("bid", "ask"), [("100.00", "100.02"), ("100.00", "100.01")])
def test_passive_orders_join_the_touch_when_the_spread_is_narrow(desk: Desk, bid: str, ask: str) -> None:
    desk.quote(bid, ask)
    assert first_passive(desk, Side.BUY, "MEDIUM") == D(bid)
    assert first_passive(desk, Side.SELL, "HIGH") == D(ask)


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_limit_price_is_never_violated_while_the_market_wanders(desk: Desk, algo: str, side: Side) -> None:
    rng = random.Random(f"{algo}{side}")
    limit = D("100.03") if side is Side.BUY else D("99.99")
    pid = desk.submit(algo, 5000, minutes=10, side=side, limit=str(limit), params={"urgency": "HIGH"})
    mid = 100.0
    for _ in range(60):
        mid += rng.choice((-0.03, -0.01, 0.0, 0.01, 0.03))
        desk.quote(f"{mid - 0.02:.2f}", f"{mid + 0.02:.2f}")
        desk.run(10, volume=300)
    priced = [o.price for o in desk.children(pid)]
    fills = [f.price for f in desk.engine.store.fills() if f.parent_id == pid]
    assert priced and fills
    assert all(p is not None and (p <= limit if side is Side.BUY else p >= limit) for p in priced)
    assert all(p <= limit if side is Side.BUY else p >= limit for p in fills)


@pytest.mark.parametrize("algo", ALGOS)
def test_lot_sizes_are_respected_by_every_algo(engine: Engine, venue: ScriptedVenue, clock: VirtualClock,
                                               algo: str) -> None:
    desk = Desk(engine, venue, clock, symbol="LOTS")
    desk.quote("20.00", "20.10")
    pid = desk.submit(algo, 12_300, minutes=20, params={"randomize": "0.3", "seed": "7"})
    desk.run(20 * 60 + 2, volume=lambda s: 137 * (1 + s % 5), passive_share=0.3)
    orders = desk.children(pid)
    assert orders and all(o.quantity % 100 == 0 for o in orders)
    assert all(o.price is None or o.price % D("0.05") == 0 for o in orders)
    parent = engine.store.parent(pid)
    assert parent.cum_qty <= 12_300 and parent.cum_qty % 100 == 0


@pytest.mark.parametrize("algo", ("TWAP", "VWAP", "IS"))
def test_scheduled_algos_complete_by_the_end_time_when_liquidity_allows(desk: Desk, algo: str) -> None:
    pid = desk.submit(algo, 20_000, minutes=15)
    desk.run(15 * 60 + 2, volume=100, passive_share=0.5)
    parent = desk.engine.store.parent(pid)
    assert parent.status is OrdStatus.FILLED and parent.cum_qty == 20_000
    assert parent.updated_ns <= desk.clock.now_ns()


def test_pov_completes_when_the_market_trades_enough(desk: Desk) -> None:
    pid = desk.submit("POV", 5000, minutes=15, params={"rate": "0.2"})
    desk.run(15 * 60, volume=100, passive_share=0.5)
    assert desk.engine.store.parent(pid).status is OrdStatus.FILLED


def test_max_participation_caps_what_is_filled_against_market_volume(desk: Desk) -> None:
    pid = desk.submit("TWAP", 100_000, minutes=30, params={"max_participation": "0.05"})
    for _ in range(20):
        desk.run(60, volume=200)
        assert desk.engine.store.parent(pid).cum_qty <= 0.05 * desk.market_volume + 1


def _randomized_sizes(desk: Desk, seed: str) -> list[int]:
    pid = desk.submit("TWAP", 60_000, minutes=60, params={"randomize": "0.3", "seed": seed})
    desk.run(15 * 60, volume=100, passive_share=1.0)
    return [o.quantity for o in desk.children(pid) if o.tif is TimeInForce.DAY]


def test_randomized_slices_vary_and_are_reproducible_from_the_seed(desk: Desk) -> None:
    sizes = _randomized_sizes(desk, "42")
    assert len(set(sizes)) > 3  # sizes vary around what is due, never more than 1.3x it
    assert 700 <= sizes[0] <= 1300 and max(sizes) <= 1300
    assert _randomized_sizes(fresh_desk(), "42") == sizes
    assert _randomized_sizes(fresh_desk(), "43") != sizes


def test_a_staged_parent_sends_nothing_before_its_start_and_nothing_after_its_end(desk: Desk) -> None:
    pid = desk.submit("VWAP", 3000, minutes=5, start_in_s=120)
    desk.run(119, volume=100)
    assert desk.children(pid) == []
    desk.run(5 * 60 + 30, volume=100, passive_share=0)
    start, end = desk.clock.now_ns() - (5 * 60 + 30 + 119) * NS_PER_S + 120 * NS_PER_S, None
    orders = desk.children(pid)
    assert orders and min(o.ts_ns for o in orders) >= start
    end = start + 5 * 60 * NS_PER_S
    assert max(o.ts_ns for o in orders) < end
    assert desk.engine.store.parent(pid).status.is_terminal


def test_progress_reports_the_market_since_the_start_not_since_acceptance(desk: Desk) -> None:
    pid = desk.submit("VWAP", 3000, minutes=10, start_in_s=120)
    desk.run(120, volume=100, passive_share=0)
    desk.run(60, volume=50, passive_share=0.5)
    last = [p for p in desk.progress if p.parent_id == pid][-1]
    parent = desk.engine.store.parent(pid)
    assert last.market_volume == 60 * 50  # not the 12,000 traded before the start
    assert last.market_vwap == Decimal("100.01")
    assert last.filled_qty == parent.cum_qty > 0 and last.avg_price == parent.avg_price
    assert 0 < last.target_qty < 3000 and last.arrival_mid == Decimal("100.01")
    assert last.slippage_bps == parent.arrival_slippage_bps
