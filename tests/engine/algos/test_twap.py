"""TWAP: the straight-line schedule and the shell that works it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.algos.twap import twap_target
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.model import OrdStatus, ParentId, Side, TimeInForce
from tests.engine.conftest import OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

MIN = 60 * NS_PER_S


def test_twap_target_is_linear_in_whole_lots() -> None:
    start, end = 0, 100
    assert twap_target(start, end, 1000, 0) == 0
    assert twap_target(start, end, 1000, 25) == 250
    assert twap_target(start, end, 1000, 50) == 500
    assert twap_target(start, end, 1000, 100) == 1000
    assert twap_target(start, end, 1000, 33, lot_size=100) == 300
    assert twap_target(start, end, 1000, 200) == 1000


@given(
    quantity=st.integers(1, 10**7), lot=st.sampled_from([1, 10, 100]),
    t1=st.integers(0, 10**6), t2=st.integers(0, 10**6),
)
def test_twap_target_is_monotone_bounded_and_in_lots(quantity: int, lot: int, t1: int, t2: int) -> None:
    quantity = max(lot, quantity - quantity % lot)
    a, b = sorted((t1, t2))
    ta, tb = twap_target(0, 10**6, quantity, a, lot), twap_target(0, 10**6, quantity, b, lot)
    assert 0 <= ta <= tb <= quantity
    assert ta % lot == 0 and (tb % lot == 0 or tb == quantity)


def start_twap(engine: Engine, qty: int, *, symbol: str = "AAPL", limit: str | None = None,
               minutes: int = 60, slice_s: int = 60) -> ParentId:
    result = engine.submit_ticket(
        symbol=symbol, side=Side.BUY, quantity=qty, limit_price=Decimal(limit) if limit else None, algo="TWAP",
        end_ns=OPEN_NS + minutes * MIN, params={"slice_seconds": str(slice_s)},
    )
    assert result.parent_id is not None, result.reason
    return result.parent_id


def exposure(engine: Engine, pid: ParentId) -> int:
    parent = engine.store.parent(pid)
    return parent.cum_qty + sum(c.leaves_qty for c in engine.algo_gateway.live_children(pid))


def test_passive_child_is_sized_to_the_next_slice_and_priced_at_the_bid(engine: Engine, venue: ScriptedVenue) -> None:
    pid = start_twap(engine, 6000)
    (order,) = venue.submitted.values()
    assert order.tif is TimeInForce.DAY and order.price == Decimal("100.00")
    assert order.quantity == 100  # 6000 over 60 one-minute slices
    assert exposure(engine, pid) <= 6000


def test_behind_schedule_cancels_passive_and_crosses_the_spread(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    pid = start_twap(engine, 6000)
    (passive,) = venue.submitted
    venue.ack(passive)
    venue.book("AAPL", "100.00", "100.02", size=5000)
    clock.advance(3 * MIN)  # 300 due, nothing filled: more than one slice behind
    assert passive in venue.cancels
    venue.canceled(passive)
    iocs = [o for o in venue.submitted.values() if o.tif is TimeInForce.IOC]
    assert iocs and all(o.price == Decimal("100.02") for o in iocs)
    assert sum(o.quantity for o in iocs) >= 200
    assert exposure(engine, pid) <= 6000


def test_limit_price_caps_passive_and_blocks_crossing(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    start_twap(engine, 6000, limit="99.95")
    (passive,) = venue.submitted.values()
    assert passive.price == Decimal("99.95")
    venue.ack(passive.child_id)
    clock.advance(10 * MIN)
    assert not [o for o in venue.submitted.values() if o.tif is TimeInForce.IOC]
    assert all(o.price is not None and o.price <= Decimal("99.95") for o in venue.submitted.values())


def test_lot_sizes_are_respected(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> None:
    venue.book("LOTS", "20.00", "20.05", size=100_000)
    pid = start_twap(engine, 12_300 - 12_300 % 100, symbol="LOTS", slice_s=30)
    for _ in range(20):
        clock.advance(MIN)
        for cid, _order in list(venue.submitted.items()):
            if engine.store.child(cid).status is OrdStatus.PENDING_CANCEL:
                venue.canceled(cid)
    assert all(o.quantity % 100 == 0 for o in venue.submitted.values())
    assert exposure(engine, pid) <= 12_300


def answer_without_liquidity(engine: Engine, venue: ScriptedVenue) -> None:
    """IOCs find nothing and die; requested cancels are confirmed."""
    for cid, order in list(venue.submitted.items()):
        status = engine.store.child(cid).status
        if status is OrdStatus.PENDING_CANCEL or (order.tif is TimeInForce.IOC and status.is_live):
            venue.canceled(cid, "IOC remainder" if order.tif is TimeInForce.IOC else "canceled")


def test_final_slice_goes_for_everything_left_and_parent_expires_if_unfilled(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    pid = start_twap(engine, 600, minutes=10)
    for _ in range(10 * 60):
        clock.advance(NS_PER_S)
        answer_without_liquidity(engine, venue)
    final_iocs = [o for o in venue.submitted.values()
                  if o.tif is TimeInForce.IOC and o.ts_ns >= OPEN_NS + 9 * MIN]
    assert final_iocs and max(o.quantity for o in final_iocs) == 600
    answer_without_liquidity(engine, venue)
    for cid in list(venue.submitted):
        if engine.store.child(cid).status.is_live:
            venue.canceled(cid)
    parent = engine.store.parent(pid)
    assert parent.status is OrdStatus.EXPIRED and "600 unfilled" in parent.text
    sweeps = {o.ts_ns for o in venue.submitted.values() if o.tif is TimeInForce.IOC}
    assert len(sweeps) <= 10 * 60 // 2 + 1  # throttled to one sweep every 2 s at most


def test_every_fill_recalibrates_and_the_parent_completes(
    engine: Engine, venue: ScriptedVenue, clock: VirtualClock
) -> None:
    pid = start_twap(engine, 600, minutes=6)
    for _ in range(40):
        for cid, order in list(venue.submitted.items()):
            child = engine.store.child(cid)
            if child.status is OrdStatus.PENDING_NEW:
                venue.ack(cid)
            child = engine.store.child(cid)
            if child.status is OrdStatus.PENDING_CANCEL:
                venue.canceled(cid)
            elif child.status.is_live and child.leaves_qty:
                venue.fill(cid, child.leaves_qty, str(order.price))
            assert exposure(engine, pid) <= 600
        clock.advance(15 * NS_PER_S)
    parent = engine.store.parent(pid)
    assert parent.status is OrdStatus.FILLED and parent.cum_qty == 600


def test_no_passive_top_up_smaller_than_half_a_slice(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> None:
    start_twap(engine, 6000)  # 100 per one-minute slice
    (first,) = venue.submitted.values()
    venue.ack(first.child_id)
    venue.fill(first.child_id, first.quantity, "100.00")
    for _ in range(40):
        clock.advance(NS_PER_S)
    later = [o for o in venue.submitted.values() if o.child_id != first.child_id]
    assert later and all(o.quantity >= 50 for o in later)
