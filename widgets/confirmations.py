"""When an order needs a second look before it is sent: large, far from the market, or the same order
again a moment after the last one (the classic double send). Pure rules plus a small memory of what
was sent; the ticket asks the trader with the reasons found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from widgets.desk_config import DeskConfig

_HUNDRED = Decimal(100)


class OrderFacts(Protocol):
    """What the rules look at (a `TicketForm` has all of these)."""

    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def limit_price(self) -> Decimal | None: ...
    @property
    def algo(self) -> str: ...
    @property
    def account(self) -> str: ...


def order_key(order: OrderFacts) -> tuple[object, ...]:
    """Two orders with this key equal are "the same order"."""
    return (order.symbol, order.side, order.quantity, order.limit_price, order.algo, order.account)


def order_reasons(order: OrderFacts, mid: Decimal | None, config: DeskConfig,
                  seconds_since_same: float | None = None) -> list[str]:
    """Why this order should be confirmed (empty: send it). `mid` is the market's mid now (None: unknown);
    `seconds_since_same` how long ago the same order was sent (None: not recently)."""
    if not config.confirm_orders:
        return []
    reasons: list[str] = []
    if order.quantity > config.confirm_order_quantity:
        reasons.append(f"{order.quantity:,} shares is more than {config.confirm_order_quantity:,}")
    price = order.limit_price if order.limit_price is not None else mid
    if price is not None:
        notional = price * order.quantity
        if notional > config.confirm_order_notional:
            reasons.append(f"worth about {notional:,.0f}, more than {config.confirm_order_notional:,.0f}")
    if order.limit_price is not None and mid is not None and mid > 0:
        distance = (order.limit_price - mid) / mid * _HUNDRED
        through = distance > 0 if order.side == "BUY" else distance < 0
        if abs(distance) > config.confirm_away_from_market_pct:
            where = "through" if through else "away from"
            reasons.append(f"limit {order.limit_price} is {abs(distance):.1f}% {where} the mid {mid:.4f}"
                           f" (more than {config.confirm_away_from_market_pct}%)")
    if seconds_since_same is not None and seconds_since_same <= config.confirm_repeat_seconds:
        reasons.append(f"the same order was sent {seconds_since_same:.0f} s ago")
    return reasons


def confirmation_text(order: OrderFacts, reasons: list[str]) -> tuple[str, str]:
    """Title and question for the confirmation dialog."""
    limit = "market" if order.limit_price is None else f"limit {order.limit_price}"
    what = f"{order.side} {order.quantity:,} {order.symbol} {order.algo} ({limit}, {order.account})"
    listed = "\n".join(f"  • {reason}" for reason in reasons)
    return f"Send {order.side} {order.symbol}?", f"Send {what}?\n\n{listed}"


class OrderGate:
    """The rules plus a memory of recent orders (for the repeat check); time from an injected clock."""

    def __init__(self, config: DeskConfig | None = None, now_s: Callable[[], float] = time.monotonic) -> None:
        self.config = config or DeskConfig()
        self._now_s = now_s
        self._sent: dict[tuple[object, ...], float] = {}

    def reasons(self, order: OrderFacts, mid: Decimal | None) -> list[str]:
        sent_at = self._sent.get(order_key(order))
        since = None if sent_at is None else self._now_s() - sent_at
        return order_reasons(order, mid, self.config, since)

    def sent(self, order: OrderFacts) -> None:
        """Remember an order that went out; forget those older than the repeat window."""
        now = self._now_s()
        window = self.config.confirm_repeat_seconds
        self._sent = {key: at for key, at in self._sent.items() if now - at <= window}
        self._sent[order_key(order)] = now
