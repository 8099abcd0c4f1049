"""Invariants of a lit venue under random interleavings of our requests, background flow and latency."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.events import (
    ChildAccepted,
    ChildCanceled,
    ChildCancelRejected,
    ChildFilled,
    ChildRejected,
    ChildReplaced,
    ChildReplaceRejected,
)
from engine.model import ChildId, Side, TimeInForce
from tests.engine.venues.sim.helpers import AAPL, ONE_WAY_NS, child, quiet_venue

_side = st.sampled_from([Side.BUY, Side.SELL])
_price = st.integers(18997, 19003)
_action = st.one_of(
    st.tuples(st.just("ours"), _side, st.integers(1, 6), _price, st.sampled_from(["day", "ioc", "market"])),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("replace"), st.integers(0, 30), st.integers(1, 6), _price),
    st.tuples(st.just("background"), _side, st.integers(1, 6), _price, st.booleans()),
    st.tuples(st.just("wait"), st.integers(0, 3 * ONE_WAY_NS)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_action, max_size=50))
def test_no_child_is_overfilled_or_reported_after_it_is_done(actions: list[tuple]) -> None:  # type: ignore[type-arg]
    clock, venue, recorder = quiet_venue(jitter_ns=ONE_WAY_NS)
    sent: list[ChildId] = []
    for action in actions:
        kind = action[0]
        if kind == "ours":
            _, side, lots, ticks, how = action
            price = None if how == "market" else str(Decimal(ticks) / 100)
            order = child(side, lots * 100, price, tif=TimeInForce.IOC if how == "ioc" else TimeInForce.DAY)
            sent.append(order.child_id)
            venue.submit(order)
        elif kind == "cancel" and sent:
            venue.cancel(sent[action[1] % len(sent)])
        elif kind == "replace" and sent:
            _, pick, lots, ticks = action
            venue.replace(sent[pick % len(sent)], lots * 100, Decimal(ticks) / 100)
        elif kind == "background":
            _, side, lots, ticks, ioc = action
            venue.place_background(AAPL, side, lots * 100, ticks, ioc=ioc)
        elif kind == "wait":
            clock.advance(action[1])
        book = venue.book(AAPL)
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask
    clock.advance(100 * ONE_WAY_NS)

    ordered = {}
    filled: dict[str, int] = {}
    done: set[str] = set()
    fill_ids = set()
    for event in recorder.orders:
        cid = event.child_id
        if isinstance(event, ChildAccepted | ChildRejected):
            assert cid not in ordered, "a child is answered once"
            ordered[cid] = venue.child(cid).order.quantity if isinstance(event, ChildAccepted) else 0  # type: ignore[union-attr]
            if isinstance(event, ChildRejected):
                done.add(cid)
            continue
        if isinstance(event, ChildCancelRejected | ChildReplaceRejected):
            continue
        assert cid in ordered and cid not in done, f"{type(event).__name__} for {cid} after it was done"
        if isinstance(event, ChildReplaced):
            assert event.quantity > filled.get(cid, 0)
            ordered[cid] = event.quantity
        elif isinstance(event, ChildFilled):
            assert event.fill_id not in fill_ids
            fill_ids.add(event.fill_id)
            filled[cid] = filled.get(cid, 0) + event.quantity
            assert filled[cid] <= ordered[cid]
            if filled[cid] == ordered[cid]:
                done.add(cid)
        elif isinstance(event, ChildCanceled):
            done.add(cid)
    for cid in sent:
        record = venue.child(cid)
        if record is not None:
            assert record.filled == filled.get(cid, 0)
            assert (record.closed is None) == (cid not in done)
            assert (record.closed is None) == (record.book_id is not None and venue.book(AAPL).is_live(record.book_id))
