"""The router's decision record: the same children as before, every venue ranked once, what went where."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.market import VenueLevel
from engine.model import Side, VenueId
from engine.router import choose_passive_venue, route_passive, route_sweep, sweep

VENUES = [VenueId(v) for v in ("A", "B", "C")]
levels_strategy = st.lists(st.tuples(st.sampled_from(VENUES), st.integers(990, 1010), st.integers(1, 900)),
                           max_size=12)


def book(raw: list[tuple[VenueId, int, int]], *, asks: bool) -> list[VenueLevel]:
    levels = [VenueLevel(v, Decimal(p) / 100, s) for v, p, s in raw]
    levels.sort(key=lambda lvl: (lvl.price if asks else -lvl.price, -lvl.size, lvl.venue))
    return levels


@given(levels_strategy, st.integers(1, 3_000), st.one_of(st.none(), st.integers(990, 1010)), st.sampled_from([1, 100]))
def test_a_sweep_decision_sends_exactly_what_the_sweep_did(raw: list[tuple[VenueId, int, int]], quantity: int,
                                                           limit: int | None, lot: int) -> None:
    asks = book(raw, asks=True)
    cap = None if limit is None else Decimal(limit) / 100
    decision = route_sweep(asks, VENUES, Side.BUY, quantity, cap, lot)
    assert list(decision.slices) == sweep(asks, Side.BUY, quantity, cap, lot)
    assert sorted(s.venue for s in decision.ranking) == VENUES  # every venue once
    assert {s.venue: s.routed for s in decision.ranking if s.routed} == {s.venue: s.quantity for s in decision.slices}
    prices = [s.price for s in decision.ranking if s.price is not None]
    shown = [s for s in decision.ranking if s.price is not None]
    assert prices == sorted(prices)  # best (lowest ask) first
    assert all(s.score is not None and s.score <= 0 for s in shown) and (not shown or shown[0].score == 0)


@given(levels_strategy, st.integers(1, 3_000))
def test_a_passive_decision_rests_where_the_router_always_did(raw: list[tuple[VenueId, int, int]],
                                                              quantity: int) -> None:
    bids = book(raw, asks=False)
    decision = route_passive(bids, VENUES, quantity, Decimal("10.00"))
    chosen = choose_passive_venue(bids, VENUES)
    assert [s.venue for s in decision.slices] == [chosen]
    assert chosen is not None and decision.slices[0].quantity == quantity and chosen in decision.note
    assert decision.ranking[0].venue == chosen and decision.ranking[0].routed == quantity
