"""A lit venue as the engine sees it: acceptance, fills, fees, cancels, replaces, latency, reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.clock import VirtualClock
from engine.events import (
    ChildAccepted,
    ChildCanceled,
    ChildCancelRejected,
    ChildExpired,
    ChildFilled,
    ChildRejected,
    ChildReplaced,
    ChildReplaceRejected,
)
from engine.model import ChildId, Instrument, Liquidity, OrdType, Side, Symbol, TimeInForce, VenueId
from engine.venues.sim.venue import SimVenue
from tests.engine.venues.sim.helpers import AAPL, INSTRUMENTS, LIT, ONE_WAY_NS, OPEN_NS, Recorder, child, quiet_venue

BUY, SELL = Side.BUY, Side.SELL
ROUND_TRIP = 2 * ONE_WAY_NS


def test_connect_reports_the_venue_up() -> None:
    _, _, recorder = quiet_venue()
    assert len(recorder.status) == 1
    assert recorder.status[0].connected and recorder.status[0].venue == LIT


def test_limit_order_is_accepted_and_rests_in_the_book() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 300, "189.99", child_id="C1"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted]
    accepted = recorder.orders[0]
    assert isinstance(accepted, ChildAccepted) and accepted.child_id == "C1" and accepted.venue_order_id
    assert venue.book(AAPL).depth(BUY, 5) == [(18999, 300)]


def test_marketable_order_takes_liquidity_and_pays_the_taker_fee() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, SELL, 100, 19000)
    venue.place_background(AAPL, SELL, 200, 19001)
    venue.submit(child(BUY, 250, "190.01", child_id="C1"))
    clock.advance(ROUND_TRIP)
    fills = recorder.of(ChildFilled)
    assert [(f.quantity, f.price, f.liquidity) for f in fills] == [
        (100, Decimal("190.00"), Liquidity.REMOVED),
        (150, Decimal("190.01"), Liquidity.REMOVED),
    ]
    assert [f.fee for f in fills] == [Decimal("0.3000"), Decimal("0.4500")]
    assert all(f.parent_id == "P1" and f.venue == LIT and f.symbol == AAPL and f.side is BUY for f in fills)
    assert len({f.fill_id for f in fills}) == 2
    assert str(fills[0].price) == "190.00"  # on the tick's precision


def test_resting_order_is_filled_by_background_flow_and_earns_the_rebate() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(SELL, 300, "190.05", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, BUY, 200, 19005, ioc=True)
    clock.advance(ROUND_TRIP)
    (fill,) = recorder.of(ChildFilled)
    assert (fill.quantity, fill.price, fill.liquidity) == (200, Decimal("190.05"), Liquidity.ADDED)
    assert fill.fee == Decimal("-0.4000")
    assert venue.book(AAPL).depth(SELL, 1) == [(19005, 100)]


def test_our_order_waits_behind_earlier_background_orders_at_its_price() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, BUY, 100, 18990)
    venue.submit(child(BUY, 100, "189.90", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, SELL, 100, 18990)
    clock.advance(ROUND_TRIP)
    assert recorder.of(ChildFilled) == []
    venue.place_background(AAPL, SELL, 100, 18990)
    clock.advance(ROUND_TRIP)
    assert [f.quantity for f in recorder.of(ChildFilled)] == [100]


def test_ioc_remainder_is_canceled_not_rested() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, SELL, 100, 19000)
    venue.submit(child(BUY, 300, "190.00", tif=TimeInForce.IOC, child_id="C1"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled, ChildCanceled]
    canceled = recorder.orders[-1]
    assert isinstance(canceled, ChildCanceled) and "IOC remainder" in canceled.reason and "200" in canceled.reason
    assert venue.book(AAPL).best_bid() is None


def test_market_order_remainder_is_canceled() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, BUY, 100, 18990)
    venue.submit(child(SELL, 300, None, child_id="C1"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled, ChildCanceled]
    assert venue.book(AAPL).best_ask() is None


def test_fully_filled_ioc_reports_no_cancel() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, SELL, 500, 19000)
    venue.submit(child(BUY, 300, "190.00", tif=TimeInForce.IOC))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled]


LOTS = Symbol("LOTS")


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (child(BUY, 100, "1.00", symbol=Symbol("ZZZZ")), "unknown symbol ZZZZ"),
        (child(BUY, 100, "190.005"), "not a positive multiple of the 0.01 tick"),
        (child(BUY, 100, "-1.00"), "not a positive multiple"),
        (child(BUY, 0, "190.00"), "quantity must be positive"),
        (child(BUY, 150, "10.00", symbol=LOTS), "not a whole number of 100-share lots"),
        (child(BUY, 100, None, ord_type=OrdType.LIMIT), "limit order has no price"),
        (child(BUY, 100, "190.00", ord_type=OrdType.MARKET), "market order must not carry a price"),
        (child(BUY, 100, "190.00", venue=VenueId("LIT9")), "sent to LIT1"),
    ],
)
def test_bad_child_orders_are_rejected_with_a_reason(order: object, reason: str) -> None:
    clock = VirtualClock(OPEN_NS)
    instruments = {**INSTRUMENTS, LOTS: Instrument(LOTS, Decimal("0.01"), 100)}
    venue = SimVenue(LIT, clock, instruments, seed=1)
    recorder = Recorder()
    venue.connect(recorder)
    venue.submit(order)  # type: ignore[arg-type]
    clock.advance(10_000_000)
    (rejected,) = recorder.orders
    assert isinstance(rejected, ChildRejected) and reason in rejected.reason
    assert len(venue.book(AAPL)) == 0


def test_duplicate_child_id_is_rejected() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00", child_id="SAME"))
    venue.submit(child(BUY, 100, "189.00", child_id="SAME"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildRejected]
    assert "duplicate" in recorder.orders[1].reason  # type: ignore[union-attr]


def test_cancel_removes_a_resting_order() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.cancel(ChildId("C1"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildCanceled]
    assert len(venue.book(AAPL)) == 0


def test_cancel_of_an_unknown_order_is_rejected() -> None:
    clock, venue, recorder = quiet_venue()
    venue.cancel(ChildId("NOPE"))
    clock.advance(ROUND_TRIP)
    (rejected,) = recorder.orders
    assert isinstance(rejected, ChildCancelRejected) and "unknown order NOPE" in rejected.reason


def test_fill_racing_a_cancel_gives_the_fill_then_a_cancel_reject() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.cancel(ChildId("C1"))  # on the wire for ONE_WAY_NS ...
    clock.advance(ONE_WAY_NS // 2)
    venue.place_background(AAPL, SELL, 100, 18900)  # ... while the order fills
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled, ChildCancelRejected]
    assert recorder.orders[-1].reason == "too late to cancel: order filled"  # type: ignore[union-attr]


def test_partial_fill_racing_a_cancel_gives_the_fill_then_the_cancel() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.cancel(ChildId("C1"))
    clock.advance(ONE_WAY_NS // 2)
    venue.place_background(AAPL, SELL, 100, 18900)
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildFilled, ChildCanceled]
    assert len(venue.book(AAPL)) == 0


def test_replace_down_in_quantity_keeps_queue_position() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    behind = venue.place_background(AAPL, BUY, 100, 18900).order_id
    venue.replace(ChildId("C1"), 200, None)
    clock.advance(ROUND_TRIP)
    replaced = recorder.orders[-1]
    assert isinstance(replaced, ChildReplaced) and (replaced.quantity, replaced.price) == (200, Decimal("189.00"))
    queue = venue.book(AAPL).queue(BUY, 18900)
    assert queue[-1] == behind and venue.book(AAPL).depth(BUY, 1) == [(18900, 300)]


def test_replace_to_a_new_price_goes_to_the_back_of_the_queue() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    ahead = venue.place_background(AAPL, BUY, 100, 18901).order_id
    venue.replace(ChildId("C1"), 100, Decimal("189.01"))
    clock.advance(ROUND_TRIP)
    assert isinstance(recorder.orders[-1], ChildReplaced)
    assert venue.book(AAPL).queue(BUY, 18901)[0] == ahead
    venue.place_background(AAPL, SELL, 100, 18901)
    clock.advance(ROUND_TRIP)
    assert recorder.of(ChildFilled) == []


def test_replace_across_the_spread_reports_replaced_then_fills() -> None:
    clock, venue, recorder = quiet_venue()
    venue.place_background(AAPL, SELL, 100, 19000)
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.replace(ChildId("C1"), 300, Decimal("190.00"))
    clock.advance(ROUND_TRIP)
    assert [type(e) for e in recorder.orders] == [ChildAccepted, ChildReplaced, ChildFilled]
    fill = recorder.orders[-1]
    assert isinstance(fill, ChildFilled) and fill.liquidity is Liquidity.REMOVED
    assert venue.book(AAPL).depth(BUY, 1) == [(19000, 200)]


def test_replace_after_a_partial_fill_sets_the_total_not_the_remainder() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, SELL, 100, 18900)
    venue.replace(ChildId("C1"), 400, None)
    clock.advance(ROUND_TRIP)
    assert venue.book(AAPL).depth(BUY, 1) == [(18900, 300)]
    venue.place_background(AAPL, SELL, 1_000, 18900)
    clock.advance(ROUND_TRIP)
    assert sum(f.quantity for f in recorder.of(ChildFilled)) == 400
    assert venue.book(AAPL).depth(SELL, 1) == [(18900, 700)]


@pytest.mark.parametrize(
    ("quantity", "price", "reason"),
    [
        (100, None, "new quantity 100 is not above the 100 already filled"),
        (0, None, "quantity must be positive"),
        (300, Decimal("189.005"), "not a positive multiple"),
        (250, None, "not a whole number"),
    ],
)
def test_bad_replace_is_rejected_and_changes_nothing(quantity: int, price: Decimal | None, reason: str) -> None:
    clock = VirtualClock(OPEN_NS)
    instruments = {AAPL: Instrument(AAPL, Decimal("0.01"), 100)}
    venue = SimVenue(LIT, clock, instruments, seed=1)
    recorder = Recorder()
    venue.connect(recorder)
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(10_000_000)
    venue.place_background(AAPL, SELL, 100, 18900)
    venue.replace(ChildId("C1"), quantity, price)
    clock.advance(10_000_000)
    rejected = recorder.orders[-1]
    assert isinstance(rejected, ChildReplaceRejected) and reason in rejected.reason
    assert venue.book(AAPL).depth(BUY, 5) == [(18900, 200)]


def test_replace_after_the_order_is_done_is_too_late() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00", child_id="C1"))
    venue.replace(ChildId("UNKNOWN"), 100, None)
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, SELL, 100, 18900)
    venue.replace(ChildId("C1"), 200, None)
    clock.advance(ROUND_TRIP)
    rejects = [e.reason for e in recorder.of(ChildReplaceRejected)]
    assert rejects == ["unknown order UNKNOWN", "too late to replace: order filled"]


def test_reports_arrive_after_the_round_trip_stamped_with_their_arrival() -> None:
    clock, venue, recorder = quiet_venue()
    sent_at = clock.now_ns()
    venue.submit(child(BUY, 100, "189.00"))
    clock.advance(ROUND_TRIP - 1)
    assert recorder.orders == []
    clock.advance(1)
    assert [e.ts_ns for e in recorder.orders] == [sent_at + ROUND_TRIP]


def test_submitting_before_connect_is_a_programming_error() -> None:
    venue = SimVenue(LIT, VirtualClock(OPEN_NS), INSTRUMENTS, seed=1)
    with pytest.raises(RuntimeError, match="not connected"):
        venue.submit(child(BUY, 100, "189.00"))


def test_close_stops_all_reporting() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 100, "189.00"))
    venue.close()
    clock.advance(ROUND_TRIP * 10)
    assert recorder.orders == []


def test_resting_day_orders_expire_at_the_close() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 300, "189.00", child_id="C1"))
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, SELL, 100, 18900)
    clock.advance(int((6.5 * 3600 - 1) * 1e9))
    assert not recorder.of(ChildExpired)
    clock.advance(2 * 1_000_000_000)
    (expired,) = recorder.of(ChildExpired)
    assert expired.child_id == "C1" and "200 open" in expired.reason
    assert len(venue.book(AAPL)) == 0
    venue.cancel(ChildId("C1"))
    clock.advance(ROUND_TRIP)
    assert recorder.orders[-1] == ChildCancelRejected(
        recorder.orders[-1].ts_ns, ChildId("C1"), "too late to cancel: order expired"
    )


def test_self_trade_prevention_cancels_our_resting_order_with_a_reason() -> None:
    clock, venue, recorder = quiet_venue()
    venue.submit(child(BUY, 200, "190.00", child_id="RESTING"))
    clock.advance(ROUND_TRIP)
    venue.place_background(AAPL, BUY, 100, 18999)
    venue.submit(child(SELL, 300, "189.99", tif=TimeInForce.IOC, child_id="INCOMING"))
    clock.advance(ROUND_TRIP)
    canceled = [e for e in recorder.of(ChildCanceled) if e.child_id == "RESTING"]
    assert len(canceled) == 1 and "self-trade prevention" in canceled[0].reason and "INCOMING" in canceled[0].reason
    fills = recorder.of(ChildFilled)
    assert [(f.child_id, f.quantity, f.price) for f in fills] == [("INCOMING", 100, Decimal("189.99"))]
    assert venue.book(AAPL).best_bid() is None
