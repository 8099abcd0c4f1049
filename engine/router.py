"""Where child orders go: pure functions of the order and the consolidated book.

Passive orders rest on the lit venue that shows the best price on our side (ties: most displayed
size, then the venue's name for determinism). Aggressive orders sweep displayed liquidity across
venues, best price first, never asking a venue for more than it shows, never past the limit.

`route_passive` and `route_sweep` return the whole decision (`RouteDecision`: the slices, every venue
ranked with its score, the policy and a sentence saying why), which the child pipeline journals with
the children (`ChildDecided`). A smarter router returns the same record with its own scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.market import VenueLevel
from engine.model import Side, VenueId, within_limit
from engine.quick_init import quick_init

PASSIVE_POLICY = "passive: best price on our side, then displayed size, then venue name"
SWEEP_POLICY = "sweep: displayed liquidity best price first, up to the limit, whole lots"


@dataclass(frozen=True, slots=True)
class RouteSlice:
    venue: VenueId
    quantity: int
    price: Decimal  # the worst price we accept at that venue (IOC limit)


def choose_passive_venue(same_side_levels: list[VenueLevel], venues: list[VenueId]) -> VenueId | None:
    """The venue to rest on: best price on our side of its book, else the first configured venue."""
    for level in same_side_levels:
        if level.venue in venues:
            return level.venue
    return venues[0] if venues else None


def sweep(
    opposite_levels: list[VenueLevel], side: Side, quantity: int, limit: Decimal | None, lot_size: int
) -> list[RouteSlice]:
    """Split `quantity` over displayed opposite-side liquidity, best price first, in whole lots.

    Each venue gets one IOC for the sum it shows up to our limit, priced at the worst level taken.
    """
    remaining = quantity
    per_venue: dict[VenueId, tuple[int, Decimal]] = {}
    for level in opposite_levels:
        if remaining <= 0:
            break
        if limit is not None and (level.price > limit if side is Side.BUY else level.price < limit):
            break
        take = min(remaining, level.size)
        take -= take % lot_size
        if take <= 0:
            continue
        taken, _ = per_venue.get(level.venue, (0, level.price))
        per_venue[level.venue] = (taken + take, level.price)
        remaining -= take
    return [RouteSlice(venue, qty, price) for venue, (qty, price) in per_venue.items()]


@quick_init
@dataclass(frozen=True, slots=True)
class VenueScore:
    """One venue as the router saw it: its best price on the side the policy looks at (None: none shown),
    the displayed size it could use (at that price for a passive order, up to the limit for a sweep), what
    was routed there, and the policy's score (higher is preferred; today minus the distance from the best
    price shown anywhere, so 0 at the best price; None: no price)."""

    venue: VenueId
    price: Decimal | None
    displayed: int
    routed: int
    score: float | None


@quick_init
@dataclass(frozen=True, slots=True)
class RouteDecision:
    """What the router decided and why: the slices to send, every venue ranked (best first), the policy."""

    policy: str
    slices: tuple[RouteSlice, ...]
    ranking: tuple[VenueScore, ...]
    note: str
    group_target: int = 0
    """The children work one slice together: once this much of them has filled, the rest are canceled (0: each
    child on its own)."""
    rest_timeout_ms: int = 0
    """A resting child canceled and re-routed if still unfilled after this long (0: it rests until the algo acts)."""


def route_passive(same_side_levels: list[VenueLevel], venues: list[VenueId], quantity: int,
                  price: Decimal) -> RouteDecision:
    """Rest `quantity` at `price` on the venue `choose_passive_venue` picks; every venue ranked."""
    chosen = choose_passive_venue(same_side_levels, venues)
    ranking = _ranking(same_side_levels, venues, {} if chosen is None else {chosen: quantity}, depth=None)
    if chosen is None:
        return RouteDecision(PASSIVE_POLICY, (), ranking, "no venue to rest on")
    shown = next((s for s in ranking if s.venue == chosen and s.price is not None), None)
    why = (f"{chosen} shows the best price on our side ({shown.price} x {shown.displayed:,})" if shown
           else f"no venue shows a price on our side: first configured venue {chosen}")
    return RouteDecision(PASSIVE_POLICY, (RouteSlice(chosen, quantity, price),), ranking,
                         f"rest {quantity:,} at {price} on {chosen}: {why}")


def route_sweep(opposite_levels: list[VenueLevel], venues: list[VenueId], side: Side, quantity: int,
                limit: Decimal | None, lot_size: int) -> RouteDecision:
    """`sweep` as a decision: the IOC slices, and every venue ranked by the best price it displays."""
    slices = tuple(sweep(opposite_levels, side, quantity, limit, lot_size))
    routed = {s.venue: s.quantity for s in slices}
    ranking = _ranking(opposite_levels, venues, routed, depth=(side, limit))
    taken = sum(routed.values())
    reach = "no limit" if limit is None else f"limit {limit}"
    if not slices:
        note = f"nothing displayed within {reach} for {quantity:,}"
    else:
        parts = ", ".join(f"{s.quantity:,} on {s.venue} up to {s.price}" for s in slices)
        note = f"take {taken:,} of {quantity:,} ({reach}): {parts}"
    return RouteDecision(SWEEP_POLICY, slices, ranking, note)


def _ranking(levels: list[VenueLevel], venues: list[VenueId], routed: dict[VenueId, int],
             depth: tuple[Side, Decimal | None] | None) -> tuple[VenueScore, ...]:
    """Each venue with its best level (levels come best first), the size it could use, its score."""
    best: dict[VenueId, VenueLevel] = {}
    usable: dict[VenueId, int] = {}
    for level in levels:
        first = best.setdefault(level.venue, level)
        if depth is None:
            if level.price == first.price:
                usable[level.venue] = usable.get(level.venue, 0) + level.size
        else:
            side, limit = depth
            if within_limit(level.price, limit, side):
                usable[level.venue] = usable.get(level.venue, 0) + level.size
    top = levels[0].price if levels else None
    order = {level.venue: i for i, level in enumerate(best.values())}
    named = list(dict.fromkeys([*best, *routed, *venues]))
    named.sort(key=lambda v: (order.get(v, len(order)), v))
    ranking = []
    for venue in named:
        found = best.get(venue)
        score = None if found is None or top is None else 0.0 - float(abs(found.price - top))  # never -0.0
        ranking.append(VenueScore(venue, None if found is None else found.price, usable.get(venue, 0),
                                  routed.get(venue, 0), score))
    return tuple(ranking)
