"""The dark midpoint pool: hidden orders, midpoint prices, contra liquidity, nothing published."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.clock import VirtualClock
from engine.events import ChildAccepted, ChildCanceled, ChildFilled, ChildRejected, ChildReplaced
from engine.model import ChildId, Instrument, Liquidity, Side, Symbol, TimeInForce, VenueId
from engine.venues.sim.dark import DarkConfig, MidpointPool, midpoint_price, nbbo_reference
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.matching import OrderBook
from tests.engine.venues.sim.helpers import AAPL, INSTRUMENTS, OPEN_NS, Recorder, child

DARK = VenueId("DARK1")
BUY, SELL = Side.BUY, Side.SELL
S = 1_000_000_000
LONG = 3600 * S


def dark_pool(
    quote: dict[Symbol, tuple[int, int] | None], config: DarkConfig | None = None
) -> tuple[VirtualClock, MidpointPool, Recorder]:
    clock = VirtualClock(OPEN_NS)
    pool = MidpointPool(
        DARK,
        clock,
        INSTRUMENTS,
        lambda symbol: quote.get(symbol),
        seed=1,
        latency=LatencyModel(1_000, 0),
        config=config,
    )
    recorder = Recorder()
    pool.connect(recorder)
    clock.advance(10_000)
    return clock, pool, recorder


def dark_child(side: Side, quantity: int, price: str | None, **kw: object) -> object:
    return child(side, quantity, price, venue=DARK, **kw)  # type: ignore[arg-type]


def fills(recorder: Recorder) -> list[ChildFilled]:
    return recorder.of(ChildFilled)


def test_resting_order_fills_at_the_half_tick_midpoint_when_contra_arrives() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19002)})
    pool.submit(dark_child(BUY, 500, "190.10", child_id="C1"))  # type: ignore[arg-type]
    clock.advance(10_000)
    pool.add_contra(AAPL, SELL, 300, LONG)
    clock.advance(10_000)
    (fill,) = fills(recorder)
    assert (fill.quantity, fill.price, fill.liquidity, fill.venue) == (300, Decimal("190.005"), Liquidity.ADDED, DARK)
    assert fill.fee == Decimal("0.3000")


def test_arriving_order_takes_hidden_contra_and_ioc_remainder_is_canceled() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)})
    pool.add_contra(AAPL, BUY, 200, LONG)
    pool.submit(dark_child(SELL, 500, None, tif=TimeInForce.IOC))  # type: ignore[arg-type]
    clock.advance(10_000)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled, ChildCanceled]
    fill = recorder.orders[1]
    assert isinstance(fill, ChildFilled) and (fill.quantity, fill.price) == (200, Decimal("190.00"))
    assert fill.liquidity is Liquidity.REMOVED
    assert "IOC remainder of 300" in recorder.orders[2].reason  # type: ignore[union-attr]
    assert pool.hidden_contra(AAPL, BUY) == 0


def test_contra_on_the_same_side_does_not_trade() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)})
    pool.add_contra(AAPL, SELL, 200, LONG)
    pool.submit(dark_child(SELL, 100, None, tif=TimeInForce.IOC))  # type: ignore[arg-type]
    clock.advance(10_000)
    assert fills(recorder) == [] and pool.hidden_contra(AAPL, SELL) == 200


def test_limit_caps_the_midpoint_it_accepts() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19002)})
    pool.submit(dark_child(BUY, 100, "190.00"))  # type: ignore[arg-type]  # mid 190.005 is above the limit
    clock.advance(10_000)
    pool.add_contra(AAPL, SELL, 100, LONG)
    assert fills(recorder) == []
    assert pool.hidden_contra(AAPL, SELL) == 100


@pytest.mark.parametrize("quote", [None, (19000, 19000), (19001, 19000)])
def test_no_midpoint_no_trade(quote: tuple[int, int] | None) -> None:
    clock, pool, recorder = dark_pool({AAPL: quote})
    pool.add_contra(AAPL, SELL, 100, LONG)
    pool.submit(dark_child(BUY, 100, None, tif=TimeInForce.IOC))  # type: ignore[arg-type]
    clock.advance(10_000)
    assert fills(recorder) == []


def test_expired_contra_is_gone() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)})
    pool.add_contra(AAPL, SELL, 100, 5 * S)
    clock.advance(6 * S)
    pool.submit(dark_child(BUY, 100, None, tif=TimeInForce.IOC))  # type: ignore[arg-type]
    clock.advance(10_000)
    assert fills(recorder) == []


def test_canceled_order_no_longer_meets_contra() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)})
    pool.submit(dark_child(BUY, 100, None, child_id="C1"))  # type: ignore[arg-type]
    clock.advance(10_000)
    pool.cancel(ChildId("C1"))
    clock.advance(10_000)
    pool.add_contra(AAPL, SELL, 100, LONG)
    clock.advance(10_000)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildCanceled]


def test_replace_up_loses_priority_to_a_later_order() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)})
    pool.submit(dark_child(BUY, 100, "190.05", child_id="FIRST"))  # type: ignore[arg-type]
    pool.submit(dark_child(BUY, 100, "190.05", child_id="SECOND"))  # type: ignore[arg-type]
    clock.advance(10_000)
    pool.replace(ChildId("FIRST"), 200, None)
    clock.advance(10_000)
    assert isinstance(recorder.orders[-1], ChildReplaced)
    pool.add_contra(AAPL, SELL, 100, LONG)
    clock.advance(10_000)
    assert [f.child_id for f in fills(recorder)] == ["SECOND"]


def test_dark_pool_publishes_no_market_data() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig(contra_rate_per_s=5.0))
    pool.submit(dark_child(BUY, 100_000, None))  # type: ignore[arg-type]
    clock.advance(600 * S)
    assert fills(recorder) and recorder.market == []


def test_background_contra_flow_fills_a_resting_order_over_time() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig())
    pool.submit(dark_child(SELL, 5_000, None))  # type: ignore[arg-type]
    clock.advance(1800 * S)
    filled = sum(f.quantity for f in fills(recorder))
    assert 0 < filled <= 5_000
    assert all(f.price == Decimal("190.00") for f in fills(recorder))


def test_whole_tick_mode_rounds_the_midpoint_against_us() -> None:
    instrument = Instrument(AAPL, Decimal("0.01"))
    assert midpoint_price(instrument, 18999, 19002, BUY, half_ticks=False) == Decimal("190.01")
    assert midpoint_price(instrument, 18999, 19002, SELL, half_ticks=False) == Decimal("190.00")
    assert midpoint_price(instrument, 18999, 19001, SELL, half_ticks=False) == Decimal("190.00")
    assert str(midpoint_price(instrument, 18999, 19002, BUY, half_ticks=True)) == "190.005"


def test_nbbo_reference_takes_the_best_of_each_side() -> None:
    first, second = OrderBook(), OrderBook()
    first.submit(BUY, 100, 18998)
    first.submit(SELL, 100, 19003)
    second.submit(BUY, 100, 18999)
    second.submit(SELL, 100, 19004)
    reference = nbbo_reference([lambda _: first, lambda _: second])
    assert reference(AAPL) == (18999, 19003)
    assert nbbo_reference([lambda _: OrderBook()])(AAPL) is None


# --- minimum quantity ------------------------------------------------------------------------------------

def test_order_below_the_pools_minimum_quantity_is_rejected_with_the_minimum() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig(contra_rate_per_s=0, min_qty=200))
    pool.submit(dark_child(BUY, 100, None, child_id="SMALL"))  # type: ignore[arg-type]
    clock.advance(10_000)
    (rejected,) = recorder.orders
    assert isinstance(rejected, ChildRejected) and "minimum quantity 200" in rejected.reason


def test_contra_smaller_than_the_minimum_never_trades_with_us_and_stays_hidden() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig(contra_rate_per_s=0, min_qty=200))
    pool.add_contra(AAPL, SELL, 100, LONG)  # too small for our minimum
    pool.add_contra(AAPL, SELL, 300, LONG)
    pool.submit(dark_child(BUY, 400, None, tif=TimeInForce.IOC))  # type: ignore[arg-type]
    clock.advance(10_000)
    assert [f.quantity for f in fills(recorder)] == [300]
    assert pool.hidden_contra(AAPL, SELL) == 100  # still there for others


def test_resting_order_ignores_arriving_contra_below_the_minimum() -> None:
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig(contra_rate_per_s=0, min_qty=200))
    pool.submit(dark_child(BUY, 500, None, child_id="REST"))  # type: ignore[arg-type]
    clock.advance(10_000)
    pool.add_contra(AAPL, SELL, 100, LONG)
    pool.add_contra(AAPL, SELL, 200, LONG)
    clock.advance(10_000)
    assert [f.quantity for f in fills(recorder)] == [200]
    assert pool.hidden_contra(AAPL, SELL) == 100


def test_the_last_shares_of_an_order_may_trade_below_the_minimum() -> None:
    # the minimum protects against small executions, not against finishing: min(min_qty, leaves)
    clock, pool, recorder = dark_pool({AAPL: (18999, 19001)}, DarkConfig(contra_rate_per_s=0, min_qty=200))
    pool.submit(dark_child(BUY, 300, None, child_id="REST"))  # type: ignore[arg-type]
    clock.advance(10_000)
    pool.add_contra(AAPL, SELL, 200, LONG)
    pool.add_contra(AAPL, SELL, 100, LONG)
    clock.advance(10_000)
    assert [f.quantity for f in fills(recorder)] == [200, 100]
