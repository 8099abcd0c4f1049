"""Router policies on constructed books: ranking, re-routing the unfilled rest, dark-first sequencing,
minimum quantity, and what each decision records."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from engine import events as ev
from engine.model import ChildId, FillId, Instrument, Liquidity, Side, VenueId
from engine.routing.policy import RoutingConfig, RoutingPolicy
from engine.routing.ranking import VenueCost, VenueCosts
from engine.routing.scorecard import ScoreKey, VenueStats, size_bucket
from tests.engine.routing.helpers import (
    AAPL,
    DARK1,
    DAY,
    IOC,
    LIT1,
    LIT2,
    LIT3,
    P1,
    VENUES,
    S,
    book,
    make_router,
    parent,
    passive,
    route,
    standard_market,
    sweep,
)


def filled(child_id: ChildId, quantity: int, venue: str = "LIT1", price: str = "190.01") -> ev.ChildFilled:
    return ev.ChildFilled(0, FillId(f"F-{child_id}-{quantity}"), child_id, P1, venue, AAPL, Side.BUY,  # type: ignore[arg-type]
                          quantity, Decimal(price), Decimal(0), Liquidity.REMOVED)


def test_sequential_rest_goes_to_the_lowest_expected_all_in_cost_and_records_the_ranking() -> None:
    router, ports, _ = make_router(view=parent(routing="SEQUENTIAL"))
    decision, children = router.decide(passive(300), ports.view, *_world(ports))
    assert [(c.venue, c.quantity, c.tif) for c in children] == [(LIT1, 300, DAY)]  # the 0.0020 maker rebate
    assert decision.policy.startswith("sequential")
    ranked = [s.venue for s in decision.ranking]
    assert ranked[:3] == [LIT1, LIT3, LIT2]  # rebate 0.0020, rebate 0.0005, fee 0.0010
    scores = [s.score for s in decision.ranking[:3]]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert "LIT1" in decision.note and "lowest expected all-in cost" in decision.note


def test_sequential_rest_prefers_a_venue_that_fills_over_a_rebate_that_never_does() -> None:
    router, ports, _ = make_router(view=parent(routing="SEQUENTIAL"))
    card = router.scorecard
    never = card.stats(ScoreKey(LIT1, "limit", size_bucket(300)))
    never.orders, never.shares_sent = 50, 15_000  # fifty orders, nothing filled
    always = card.stats(ScoreKey(LIT3, "limit", size_bucket(300)))
    always.orders, always.shares_sent, always.shares_filled, always.orders_filled = 50, 15_000, 15_000, 50
    _, children = router.decide(passive(300), ports.view, *_world(ports))
    assert [c.venue for c in children] == [LIT3]


def test_sequential_rest_unfilled_after_the_timeout_is_canceled_and_the_rest_goes_to_the_next_venue() -> None:
    router, ports, clock = make_router(RoutingConfig(sequential_timeout_s=5.0), view=parent(routing="SEQUENTIAL"))
    _, children, ids = route(router, ports, passive(300))
    assert children[0].venue == LIT1
    router.on_event(filled(ids[0], 100, price="190.00"))
    clock.advance(5 * S)
    ((canceled, why),) = ports.cancels
    assert canceled == ids[0] and "200 of 300 unfilled on LIT1 after 5 s" in why
    router.on_event(ev.ChildCanceled(clock.now_ns(), ids[0], "canceled on request"))
    # the algo re-posts the rest: it goes to the next venue of the ranking, not back to LIT1
    _, again, _ = route(router, ports, passive(200))
    assert [(c.venue, c.quantity) for c in again] == [(LIT3, 200)]


def test_a_sequential_rest_already_being_canceled_is_not_canceled_again_when_its_time_is_up() -> None:
    router, ports, clock = make_router(RoutingConfig(sequential_timeout_s=5.0), view=parent(routing="SEQUENTIAL"))
    _, _, ids = route(router, ports, passive(300))
    router.on_event(ev.ChildCancelRequested(clock.now_ns(), ids[0], "the algo re-pegs"))
    clock.advance(5 * S)
    assert ports.cancels == []  # one cancel is out already; a second would only be refused


def test_sequential_take_goes_one_venue_at_a_time_best_price_then_lowest_fee_and_re_routes_the_rest() -> None:
    market = standard_market()
    book(market, LIT3, [("190.00", 200)], [("190.01", 300), ("190.02", 300)])
    router, ports, _ = make_router(view=parent(routing="SEQUENTIAL"), market=market)
    _decision, children, ids = route(router, ports, sweep(1_000, limit="190.01"))
    # all show 190.01: LIT2 pays takers (-0.0005), then LIT3 (0.0010), then LIT1 (0.0030)
    assert [(c.venue, c.quantity, c.tif, c.price) for c in children] == [(LIT2, 400, IOC, Decimal("190.01"))]
    assert ports.continued == []
    router.on_event(filled(ids[0], 250, "LIT2"))
    router.on_event(ev.ChildCanceled(0, ids[0], "IOC remainder canceled"))
    # the unfilled rest (750) goes at once to the next venue only, for what it shows within the limit
    assert [[(c.venue, c.quantity) for c in step] for step in ports.continued] == [[(LIT3, 300)]]
    next_id = ChildId(f"C{ports.next_id - 1}")
    router.on_event(filled(next_id, 300, "LIT3"))  # LIT3 fills all it showed: the IOC is done
    assert [[(c.venue, c.quantity) for c in step] for step in ports.continued][-1] == [(LIT1, 450)]


def test_parallel_take_sends_every_venue_its_displayed_size_at_once_within_the_room() -> None:
    router, ports, _ = make_router(view=parent(10_000, working=200, routing="PARALLEL"))
    _, children = router.decide(sweep(5_000, limit="190.02"), ports.view, *_world(ports))
    assert all(c.tif is IOC for c in children)
    assert {(c.venue, c.quantity) for c in children} == {(LIT1, 1_700), (LIT2, 900), (LIT3, 600)}
    router, ports, _ = make_router(view=parent(1_000, working=200, routing="PARALLEL"))
    _, children = router.decide(sweep(5_000, limit="190.02"), ports.view, *_world(ports))
    assert sum(c.quantity for c in children) == 800  # the parent's room, not the 5,000 asked


def test_parallel_take_sends_no_child_for_a_venue_showing_less_than_a_lot() -> None:
    market = standard_market()
    book(market, LIT3, [("190.00", 200)], [("190.01", 50)])  # an odd lot: nothing to take in round lots
    router, ports, _ = make_router(view=parent(10_000, routing="PARALLEL"), market=market)
    decision, children = router.decide(sweep(5_000, limit="190.01"), ports.view, Instrument(AAPL, Decimal("0.01"), 100),
                                       ports.market, VENUES)
    assert {(c.venue, c.quantity) for c in children} == {(LIT1, 800), (LIT2, 400)}
    assert "LIT3" not in decision.note.split(": ", 1)[1]


def test_parallel_take_takes_nothing_past_the_limit() -> None:
    router, ports, _ = make_router(view=parent(10_000, routing="PARALLEL"))
    _, children = router.decide(sweep(5_000, limit="190.01"), ports.view, *_world(ports))
    assert {(c.venue, c.quantity, c.price) for c in children} == {
        (LIT1, 800, Decimal("190.01")), (LIT2, 400, Decimal("190.01")), (LIT3, 300, Decimal("190.01"))}


def test_parallel_rest_overposts_across_venues_and_cancels_the_excess_once_the_slice_fills() -> None:
    router, ports, _ = make_router(RoutingConfig(parallel_overpost=2.0), view=parent(5_000, routing="PARALLEL"))
    _, children, ids = route(router, ports, passive(300))
    assert [c.quantity for c in children] == [200, 200, 200] and all(c.tif is DAY for c in children)
    router.on_event(filled(ids[1], 200, price="190.00"))
    assert ports.cancels == []
    router.on_event(filled(ids[2], 100, price="190.00"))
    assert sorted(c for c, _ in ports.cancels) == [ids[0], ids[2]]
    assert all("slice of 300 is filled" in why for _, why in ports.cancels)


def test_liquidity_seeking_pings_the_dark_pool_first_then_splits_across_lit_venues() -> None:
    router, ports, clock = make_router(RoutingConfig(dark_ping_cooldown_s=10.0), view=parent(routing="LIQUIDITY"))
    decision, children, ids = route(router, ports, passive(500))
    assert [(c.venue, c.quantity, c.tif, c.price) for c in children] == [(DARK1, 500, IOC, Decimal("190.01"))]
    assert "before any lit venue" in decision.note if decision else True
    router.on_event(ev.ChildCanceled(0, ids[0], "no dark contra"))
    clock.advance(S)
    _, lit, _ = route(router, ports, passive(500))  # the algo re-posts: lit now (no history yet: one venue)
    assert lit and all(c.venue != DARK1 for c in lit)
    clock.advance(10 * S)
    _, again, _ = route(router, ports, passive(500))
    assert [c.venue for c in again] == [DARK1]  # the cooldown passed: dark first again


def test_liquidity_seeking_sweep_pings_dark_then_takes_the_rest_lit_at_once() -> None:
    router, ports, _ = make_router(view=parent(routing="LIQUIDITY"))
    _, children, ids = route(router, ports, sweep(1_000, limit="190.02"))
    assert [(c.venue, c.tif) for c in children] == [(DARK1, IOC)]
    router.on_event(filled(ids[0], 300, "DARK1", "190.005"))
    router.on_event(ev.ChildCanceled(0, ids[0], "IOC remainder"))
    (rest,) = ports.continued
    assert DARK1 not in {c.venue for c in rest} and sum(c.quantity for c in rest) == 700


def test_liquidity_seeking_sweep_without_a_dark_ping_takes_lit_at_once_and_rests_nothing() -> None:
    router, ports, _ = make_router(view=parent(1_000, cum=850, routing="LIQUIDITY"))  # 150: below DARK1's 200
    decision, children = router.decide(sweep(150, limit="190.02"), ports.view, *_world(ports))
    assert children and all(c.tif is IOC for c in children), children
    assert DARK1 not in {c.venue for c in children} and sum(c.quantity for c in children) == 150
    assert all(c.price is not None and c.price <= Decimal("190.02") for c in children)
    assert decision.policy.startswith("liquidity-seeking")


def test_a_dark_ping_is_raised_to_the_pools_minimum_quantity_and_skipped_when_the_parent_cannot_send_it() -> None:
    router, ports, _ = make_router(view=parent(routing="LIQUIDITY"))
    _, children = router.decide(passive(100), ports.view, *_world(ports))
    assert [(c.venue, c.quantity) for c in children] == [(DARK1, 200)]  # DARK1 takes 200 at least
    router, ports, _ = make_router(view=parent(1_000, cum=850, routing="LIQUIDITY"))
    _, children = router.decide(passive(100), ports.view, *_world(ports))
    assert children and DARK1 not in {c.venue for c in children}  # 150 left: below the minimum, go lit
    router, ports, _ = make_router(view=parent(routing="LIQUIDITY"))
    _, children = router.decide(passive(60), ports.view, *_world(ports))
    assert children and DARK1 not in {c.venue for c in children}  # 200 is more than 3 x 60: too far ahead


def test_a_dark_ping_may_be_raised_to_exactly_the_most_it_may_be_raised() -> None:
    router, ports, _ = make_router(RoutingConfig(dark_max_raise=2.0), view=parent(routing="LIQUIDITY"))
    _, children = router.decide(passive(100), ports.view, *_world(ports))
    assert [(c.venue, c.quantity) for c in children] == [(DARK1, 200)]  # the minimum is exactly 2 x 100


def test_auto_seeks_liquidity_for_passive_slices_and_goes_parallel_for_sweeps() -> None:
    router, ports, _ = make_router(RoutingConfig(default_policy=RoutingPolicy.AUTO))
    passive_decision, _ = router.decide(passive(500), ports.view, *_world(ports))
    sweep_decision, _ = router.decide(sweep(500), ports.view, *_world(ports))
    assert passive_decision.policy.startswith("liquidity-seeking")
    assert sweep_decision.policy.startswith("parallel")


def test_a_venue_that_is_down_gets_nothing() -> None:
    router, ports, _ = make_router(view=parent(routing="PARALLEL"))
    router.on_event(ev.VenueStatusChanged(0, LIT2, False, "disconnected"))
    _, children = router.decide(sweep(5_000), ports.view, *_world(ports))
    assert children and LIT2 not in {c.venue for c in children}


def _world(ports: object) -> tuple[object, ...]:
    from tests.engine.routing.helpers import INSTRUMENT, VENUES
    return INSTRUMENT, ports.market, VENUES  # type: ignore[attr-defined]


VenueStats  # re-exported for readers of the scorecard keys above  # noqa: B018


def test_the_ticket_parameter_offers_exactly_the_routers_policies() -> None:
    from engine.algos.common import ROUTING_CHOICES
    from engine.routing.policy import POLICY_NAMES

    assert set(ROUTING_CHOICES) == set(POLICY_NAMES)


def test_venue_costs_are_worked_out_once_and_only_when_a_policy_asks() -> None:
    asked: list[str] = []

    def cost(venue: VenueId) -> VenueCost:
        asked.append(venue)
        return VenueCost(venue, 0.001 * len(asked), 0.0, 1.0, 0.1, 0.0)

    costs = VenueCosts([VenueId("LIT1"), VenueId("LIT2")], cost)
    assert list(costs) == ["LIT1", "LIT2"] and len(costs) == 2 and "LIT2" in costs and "DARK1" not in costs
    assert asked == []
    first = costs[VenueId("LIT2")]
    assert costs[VenueId("LIT2")] is first and asked == ["LIT2"]
    with pytest.raises(KeyError):
        costs[VenueId("DARK1")]
    assert dict(costs) == {"LIT1": costs[VenueId("LIT1")], "LIT2": first} and asked == ["LIT2", "LIT1"]


def test_a_sequential_take_stops_where_the_next_venue_shows_a_better_price() -> None:
    market = standard_market()
    book(market, LIT1, [("190.00", 900)], [("190.01", 300), ("190.02", 300), ("190.03", 300)])
    book(market, LIT2, [("190.00", 500)], [("190.02", 400)])
    book(market, LIT3, [("190.00", 200)], [("190.03", 300)])
    router, ports, _ = make_router(view=parent(routing="SEQUENTIAL"), market=market)
    _decision, children, ids = route(router, ports, sweep(1_000, limit="190.03"))
    # LIT1 has the best price, but at 190.02 LIT2 is as good and cheaper to take from: only LIT1's 190.01 now
    assert [(c.venue, c.quantity, c.price) for c in children] == [(LIT1, 300, Decimal("190.01"))]
    router.on_event(filled(ids[0], 300, "LIT1"))
    assert [[(c.venue, c.quantity, c.price) for c in step] for step in ports.continued] == \
        [[(LIT2, 400, Decimal("190.02"))]]


def test_a_fill_of_a_child_the_router_does_not_follow_changes_nothing() -> None:
    """Children the router does not follow (a single IOC, a child of the plain router's, one sent before a
    restart and already done) fill all day: their fills pass by without a cancel or an error."""
    router, ports, _ = make_router(RoutingConfig(parallel_overpost=2.0), view=parent(5_000, routing="PARALLEL"))
    _, _, ids = route(router, ports, passive(300))
    assert len(ids) == 3
    router.on_event(filled(ChildId("C-NOT-OURS"), 300))
    assert ports.cancels == []
    router.on_event(filled(ids[0], 200, price="190.00"))
    router.on_event(filled(ids[1], 100, price="190.00"))  # the slice is filled: the followed ones still are
    assert sorted(c for c, _ in ports.cancels) == sorted([ids[1], ids[2]])


@pytest.mark.parametrize("stopped", ["paused", "ended", "filled by the ping"])
def test_a_dark_first_sweep_sends_no_lit_rest_for_a_parent_paused_ended_or_done(stopped: str) -> None:
    """The lit rest of a sweep follows the dark ping's end at once, unless the parent was paused (a kill, a
    review) or reached its end time meanwhile, or the ping took the whole sweep."""
    router, ports, clock = make_router(view=parent(routing="LIQUIDITY"))
    _, children, ids = route(router, ports, sweep(1_000, limit="190.02"))
    assert [c.venue for c in children] == [DARK1]
    if stopped == "paused":
        ports.view = replace(ports.view, paused=True)
    elif stopped == "ended":
        clock.advance(ports.view.end_ns - clock.now_ns())  # exactly its end time: nothing is sent at the end
    else:
        router.on_event(filled(ids[0], 1_000, "DARK1", "190.005"))
    router.on_event(ev.ChildCanceled(0, ids[0], "IOC remainder"))
    assert ports.continued == []
