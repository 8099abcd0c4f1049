"""P&L of a position, by the day's average prices (order-independent, so it is the same after any restart).

realized   = min(bought, sold) x (average sell price - average buy price)
unrealized = net position x (mark - average price of the open side)
total      = realized + unrealized - fees  =  sold notional - bought notional + net x mark - fees

Money stays Decimal; figures are rounded to cents only for display (`cents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.risk.state import Position

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PnL:
    position: int
    avg_price: Decimal | None  # of the open side (None: flat)
    realized: Decimal
    unrealized: Decimal
    fees: Decimal
    mark: Decimal | None
    bought: int
    sold: int
    traded_notional: Decimal

    @property
    def total(self) -> Decimal:
        return self.realized + self.unrealized - self.fees


def realized(p: Position) -> Decimal:
    matched = min(p.buy_qty, p.sell_qty)
    if matched == 0:
        return _ZERO
    return matched * (p.sell_notional / p.sell_qty - p.buy_notional / p.buy_qty)


def open_avg(p: Position) -> Decimal | None:
    net = p.buy_qty - p.sell_qty
    if net > 0:
        return p.buy_notional / p.buy_qty
    if net < 0:
        return p.sell_notional / p.sell_qty
    return None


def unrealized(p: Position, mark: Decimal | None) -> Decimal:
    """Net x (mark - open average); without a mark the open shares count at their own price (zero)."""
    avg = open_avg(p)
    if avg is None or mark is None:
        return _ZERO
    return (p.buy_qty - p.sell_qty) * (mark - avg)


def pnl(p: Position, mark: Decimal | None) -> PnL:
    return PnL(p.buy_qty - p.sell_qty, open_avg(p), realized(p), unrealized(p, mark), p.fees, mark, p.buy_qty,
               p.sell_qty, p.buy_notional + p.sell_notional)


def total(p: Position, mark: Decimal | None) -> Decimal:
    """Realized + unrealized - fees, in one pass (the loss limit's figure)."""
    return realized(p) + unrealized(p, mark) - p.fees


def cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT)
