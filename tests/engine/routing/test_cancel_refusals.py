"""A cancel the router asked for and the venue refused: the child works on, so the router no longer counts it as
going; it asks again a second later while its reason holds (at most three asks in all), never at once (a venue
that refuses at once would make that a loop)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine.clock import VirtualClock
from engine.model import ChildId, FillId, Liquidity, OrdStatus, Side
from engine.routing.router import CANCEL_ASKS, CANCEL_RETRY_NS
from tests.engine.conftest import OPEN_NS
from tests.engine.routing.helpers import AAPL, INSTRUMENT, P1, VENUES, journal, make_router, parent, passive
from tests.engine.routing.test_router_restart import rest_a_slice, slice_of, world


def refused(child_id: ChildId) -> ev.ChildCancelRejected:
    return ev.ChildCancelRejected(0, child_id, "too many requests")


def test_a_refused_cancel_of_a_filled_slices_excess_is_asked_again_a_second_later_at_most_three_times() -> None:
    router, ports, clock = make_router(view=parent(routing="PARALLEL"))
    decision, children = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    ids = journal(router, decision.policy, decision.note, children, ports)
    assert len(ids) == 3
    router.on_event(ev.ChildFilled(0, FillId("F1"), ids[0], P1, children[0].venue, AAPL, Side.BUY, 300,
                                   Decimal("190.00"), Decimal(0), Liquidity.ADDED))
    excess = [cid for cid, _ in ports.cancels]
    assert set(excess) == set(ids[1:])
    ports.cancels.clear()
    router.on_event(refused(ids[1]))
    assert ports.cancels == []  # not at once
    clock.advance(CANCEL_RETRY_NS)
    [(child_id, reason)] = ports.cancels
    assert child_id == ids[1] and "canceling the excess (asked again: the venue refused the cancel)" in reason
    for _ in range(5):
        router.on_event(refused(ids[1]))
        clock.advance(CANCEL_RETRY_NS)
    assert [cid for cid, _ in ports.cancels] == [ids[1]] * (CANCEL_ASKS - 1)  # three asks in all, then it stops


def test_a_refused_cancel_counts_the_child_as_working_again_for_the_parents_leaves() -> None:
    router, ports, clock = make_router(view=parent(1_000, routing="PARALLEL"))
    decision, children = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    ids = journal(router, decision.policy, decision.note, children, ports)
    out = sum(c.quantity for c in children)
    ports.view = parent(out, working=out)  # the parent shrank to what is out: nothing is excess
    router.on_event(ev.ChildCancelRequested(0, ids[-1], "trader: cancel"))  # someone else's cancel
    router.on_event(refused(ids[-1]))
    ports.view = parent(out - 100, working=out)  # now 100 too many are out
    router.on_event(ev.ParentAmended(0, P1, out - 100, None, 0))
    assert [cid for cid, _ in ports.cancels] == [ids[-1]]  # the refused one is working: it is canceled
    clock.advance(10 * CANCEL_RETRY_NS)
    router.on_event(refused(ids[-1]))
    clock.advance(10 * CANCEL_RETRY_NS)
    assert len(ports.cancels) == 2  # and asked once more


def test_on_the_engine_a_refused_excess_cancel_reaches_the_venue_again(tmp_path: Path) -> None:
    clock = VirtualClock(OPEN_NS)
    engine, venues = world(tmp_path / "j.db", clock)
    parent_id, children = rest_a_slice(engine, venues, "PARALLEL")
    target = slice_of(engine, parent_id).group_target
    first, *excess = children
    venues[engine.store.child(first).venue].fill(first, target, "100.00")
    refusing = venues[engine.store.child(excess[0]).venue]
    assert refusing.cancels == [excess[0]]
    refusing.cancel_rejected(excess[0], "throttled: try again")
    assert engine.store.child(excess[0]).status is OrdStatus.NEW  # it works on, as the venue said
    clock.advance(CANCEL_RETRY_NS)
    assert refusing.cancels == [excess[0], excess[0]]
    assert engine.store.child(excess[0]).status is OrdStatus.PENDING_CANCEL
    engine.close()
