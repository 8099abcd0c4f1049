"""Where child orders go: pure functions of the order and the consolidated book.

Passive orders rest on the lit venue that shows the best price on our side (ties: most displayed
size, then the venue's name for determinism). Aggressive orders sweep displayed liquidity across
venues, best price first, never asking a venue for more than it shows, never past the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.market import VenueLevel
from engine.model import Side, VenueId


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
