"""Our resting (passive) orders in a replayed book and the rule that fills them.

A resting order fills only from recorded flow:
- a recorded execution at its price fills it once the execution volume there since placement exceeds
  the displayed size queued ahead of it when it was placed (`ahead`); an execution at a price through
  ours (a sell hitting bids below our bid) fills it outright, up to the execution's size;
- a recorded new order on the other side that crosses our price (e.g. a sell limit at or below our
  bid: with us in the book it would have traded) fills it up to that order's size.
Each recorded share fills at most one of our orders (price priority, then time). `ahead` only
shrinks: by execution volume at our price, and to the displayed size at our price after a recorded
cancel or execution there (the orders ahead of us cannot outnumber what is still shown). Cancels are
not assumed to come from ahead of us otherwise: conservative.

Approximation: the recorded orders our passive fills displaced would, in reality, still rest in the
book; the replay keeps the recording's book (less liquidity than reality, never more).
"""

from __future__ import annotations

from decimal import Decimal

from engine.events import ChildSubmitted

BID = 1
ASK = -1


class RestingOrder:
    """The venue's record of one of our child orders. Mutable, owned by the replay venue."""

    __slots__ = (
        "ahead", "closed", "direction", "filled", "limit", "order", "price", "quantity", "seq", "venue_order_id",
    )

    def __init__(self, order: ChildSubmitted, venue_order_id: str, price: int | None, seq: int) -> None:
        self.order = order
        self.venue_order_id = venue_order_id
        self.direction = order.side.sign
        self.price = price
        """Current limit as a LOBSTER price (USD x 10000); None for a market order."""
        self.limit: Decimal | None = order.price
        """Current limit as a Decimal (changes on replace)."""
        self.quantity = order.quantity
        self.filled = 0
        self.ahead = 0
        self.seq = seq
        self.closed: str | None = None

    @property
    def leaves(self) -> int:
        return self.quantity - self.filled


def _better_first(direction: int, orders: list[RestingOrder]) -> list[RestingOrder]:
    # price priority (higher bids, lower asks first), then time
    return sorted(orders, key=lambda o: (-direction * (o.price or 0), o.seq))


class RestingOrders:
    """Our resting orders per side, with the queue-position fill rule."""

    __slots__ = ("_by_side",)

    def __init__(self) -> None:
        self._by_side: dict[int, list[RestingOrder]] = {BID: [], ASK: []}

    def __bool__(self) -> bool:
        return bool(self._by_side[BID] or self._by_side[ASK])

    def side(self, direction: int) -> list[RestingOrder]:
        return self._by_side[direction]

    def add(self, order: RestingOrder) -> None:
        self._by_side[order.direction].append(order)

    def remove(self, order: RestingOrder) -> None:
        orders = self._by_side[order.direction]
        if order in orders:
            orders.remove(order)

    def on_execution(self, direction: int, price: int, size: int) -> list[tuple[RestingOrder, int]]:
        """A recorded execution of a resting order on side `direction` at `price`: which of ours fill."""
        orders = self._by_side[direction]
        if not orders:
            return []
        eligible = [o for o in orders if o.price is not None and (o.price - price) * direction >= 0]
        fills: list[tuple[RestingOrder, int]] = []
        remaining = size
        for order in _better_first(direction, eligible):
            if remaining <= 0:
                break
            if order.price == price:
                queue_used = min(remaining, order.ahead)
                if queue_used:
                    # the same recorded shares were ahead of our later orders at this price too
                    for other in eligible:
                        if other.price == price and other.seq > order.seq:
                            other.ahead = max(0, other.ahead - queue_used)
                    order.ahead -= queue_used
                    remaining -= queue_used
            shares = min(order.leaves, remaining)
            if shares > 0:
                fills.append((order, shares))
                remaining -= shares
        return fills

    def on_new_order(self, direction: int, price: int, size: int) -> list[tuple[RestingOrder, int]]:
        """A recorded new limit order on side `direction`: which of ours (on the other side) it crosses."""
        ours = -direction
        orders = self._by_side[ours]
        if not orders:
            return []
        crossed = [o for o in orders if o.price is not None and (o.price - price) * ours >= 0]
        fills: list[tuple[RestingOrder, int]] = []
        remaining = size
        for order in _better_first(ours, crossed):
            if remaining <= 0:
                break
            shares = min(order.leaves, remaining)
            if shares > 0:
                fills.append((order, shares))
                remaining -= shares
        return fills

    def cap_ahead(self, direction: int, price: int, shown: int) -> None:
        """The recording now shows `shown` shares at our price: nobody ahead of us beyond that."""
        for order in self._by_side[direction]:
            if order.price == price and order.ahead > shown:
                order.ahead = shown
