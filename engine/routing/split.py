"""The liquidity-seeking lit split: a Cont–Kukanov placement built from the book, fees and scorecard.

S is the slice, h the consolidated half spread, f the taker fee of the cheapest venue at the far touch
(the market order goes there, at most what the touch shows, so it costs h + f as in the model; none
while `take` is False), and per lit venue k: Q_k the size displayed at or better than our price, r_k
minus its expected fee and its adverse selection beyond the least adversely selected venue's (the move
all venues share is the price risk λ_u already prices), plus any price improvement of our price over
the near touch, ξ_k the recent sell- (for a buy) initiated volume per horizon window. λ_u and λ_o are
configured in ticks.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from engine.model import Side, TimeInForce, VenueId, within_limit
from engine.routing.cont_kukanov import Placement, PlacementProblem, expected_cost
from engine.routing.policies import ChildOrder, Plan, Situation, Stage, decision, lots, scores
from engine.routing.policy import RoutingConfig, RoutingPolicy
from engine.routing.ranking import best_prices, queue_ahead, rank_by_cost, sizes_at

Solver = Callable[[PlacementProblem], Placement]
"""Finds the placement: the router's `PlacementMemo`, or a fixed split (the bench compares them this way)."""


def split(s: Situation, scenarios: tuple[tuple[int, ...], ...] | None, config: RoutingConfig, tick: Decimal,
          solver: Solver, take: bool = True, take_limit: Decimal | None = None) -> Plan:
    """Market and limit quantities per lit venue for the slice, placed by `solver` (the router's
    `PlacementMemo`); without outflow history yet, the whole slice rests on the venue with the lowest
    expected all-in cost. The market part takes at the far touch only while that is within `take_limit` (the
    parent's limit): a touch through it leaves the split without one."""
    assert s.price is not None, "a split rests at a price"
    venues = [v for v in s.lit if v in s.make_costs]
    near, far = s.near, s.far
    if not venues or s.quantity <= 0:
        return Plan(RoutingPolicy.LIQUIDITY, Stage.SPLIT, decision(RoutingPolicy.LIQUIDITY, (), [], "no lit venue"), ())
    best_far = best_prices(far)
    top = far[0].price if far else None
    bid = s.bids[0].price if s.bids else None
    ask = s.asks[0].price if s.asks else None
    if scenarios is None or top is None or bid is None or ask is None or bid >= ask:
        cheapest = rank_by_cost(s.make_costs[v] for v in venues)[0]
        child = ChildOrder(cheapest.venue, s.quantity, s.price, TimeInForce.DAY)
        why = "no outflow history yet" if scenarios is None else "no two-sided unlocked market"
        note = f"rest {s.quantity:,} at {s.price} on {cheapest.venue} ({why}: no Cont-Kukanov split)"
        ranking = scores(s, rank_by_cost(s.make_costs[v] for v in venues), near, sizes_at(near, s.make_costs, s.price),
                         [child])
        return Plan(RoutingPolicy.LIQUIDITY, Stage.SPLIT, decision(RoutingPolicy.LIQUIDITY, [child], ranking, note),
                    (child,), s.quantity)
    through_limit = take and not within_limit(top, take_limit, s.side)
    take = take and not through_limit
    sign = 1 if s.side is Side.BUY else -1
    mid = (bid + ask) / 2
    half = float(ask - bid) / 2
    takers = sorted((v for v in venues if best_far.get(v) == top and v in s.take_costs),
                    key=lambda v: (s.take_costs[v].fee, v))
    at_top = sizes_at(far, dict.fromkeys(takers), top)
    market_fee = s.take_costs[takers[0]].fee if takers else 0.0
    improvement = float((mid - s.price) * sign) - half  # 0 at the near touch, > 0 inside the spread
    least_adverse = min(s.make_costs[v].adverse for v in venues)
    problem = PlacementProblem(
        target=s.quantity, half_spread=half, market_fee=market_fee,
        rebates=tuple(-(s.make_costs[v].fee + s.make_costs[v].adverse - least_adverse) + improvement
                      for v in venues),
        queues=tuple(queue_ahead(near, v, s.price, s.side) for v in venues),
        scenarios=scenarios, shortfall_penalty=config.ck_shortfall_ticks * float(tick),
        overfill_penalty=config.ck_overfill_ticks * float(tick),
        market_cap=lots(sum(at_top.values()), s.lot) if take else 0,
        total_cap=lots(min(s.room, int(s.quantity * config.parallel_overpost)), s.lot), lot=s.lot,
    )
    placement = solver(problem)
    children = _children(placement, venues, takers, at_top, top, s.price, config.ck_min_child_qty)
    if not children:  # nothing pays: rest the slice where it costs least
        cheapest = rank_by_cost(s.make_costs[v] for v in venues)[0]
        children = [ChildOrder(cheapest.venue, s.quantity, s.price, TimeInForce.DAY)]
    all_market = expected_cost(problem, problem.market_cap, [0] * len(venues))
    parts = [f"none now: the far touch {top} is through the parent's limit {take_limit}" if through_limit else
             f"{placement.market:,} now on {'/'.join(takers) or '-'} (h {half:.4f} + f {market_fee:+.4f})"]
    parts += [f"{q:,} on {v} (Q {problem.queues[i]:,}, r {problem.rebates[i]:+.4f})"
              for i, (v, q) in enumerate(zip(venues, placement.limits, strict=True))]
    note = (f"Cont-Kukanov split of {s.quantity:,} at {s.price}: {'; '.join(parts)}; expected cost "
            f"{placement.expected_cost:.2f} vs {all_market:.2f} taking what the touch shows; xi from "
            f"{len(scenarios)} windows of {config.ck_horizon_s:g} s")
    ordered = rank_by_cost(s.make_costs[v] for v in venues)
    ranking = scores(s, ordered, near, {v: problem.queues[i] for i, v in enumerate(venues)}, children)
    return Plan(RoutingPolicy.LIQUIDITY, Stage.SPLIT, decision(RoutingPolicy.LIQUIDITY, children, ranking, note),
                tuple(children), s.quantity)


def _children(placement: Placement, venues: list[VenueId], takers: list[VenueId], at_top: dict[VenueId, int],
              top: Decimal, price: Decimal, smallest: int) -> list[ChildOrder]:
    children: list[ChildOrder] = []
    market = placement.market
    for venue in takers:  # the market part where the touch is cheapest to take
        take = min(market, at_top.get(venue, 0))
        if take > 0:
            children.append(ChildOrder(venue, take, top, TimeInForce.IOC))
            market -= take
    limits = dict(zip(venues, placement.limits, strict=True))
    largest = max(venues, key=lambda v: (limits[v], v))
    for venue in venues:  # dust goes to the largest limit order
        if venue != largest and 0 < limits[venue] < smallest:
            limits[largest] += limits[venue]
            limits[venue] = 0
    children += [ChildOrder(v, q, price, TimeInForce.DAY) for v, q in limits.items() if q > 0]
    return children
