"""Amend (quantity, limit, end time) and pause/resume while working: every algo re-plans what is left
over what is left of the window, so neither ends in a burst of crossing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.algos import vwap
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import OrdStatus, ParentId, TimeInForce
from tests.engine.algos.desk import MIN, Desk, fresh_desk
from tests.engine.conftest import INSTRUMENTS
from tests.engine.scripted_venue import ScriptedVenue

SCHEDULED = ("TWAP", "VWAP", "IS")


@pytest.fixture
def desk(engine: Engine, venue: ScriptedVenue, clock: VirtualClock) -> Iterator[Desk]:
    yield Desk(engine, venue, clock)
    vwap.set_curve_provider(None)


def target_now(desk: Desk, pid: ParentId) -> int:
    algo = desk.engine.algo(pid)
    return algo.target_qty(desk.engine.store.parent(pid), desk.clock.now_ns())


def iocs_between(desk: Desk, pid: ParentId, t0: int, t1: int) -> list[int]:
    return [o.quantity for o in desk.children(pid) if o.tif is TimeInForce.IOC and t0 <= o.ts_ns < t1]


@pytest.mark.parametrize("algo", SCHEDULED)
def test_more_quantity_is_spread_over_the_rest_of_the_window(desk: Desk, algo: str) -> None:
    pid = desk.submit(algo, 6000, minutes=40)
    desk.run(20 * 60, volume=100, passive_share=0.3)
    filled = desk.engine.store.parent(pid).cum_qty
    assert desk.engine.amend(pid, quantity=12_000).ok
    amended_at = desk.clock.now_ns()
    desk.run(1)
    assert target_now(desk, pid) <= filled + (12_000 - filled) // 20  # no jump: the rest starts from here
    desk.run(60, volume=100, passive_share=0.3)
    assert iocs_between(desk, pid, amended_at, amended_at + MIN) == []
    desk.run(20 * 60, volume=100, passive_share=0.3)
    parent = desk.engine.store.parent(pid)
    assert parent.status is OrdStatus.FILLED and parent.cum_qty == 12_000


@pytest.mark.parametrize("algo", SCHEDULED)
def test_an_earlier_end_time_compresses_the_schedule(desk: Desk, algo: str) -> None:
    pid = desk.submit(algo, 6000, minutes=60)
    desk.run(10 * 60, volume=100, passive_share=0.5)
    new_end = desk.clock.now_ns() + 10 * MIN
    assert desk.engine.amend(pid, end_ns=new_end).ok
    desk.run(5 * 60, volume=100, passive_share=0.5)
    parent = desk.engine.store.parent(pid)
    assert parent.end_ns == new_end
    assert target_now(desk, pid) > 6000 * 15 // 60 + 1000  # well past where the old schedule would be
    desk.run(5 * 60 + 2, volume=100, passive_share=0.5)
    parent = desk.engine.store.parent(pid)
    assert parent.status is OrdStatus.FILLED and parent.updated_ns <= new_end


def test_a_lower_quantity_never_overfills(desk: Desk) -> None:
    pid = desk.submit("VWAP", 6000, minutes=30)
    desk.run(10 * 60, volume=100, passive_share=0.5)
    filled = desk.engine.store.parent(pid).cum_qty
    assert desk.engine.amend(pid, quantity=filled + 100).ok
    desk.run(25 * 60, volume=100, passive_share=1.0)
    parent = desk.engine.store.parent(pid)
    assert parent.cum_qty == filled + 100 and parent.status is OrdStatus.FILLED


@pytest.mark.parametrize("algo", ("TWAP", "VWAP", "POV", "IS"))
def test_an_amended_limit_prices_every_later_child(desk: Desk, algo: str) -> None:
    pid = desk.submit(algo, 6000, minutes=30, params={"urgency": "HIGH"})
    desk.run(5 * 60, volume=100, passive_share=0.2)
    before = len(desk.children(pid))
    assert desk.engine.amend(pid, limit_price=Decimal("99.97")).ok
    desk.run(10 * 60, volume=100, passive_share=0.2)
    later = desk.children(pid)[before:]
    assert later and all(o.price is not None and o.price <= Decimal("99.97") for o in later)
    assert not [o for o in later if o.tif is TimeInForce.IOC]  # the ask is above the limit: no sweeps


@pytest.mark.parametrize("algo", ("TWAP", "VWAP", "POV", "IS"))
def test_a_paused_parent_sends_nothing_and_resumes_without_a_catch_up_burst(desk: Desk, algo: str) -> None:
    pid = desk.submit(algo, 6000, minutes=40, params={"rate": "0.05"} if algo == "POV" else None)
    desk.run(10 * 60, volume=100, passive_share=0.3)
    assert desk.engine.pause(pid).ok
    desk.run(2, volume=100)
    sent = len(desk.children(pid))
    assert not desk.engine.algo_gateway.live_children(pid)
    desk.run(15 * 60, volume=100)
    assert len(desk.children(pid)) == sent
    filled = desk.engine.store.parent(pid).cum_qty
    assert desk.engine.resume(pid).ok
    resumed_at = desk.clock.now_ns()
    assert target_now(desk, pid) <= filled + 6000 // 15
    desk.run(60, volume=100, passive_share=0.3)
    assert iocs_between(desk, pid, resumed_at, resumed_at + MIN) == []
    assert desk.children(pid)[-1].ts_ns >= resumed_at  # working again
    if algo != "POV":
        desk.run(15 * 60 + 2, volume=100, passive_share=0.3)
        assert desk.engine.store.parent(pid).status is OrdStatus.FILLED


def test_a_parent_paused_at_the_end_time_expires_with_what_is_left(desk: Desk) -> None:
    pid = desk.submit("TWAP", 6000, minutes=10)
    desk.run(60, volume=100, passive_share=0.5)
    assert desk.engine.pause(pid).ok
    desk.run(10 * 60, volume=100)
    parent = desk.engine.store.parent(pid)
    assert parent.status is OrdStatus.EXPIRED and parent.cum_qty < 6000


@pytest.mark.parametrize("algo", ("TWAP", "VWAP", "IS"))
def test_a_parent_adopted_after_a_restart_plans_what_is_left_from_where_it_stands(
    desk: Desk, journal_path: Path, algo: str
) -> None:
    pid = desk.submit(algo, 6000, minutes=30)
    desk.run(10 * 60, volume=100, passive_share=0.3)
    filled = desk.engine.store.parent(pid).cum_qty
    clock = desk.clock
    desk.engine.close()  # the desk goes down for five minutes
    clock.advance(5 * MIN)
    venue = ScriptedVenue("LIT1", clock)
    venue._fill_ids = itertools.count(10_000)  # a new session: fill ids must not repeat the old ones
    fresh = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[venue])
    fresh.recover()
    fresh.start()
    after = Desk(fresh, venue, clock)
    assert fresh.store.parent(pid).paused and fresh.store.parent(pid).cum_qty == filled
    assert fresh.resume(pid).ok
    resumed_at = clock.now_ns()
    assert target_now(after, pid) <= filled + 6000 // 15
    after.run(60, volume=100, passive_share=0.3)
    assert iocs_between(after, pid, resumed_at, resumed_at + MIN) == []
    after.run(15 * 60 + 2, volume=100, passive_share=0.3)
    assert fresh.store.parent(pid).status is OrdStatus.FILLED
    fresh.close()


def test_the_algo_of_a_parent_being_canceled_sends_nothing_when_a_late_fill_wakes_it(desk: Desk) -> None:
    pid = desk.submit("TWAP", 6000, minutes=40)
    desk.run(3 * 60, volume=100, passive_share=0.0)  # its children rest, unfilled
    live = desk.engine.store.live_child_ids(pid)
    assert live
    algo = desk.engine.algo(pid)
    assert algo is not None and desk.engine.cancel(pid).ok
    sent = len(desk.children(pid))
    child = desk.engine.store.child(live[0])
    desk.venue.fill(live[0], 100, str(child.price))  # executed at the venue before our cancel got there
    algo.wake()  # and any late wake of the stopped algo
    algo.wake_at(desk.clock.now_ns() + NS_PER_S)
    desk.clock.advance(5 * MIN)
    assert len(desk.children(pid)) == sent
    assert desk.engine.store.parent(pid).status is OrdStatus.PENDING_CANCEL


@pytest.mark.parametrize("book", ["no offers", "no bids or offers"])
@pytest.mark.parametrize("limit", [None, "100.05"])
def test_a_buy_behind_schedule_in_a_book_without_offers_waits_without_an_error_or_a_sweep(
        desk: Desk, book: str, limit: str | None) -> None:
    pid = desk.submit("TWAP", 6000, minutes=10, params={"slice_seconds": "30"}, limit=limit)
    desk.run(90, volume=100, passive_share=0.0)  # nothing fills: behind its schedule, it wants to cross
    bids = ((Decimal("100.00"), 1_000),) if book == "no offers" else ()
    desk.levels(bids, ())
    before = len(desk.children(pid))
    desk.clock.advance(3 * MIN)
    assert [o.tif for o in desk.children(pid)[before:] if o.tif is TimeInForce.IOC] == []  # nothing to take
    parent = desk.engine.store.parent(pid)
    assert parent.status.is_live and not parent.paused
    assert [r.text for r in desk.engine.journal.replay() if isinstance(r, ev.AlertRaised)] == []


def test_a_re_peg_waits_for_its_cancel_to_land_before_posting_again(desk: Desk) -> None:
    pid = desk.submit("TWAP", 6000, minutes=10, params={"slice_seconds": "30"})
    desk.run(40, volume=100, passive_share=0.0)  # a passive child rests at the bid
    [resting] = desk.engine.store.live_child_ids(pid)
    desk.quote("100.05", "100.07")  # the market moves away: the algo re-pegs, asking to cancel the old child
    desk.clock.advance(10 * NS_PER_S)  # the venue does not confirm the cancel
    assert desk.engine.store.child(resting).status is OrdStatus.PENDING_CANCEL
    assert desk.engine.store.live_child_ids(pid) == [resting]  # nothing new rests beside it meanwhile


@pytest.mark.parametrize("algo", SCHEDULED)
def test_a_market_parent_in_a_book_with_no_quotes_posts_nothing_rather_than_an_unpriced_child(
        desk: Desk, algo: str) -> None:
    desk.levels((), ())
    pid = desk.submit(algo, 6000, minutes=10, params={"slice_seconds": "30"})  # no limit: nothing prices a child
    desk.run(120, volume=100)
    assert desk.children(pid) == []
    assert desk.engine.store.parent(pid).status.is_live


@pytest.mark.parametrize("algo", SCHEDULED)
def test_after_an_odd_lot_fill_and_a_re_plan_the_schedule_still_wants_everything_by_the_end(algo: str) -> None:
    desk = fresh_desk("LOTS")  # round lots of 100 (ticks of 0.05); a venue may still fill part of a lot
    desk.quote("100.00", "100.10")
    pid = desk.submit(algo, 6000, minutes=10, params={"slice_seconds": "30"})
    desk.run(40, volume=1000, passive_share=0.0)
    [resting] = desk.engine.store.live_child_ids(pid)
    desk.venue.fill(resting, 50, str(desk.venue.submitted[resting].price))
    assert desk.engine.amend(pid, quantity=7000).ok  # re-plans from the odd lot filled
    algo_ = desk.engine.algo(pid)
    parent = desk.engine.store.parent(pid)
    assert parent.cum_qty % 100 == 50  # an odd lot filled so far
    assert algo_.target_qty(parent, parent.end_ns) == 7000
    assert algo_.forecast_qty(parent, parent.end_ns - 10 * NS_PER_S, parent.end_ns) == 7000
