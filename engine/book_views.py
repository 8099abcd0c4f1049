"""Read-only views for the book ladder: our own working children of one symbol, by venue, side and price.

The GUI marks them at their price level ("Ours"). Built from the order store's live-child index (not a walk
over the day's children), only for the symbol on screen, when a child event asked for a repaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from engine.model import ChildId, OrdType, Side, Symbol, VenueId
from engine.views import ChildView


class _Sent(Protocol):
    @property
    def symbol(self) -> Symbol: ...


class LiveChildren(Protocol):
    """What the view reads (the engine's `OrderStore` offers it)."""

    def live_child_ids(self) -> list[ChildId]: ...

    def submitted(self, child_id: ChildId) -> _Sent: ...

    def child(self, child_id: ChildId) -> ChildView: ...


@dataclass(frozen=True, slots=True)
class OwnOrder:
    """One working child as the ladder shows it. `price` is None for a pegged (midpoint/market) child."""

    child_id: ChildId
    venue: VenueId
    side: Side
    price: Decimal | None
    leaves_qty: int


def working_orders(children: LiveChildren, symbol: Symbol | str) -> list[OwnOrder]:
    """Our live children of `symbol` with something left to fill, in submission order."""
    found = []
    for child_id in children.live_child_ids():
        if children.submitted(child_id).symbol != symbol:
            continue  # (no view built for another symbol's children)
        child = children.child(child_id)
        if child.leaves_qty <= 0 or not child.status.is_live:
            continue
        price = child.price if child.ord_type is OrdType.LIMIT else None
        found.append(OwnOrder(child_id, child.venue, child.side, price, child.leaves_qty))
    return found

