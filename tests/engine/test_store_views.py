"""The order store's parent views: one per parent between two events, never one that is out of date, and
never part of a checkpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import events as ev
from engine.model import ChildId, Liquidity, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.store import InvariantBroken, OrderStore
from engine.views import ParentView

P = ParentId("P1")
C = ChildId("C1")
AAPL = Symbol("AAPL")


def working_store() -> OrderStore:
    store = OrderStore()
    store.apply(ev.ParentAccepted(1, P, AAPL, Side.BUY, 1_000, Decimal("100"), "TWAP", 1, 10**12, Decimal("99.99")))
    return store


def test_a_view_is_reused_until_the_next_event_and_then_shows_it() -> None:
    store = working_store()
    first = store.parent(P)
    assert store.parent(P) is first
    store.apply(ev.ChildSubmitted(2, C, P, VenueId("LIT1"), AAPL, Side.BUY, 300, Decimal("99.98"), OrdType.LIMIT,
                                  TimeInForce.DAY))
    submitted = store.parent(P)
    assert submitted is not first and submitted.working_qty == 300 and submitted.children == 1
    store.apply(ev.ChildAccepted(3, C, "V1"))
    store.apply(ev.ChildFilled(4, "F1", C, P, VenueId("LIT1"), AAPL, Side.BUY, 100, Decimal("99.98"), Decimal("0"),
                               Liquidity.ADDED))
    filled = store.parent(P)
    assert (filled.cum_qty, filled.working_qty, filled.status) == (100, 200, OrdStatus.PARTIALLY_FILLED)
    store.apply(ev.ParentPaused(5, P, "desk"))
    assert store.parent(P).paused


def test_a_refused_event_leaves_the_view_as_it_was() -> None:
    store = working_store()
    before = store.parent(P)
    refused = store.apply(ev.ChildAccepted(2, ChildId("nobody"), "V1"))
    assert refused and isinstance(refused[0], ev.IllegalTransition)
    assert store.parent(P) == before


def test_views_are_not_checkpointed_and_a_restored_store_builds_its_own() -> None:
    store = working_store()
    store.parent(P)
    state = store.export_state()
    assert not any(isinstance(value, dict) and any(isinstance(v, ParentView) for v in value.values())
                   for value in state.values())
    restored = OrderStore()
    restored.import_state(state)
    assert restored.parent(P) == store.parent(P)


def test_a_childs_status_and_parent_read_alone_are_its_views() -> None:
    """`child_status` and `child_parent` (asked on every child event, no view built) say what the view says,
    through the child's life."""
    store = working_store()
    store.apply(ev.ChildSubmitted(2, C, P, VenueId("LIT1"), AAPL, Side.BUY, 300, Decimal("99.98"), OrdType.LIMIT,
                                  TimeInForce.DAY))
    steps = [ev.ChildAccepted(3, C, "V1"),
             ev.ChildFilled(4, "F1", C, P, VenueId("LIT1"), AAPL, Side.BUY, 100, Decimal("99.98"), Decimal("0"),
                            Liquidity.ADDED),
             ev.ChildCanceled(5, C, "desk")]
    seen = []
    for step in [None, *steps]:
        if step is not None:
            assert not store.apply(step)
        view = store.child(C)
        assert (store.child_status(C), store.child_parent(C)) == (view.status, view.parent_id)
        seen.append(view.status)
    assert seen == [OrdStatus.PENDING_NEW, OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.CANCELED]


def test_what_can_never_be_right_raises_and_changes_nothing() -> None:
    """The store's last line under the flows' own checks: a parent accepted twice, a child submitted twice and
    a parent amended below what it has filled are programming errors, raised before anything changes."""
    store = working_store()
    child = ev.ChildSubmitted(2, C, P, VenueId("LIT1"), AAPL, Side.BUY, 300, Decimal("99.98"), OrdType.LIMIT,
                              TimeInForce.DAY)
    store.apply(child)
    store.apply(ev.ChildFilled(3, "F1", C, P, VenueId("LIT1"), AAPL, Side.BUY, 200, Decimal("99.98"), Decimal("0"),
                               Liquidity.ADDED))
    before = store.parent(P)
    for broken, said in (
        (ev.ParentAccepted(4, P, AAPL, Side.BUY, 5_000, None, "TWAP", 4, 10**12, Decimal("99.99")), "accepted twice"),
        (child, "submitted twice"),
        (ev.ParentAmended(4, P, 199, Decimal("100"), 10**12), "amended to 199 below filled 200"),
    ):
        with pytest.raises(InvariantBroken, match=said):
            store.apply(broken)
        assert store.parent(P) == before and store.child(C).quantity == 300
    store.apply(ev.ParentAmended(5, P, 200, Decimal("100"), 10**12))  # down to what is filled is right
    assert store.parent(P).quantity == 200
