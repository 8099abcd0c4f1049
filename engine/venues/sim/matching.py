"""A price-time priority limit order book for one symbol, on integer ticks.

Limit orders rest; market orders and IOC orders take what they can and never rest. Self-trade
prevention (cancel resting): an incoming order of ours never trades with a resting order of ours; the
resting one is taken off the book instead (`take_self_trade_cancels`) and matching goes on. Each price level
is an insertion-ordered dict (order id -> order), so time priority is the dict's order and a cancel
is O(1); each side keeps its prices in a sorted list with the best price last, so the touch is
`keys[-1]` and new levels go in with `bisect.insort`. Asks are keyed by `-price`, which lets both
sides share one code path.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import NamedTuple

from engine.model import Side


class Execution(NamedTuple):
    """One match between a resting (maker) and an incoming (taker) order."""

    maker_id: int
    taker_id: int
    price: int
    quantity: int
    aggressor: Side


class Submission(NamedTuple):
    """What happened to an incoming order: its id, its matches, and where the rest went."""

    order_id: int
    executions: list[Execution]
    rested: int
    """Quantity left resting in the book (0 for market and IOC orders)."""
    unfilled: int
    """Quantity neither filled nor rested: the IOC or market remainder."""


class RestingOrder:
    """An order in the book. Mutable, owned by the book: read it, never change it from outside."""

    __slots__ = ("leaves", "order_id", "ours", "price", "side")

    def __init__(self, order_id: int, side: Side, price: int, leaves: int, ours: bool) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price
        self.leaves = leaves
        self.ours = ours

    def __repr__(self) -> str:
        owner = "ours" if self.ours else "background"
        return f"RestingOrder({self.order_id}, {self.side.name} {self.leaves}@{self.price}, {owner})"


class _BookSide:
    """The resting orders of one side. `sign` is +1 for bids, -1 for asks: key = sign * price."""

    __slots__ = ("keys", "levels", "sign", "sizes")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.levels: dict[int, dict[int, RestingOrder]] = {}
        self.sizes: dict[int, int] = {}

    def best(self) -> int | None:
        return self.sign * self.keys[-1] if self.keys else None

    def add(self, order: RestingOrder) -> None:
        price = order.price
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = {}
            self.sizes[price] = 0
            bisect.insort(self.keys, self.sign * price)
        level[order.order_id] = order
        self.sizes[price] += order.leaves

    def remove(self, order: RestingOrder) -> None:
        price = order.price
        level = self.levels[price]
        del level[order.order_id]
        self.sizes[price] -= order.leaves
        if not level:
            self.drop_level(price)

    def drop_level(self, price: int) -> None:
        del self.levels[price]
        del self.sizes[price]
        keys = self.keys
        key = self.sign * price
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect.bisect_left(keys, key)]

    def depth(self, levels: int) -> list[tuple[int, int]]:
        sign, sizes = self.sign, self.sizes
        return [(sign * key, sizes[sign * key]) for key in reversed(self.keys[-levels:])] if levels else []


class OrderBook:
    """Price-time priority matching for one symbol. Prices are integer ticks, quantities shares."""

    __slots__ = ("_asks", "_bids", "_next_id", "_orders", "_self_trade_cancels")

    def __init__(self) -> None:
        self._bids = _BookSide(+1)
        self._asks = _BookSide(-1)
        self._orders: dict[int, RestingOrder] = {}
        self._next_id = 1
        self._self_trade_cancels: list[RestingOrder] = []

    # --- reading -----------------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        return self._bids.best()

    def best_ask(self) -> int | None:
        return self._asks.best()

    def depth(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """Up to `levels` (price, total size) pairs of one side, best first."""
        return (self._bids if side is Side.BUY else self._asks).depth(levels)

    def queue(self, side: Side, price: int) -> list[int]:
        """Order ids resting at one price, in time priority."""
        level = (self._bids if side is Side.BUY else self._asks).levels.get(price)
        return list(level) if level else []

    def order(self, order_id: int) -> RestingOrder | None:
        """The resting order, or None once it is filled, canceled or never rested."""
        return self._orders.get(order_id)

    def is_live(self, order_id: int) -> bool:
        return order_id in self._orders

    def resting_orders(self) -> Iterator[RestingOrder]:
        return iter(self._orders.values())

    def __len__(self) -> int:
        return len(self._orders)

    def take_self_trade_cancels(self) -> list[RestingOrder]:
        """Our resting orders taken off the book since the last call because an incoming order of
        ours would have traded with them (their `leaves` is what was canceled)."""
        canceled, self._self_trade_cancels = self._self_trade_cancels, []
        return canceled

    # --- changing ----------------------------------------------------------------------------------

    def submit(
        self, side: Side, quantity: int, price: int | None, *, ioc: bool = False, ours: bool = False
    ) -> Submission:
        """Match an incoming order; rest a limit remainder unless `ioc`. `price=None` is a market order."""
        if quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {quantity}")
        if price is not None and price <= 0:
            raise ValueError(f"order price must be a positive number of ticks, got {price}")
        order_id = self._next_id
        self._next_id += 1
        executions: list[Execution] = []
        leaves = self._match(order_id, side, quantity, price, executions, ours)
        if leaves and price is not None and not ioc:
            order = RestingOrder(order_id, side, price, leaves, ours)
            self._orders[order_id] = order
            (self._bids if side is Side.BUY else self._asks).add(order)
            return Submission(order_id, executions, leaves, 0)
        return Submission(order_id, executions, 0, leaves)

    def cancel(self, order_id: int) -> int:
        """Remove a resting order; returns the quantity taken off the book (0 if it was not resting)."""
        order = self._orders.pop(order_id, None)
        if order is None:
            return 0
        (self._bids if order.side is Side.BUY else self._asks).remove(order)
        return order.leaves

    def replace(self, order_id: int, leaves: int, price: int) -> list[Execution] | None:
        """Change a resting order's remaining quantity and/or price; None if it is not resting.

        Reducing the quantity at the same price keeps time priority; any other change sends the order
        to the back of its new level, and a new price that crosses the book trades as a taker.
        """
        if leaves <= 0:
            raise ValueError(f"replacement quantity must be positive, got {leaves}")
        if price <= 0:
            raise ValueError(f"replacement price must be a positive number of ticks, got {price}")
        order = self._orders.get(order_id)
        if order is None:
            return None
        book_side = self._bids if order.side is Side.BUY else self._asks
        if price == order.price and leaves <= order.leaves:
            book_side.sizes[price] -= order.leaves - leaves
            order.leaves = leaves
            return []
        book_side.remove(order)
        executions: list[Execution] = []
        remaining = self._match(order_id, order.side, leaves, price, executions, order.ours)
        if remaining:
            order.price = price
            order.leaves = remaining
            book_side.add(order)
        else:
            del self._orders[order_id]
        return executions

    def _match(
        self, taker_id: int, side: Side, quantity: int, price: int | None, executions: list[Execution], ours: bool
    ) -> int:
        """Take liquidity from the opposite side up to `price`; returns the quantity left."""
        opposite = self._asks if side is Side.BUY else self._bids
        keys, levels, sizes, sign = opposite.keys, opposite.levels, opposite.sizes, opposite.sign
        # A resting price is acceptable when its key is at least the limit's key (see _BookSide).
        limit_key = None if price is None else sign * price
        orders = self._orders
        remaining = quantity
        while remaining and keys:
            key = keys[-1]
            if limit_key is not None and key < limit_key:
                break
            level_price = sign * key
            level = levels[level_price]
            done: list[int] = []
            taken = 0
            for maker_id, maker in level.items():
                if ours and maker.ours:  # self-trade prevention: the resting order of ours goes
                    taken += maker.leaves
                    done.append(maker_id)
                    self._self_trade_cancels.append(maker)
                    continue
                fill = maker.leaves if maker.leaves < remaining else remaining
                maker.leaves -= fill
                remaining -= fill
                taken += fill
                executions.append(Execution(maker_id, taker_id, level_price, fill, side))
                if not maker.leaves:
                    done.append(maker_id)
                if not remaining:
                    break
            for maker_id in done:
                del level[maker_id]
                del orders[maker_id]
            if level:
                sizes[level_price] -= taken
            else:
                opposite.drop_level(level_price)
        return remaining
