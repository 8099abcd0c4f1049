"""The three routing logics as pure functions: a `Situation` in, a `Plan` (children + decision) out.

- Sequential: rest on the venue with the lowest expected all-in cost (the shell cancels it after a
  timeout and the next post goes to the next venue); take from one venue at a time, best price then
  lowest cost, the rest following venue by venue (`next_venues`).
- Parallel: take every venue's displayed size within the limit at once; rest on several venues at once,
  over-posting up to a multiple of the slice (never past what the parent may still send).
- Liquidity-seeking: ping the dark pool at the midpoint first (`dark_ping`), then split over lit
  venues by the Cont–Kukanov placement (`split`, in split.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from engine.market import VenueLevel
from engine.model import Side, TimeInForce, VenueId, within_limit
from engine.quick_init import quick_init
from engine.router import RouteDecision, RouteSlice, VenueScore
from engine.routing.policy import RoutingPolicy
from engine.routing.ranking import VenueCost, best_prices, queue_ahead, rank_by_cost, reachable, sizes_at
from engine.routing.venues import VenueFacts

SEQUENTIAL_POLICY = "sequential: one venue at a time, by price then expected all-in cost (fees, fill rate, latency)"
PARALLEL_POLICY = "parallel: several venues at once at or better than the price, in flight capped by the leaves"
LIQUIDITY_POLICY = "liquidity-seeking: dark midpoint first, then a Cont-Kukanov split across lit venues"
POLICY_TEXT = {RoutingPolicy.SEQUENTIAL: SEQUENTIAL_POLICY, RoutingPolicy.PARALLEL: PARALLEL_POLICY,
               RoutingPolicy.LIQUIDITY: LIQUIDITY_POLICY}


@quick_init
@dataclass(frozen=True, slots=True)
class ChildOrder:
    venue: VenueId
    quantity: int
    price: Decimal  # the resting price, or the worst price an IOC accepts
    tif: TimeInForce


class Stage(Enum):
    REST = "rest"  # resting (DAY) children at the passive price
    TAKE = "take"  # immediate (IOC) children within the limit
    DARK_PING = "dark ping"  # an IOC at the dark midpoint, before anything lit
    SPLIT = "split"  # the Cont–Kukanov market + limit split


@quick_init
@dataclass(frozen=True, slots=True)
class Plan:
    policy: RoutingPolicy
    stage: Stage
    decision: RouteDecision
    children: tuple[ChildOrder, ...]
    target: int = 0
    """The quantity this plan works (a parallel or split group is done once this much has filled)."""
    next_venues: tuple[VenueId, ...] = ()
    """Sequential take: where the unfilled rest goes next, in order."""
    timeout_s: float = 0.0
    """Sequential rest: how long the child may rest unfilled before its rest is re-routed."""


@quick_init
@dataclass(frozen=True, slots=True)
class Situation:
    """Everything a policy decides from (the shell builds it from the book, the parent and the scorecard)."""

    side: Side
    quantity: int  # to route now (already within what the parent may send)
    room: int  # what the parent may still send in all (over-posting bound)
    price: Decimal | None  # the passive price, or the sweep's limit
    lot: int
    bids: tuple[VenueLevel, ...]
    asks: tuple[VenueLevel, ...]
    lit: tuple[VenueId, ...]  # lit venues up and eligible
    dark: tuple[VenueId, ...]  # dark venues up
    facts: Mapping[VenueId, VenueFacts]
    make_costs: Mapping[VenueId, VenueCost] = field(default_factory=dict)
    take_costs: Mapping[VenueId, VenueCost] = field(default_factory=dict)

    @property
    def near(self) -> tuple[VenueLevel, ...]:
        """Our side of the book (where a resting order joins)."""
        return self.bids if self.side is Side.BUY else self.asks

    @property
    def far(self) -> tuple[VenueLevel, ...]:
        """The side we take from."""
        return self.asks if self.side is Side.BUY else self.bids


def lots(quantity: int, lot: int) -> int:
    return quantity - quantity % lot


def decision(policy: RoutingPolicy, children: Sequence[ChildOrder], ranking: Sequence[VenueScore],
             note: str) -> RouteDecision:
    slices = tuple(RouteSlice(c.venue, c.quantity, c.price) for c in children)
    return RouteDecision(POLICY_TEXT[policy], slices, tuple(ranking), note)


def scores(s: Situation, ordered: Sequence[VenueCost], levels: Sequence[VenueLevel],
           usable: Mapping[VenueId, int], children: Sequence[ChildOrder]) -> list[VenueScore]:
    """The decision's ranking: each venue in preference order with its best price, usable size, routed."""
    best = best_prices(levels)
    routed: dict[VenueId, int] = {}
    for child in children:
        routed[child.venue] = routed.get(child.venue, 0) + child.quantity
    named = [c.venue for c in ordered] + [v for v in (*routed, *s.lit, *s.dark) if v not in {c.venue for c in ordered}]
    cost = {c.venue: c for c in ordered}
    reference = s.price or (levels[0].price if levels else None)
    return [VenueScore(v, best.get(v), usable.get(v, 0), routed.get(v, 0),
                       cost[v].score_bps(reference) if v in cost else None)
            for v in dict.fromkeys(named)]


def sequential_rest(s: Situation, tried: frozenset[VenueId], outflow_per_s: Mapping[VenueId, float] | None,
                    timeouts: tuple[float, float]) -> Plan:
    """Rest the whole quantity on the cheapest lit venue not yet tried in this rotation, for as long as that
    venue's measured queue outflow (`outflow_per_s`, shares a second) needs to trade through the size displayed
    ahead and the child, in whole seconds within `timeouts` (shortest, longest); the shortest when nothing was
    measured there yet."""
    assert s.price is not None, "a resting order has a price"
    ordered = rank_by_cost(s.make_costs[v] for v in s.lit if v in s.make_costs)
    fresh = [c for c in ordered if c.venue not in tried] or ordered
    at_price = sizes_at(s.near, s.make_costs, s.price)
    if not fresh or s.quantity <= 0:
        nothing = decision(RoutingPolicy.SEQUENTIAL, (), [], "no lit venue")
        return Plan(RoutingPolicy.SEQUENTIAL, Stage.REST, nothing, ())
    chosen = fresh[0]
    child = ChildOrder(chosen.venue, s.quantity, s.price, TimeInForce.DAY)
    ahead = queue_ahead(s.near, chosen.venue, s.price, s.side)
    rate = outflow_per_s.get(chosen.venue, 0.0) if outflow_per_s is not None else 0.0
    shortest, longest = timeouts
    timeout = shortest if rate <= 0 else min(longest, max(shortest, float(math.ceil((ahead + s.quantity) / rate))))
    skipped = f"; tried already: {', '.join(sorted(tried))}" if tried and fresh is not ordered else ""
    patience = (f"re-routed if unfilled after {timeout:g} s ({ahead:,} ahead + {s.quantity:,} at {rate:,.0f} "
                f"shares/s out of {chosen.venue}'s queue)" if rate > 0
                else f"re-routed if unfilled after {timeout:g} s (no queue outflow measured there yet)")
    note = (f"rest {s.quantity:,} at {s.price} on {chosen.venue}, lowest expected all-in cost: "
            f"{'; '.join(c.describe() for c in ordered)}{skipped}; {patience}")
    ranking = scores(s, [chosen] + [c for c in ordered if c is not chosen], s.near, at_price, [child])
    return Plan(RoutingPolicy.SEQUENTIAL, Stage.REST, decision(RoutingPolicy.SEQUENTIAL, [child], ranking, note),
                (child,), s.quantity, timeout_s=timeout)


def _ahead_of_the_next(s: Situation, candidates: Sequence[VenueId], bar: Decimal) -> tuple[int, Decimal]:
    """What the first venue shows within the limit at prices the next venue (best price `bar`) cannot beat (at
    `bar` itself only when the first is no dearer to take from), and the worst of those prices."""
    first, following = candidates[0], candidates[1]
    equal_too = s.take_costs[first].per_share <= s.take_costs[following].per_share
    size, worst = 0, Decimal(0)
    for level in s.far:
        if level.venue != first:
            continue
        if not within_limit(level.price, s.price, s.side) or not (within_limit(level.price, bar, s.side) and
                                                           (equal_too or level.price != bar)):
            break
        size, worst = size + level.size, level.price
    return size, worst


def sequential_take(s: Situation, only: Sequence[VenueId] | None = None) -> Plan:
    """Take from the single best venue (price, then cost) what it shows within the limit at prices the next
    venue of that ranking cannot beat; the rest of the ranking is where the unfilled rest goes next."""
    shown = reachable(s.far, s.side, s.price)
    candidates = [v for v in (only if only is not None else s.lit) if v in shown and v in s.take_costs]
    best = best_prices(s.far)
    sign = 1 if s.side is Side.BUY else -1
    candidates.sort(key=lambda v: (sign * best[v], s.take_costs[v].per_share, v))
    ordered = [s.take_costs[v] for v in candidates]
    children: list[ChildOrder] = []
    if candidates and s.quantity > 0:
        size, worst = _ahead_of_the_next(s, candidates, best[candidates[1]]) if len(candidates) > 1 \
            else shown[candidates[0]]
        take = min(s.quantity, lots(size, s.lot)) if size >= s.lot else min(s.quantity, size)
        if take > 0:
            children.append(ChildOrder(candidates[0], take, worst, TimeInForce.IOC))
    reach = "no limit" if s.price is None else f"limit {s.price}"
    note = (f"take {children[0].quantity:,} of {s.quantity:,} on {children[0].venue} up to {children[0].price} "
            f"({reach}); then {', '.join(candidates[1:]) or 'no other venue'}" if children
            else f"nothing displayed within {reach} on {', '.join(only or s.lit)}")
    ranking = scores(s, ordered, s.far, {v: n for v, (n, _) in shown.items()}, children)
    return Plan(RoutingPolicy.SEQUENTIAL, Stage.TAKE, decision(RoutingPolicy.SEQUENTIAL, children, ranking, note),
                tuple(children), s.quantity, tuple(candidates[1:]))


def parallel_take(s: Situation, policy: RoutingPolicy = RoutingPolicy.PARALLEL) -> Plan:
    """One IOC per venue for what it shows within the limit, best price first, at most the quantity."""
    remaining = s.quantity
    per_venue: dict[VenueId, tuple[int, Decimal]] = {}
    for level in s.far:
        if remaining <= 0 or not within_limit(level.price, s.price, s.side):
            break
        if level.venue not in s.lit:
            continue
        take = lots(min(remaining, level.size), s.lot)
        if take <= 0:
            continue
        taken, _ = per_venue.get(level.venue, (0, level.price))
        per_venue[level.venue] = (taken + take, level.price)
        remaining -= take
    children = [ChildOrder(v, q, p, TimeInForce.IOC) for v, (q, p) in per_venue.items()]
    ordered = rank_by_cost(s.take_costs[v] for v in s.lit if v in s.take_costs)
    shown = reachable(s.far, s.side, s.price)
    reach = "no limit" if s.price is None else f"limit {s.price}"
    note = (f"take {sum(c.quantity for c in children):,} of {s.quantity:,} at once ({reach}): "
            + ", ".join(f"{c.quantity:,} on {c.venue} up to {c.price}" for c in children)) if children \
        else f"nothing displayed within {reach}"
    ranking = scores(s, ordered, s.far, {v: n for v, (n, _) in shown.items()}, children)
    return Plan(policy, Stage.TAKE, decision(policy, children, ranking, note), tuple(children), s.quantity)


def parallel_rest(s: Situation, overpost: float, max_venues: int) -> Plan:
    """Rest on the cheapest lit venues at once: up to `overpost` x the quantity in all (within the room),
    evenly in lots, so whichever queue moves first fills the slice; the shell cancels the excess."""
    assert s.price is not None, "a resting order has a price"
    ordered = rank_by_cost(s.make_costs[v] for v in s.lit if v in s.make_costs)[:max_venues]
    budget = lots(min(s.room, int(s.quantity * overpost)), s.lot)
    budget = max(budget, min(s.quantity, s.room))
    children: list[ChildOrder] = []
    if ordered and budget > 0:
        each = lots(budget // len(ordered), s.lot)
        sizes = [each] * len(ordered) if each >= s.lot else []
        if not sizes:  # too small to spread: all on the cheapest
            sizes = [budget]
        else:
            sizes[0] += budget - sum(sizes)
        children = [ChildOrder(c.venue, q, s.price, TimeInForce.DAY)
                    for c, q in zip(ordered, sizes, strict=False) if q > 0]
    at_price = sizes_at(s.near, s.make_costs, s.price)
    note = (f"rest {sum(c.quantity for c in children):,} for a slice of {s.quantity:,} at {s.price} across "
            f"{', '.join(f'{c.quantity:,} on {c.venue}' for c in children)}; the excess is canceled once "
            f"{s.quantity:,} fill") if children else "no lit venue to rest on"
    ranking = scores(s, ordered, s.near, at_price, children)
    return Plan(RoutingPolicy.PARALLEL, Stage.REST, decision(RoutingPolicy.PARALLEL, children, ranking, note),
                tuple(children), s.quantity)


def dark_ping(s: Situation, cap: Decimal | None, max_raise: float) -> Plan | None:
    """An IOC at the dark midpoint (capped at `cap`, the far touch within the parent's limit) for the
    quantity, raised to the pool's minimum when the parent may still send that much and the minimum is at
    most `max_raise` x the quantity (a midpoint block is worth getting a little ahead of schedule); None
    when no dark venue is up or its minimum is out of reach (go lit)."""
    if cap is None:
        return None  # no far touch: no midpoint either
    for venue in s.dark:
        minimum = s.facts[venue].min_qty if venue in s.facts else 0
        if minimum > max_raise * s.quantity:
            continue
        quantity = lots(max(s.quantity, min(minimum, s.room)), s.lot)
        if quantity <= 0 or quantity < minimum:
            continue
        child = ChildOrder(venue, quantity, cap, TimeInForce.IOC)
        note = (f"ping {venue} for {quantity:,} at the midpoint (cap {cap}, "
                f"minimum {minimum:,}) before any lit venue; the rest goes lit")
        ranking = [VenueScore(venue, None, 0, quantity, None)] + [VenueScore(v, None, 0, 0, None) for v in s.lit]
        return Plan(RoutingPolicy.LIQUIDITY, Stage.DARK_PING,
                    decision(RoutingPolicy.LIQUIDITY, [child], ranking, note), (child,), s.quantity)
    return None
