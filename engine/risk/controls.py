"""The controls as pure functions: values and a limit in, `None` (pass) or a `RiskVerdict` out.

Each reason names the measured value and the limit (and the reference for price checks). They are cheap
enough for every child (a few Decimal operations each) and table-tested at their boundaries: a value equal to
its limit passes, one unit over is stopped.
"""

from __future__ import annotations

from decimal import Decimal

from engine.model import Side
from engine.risk.verdict import RiskVerdict

_HUNDRED = Decimal(100)


def over(rule: str, what: str, value: Decimal | int, limit: Decimal, scope: str, key: str, hard: bool,
         money: bool = False) -> RiskVerdict | None:
    """`value` above `limit` stops: "<what> <value> exceeds limit <limit>" (money to the cent)."""
    if value <= limit:
        return None
    shown, bound = (f"{value:,.2f}", f"{limit:,.2f}") if money else (f"{value:,}", f"{limit:,}")
    where = "" if scope == "firm" or not key else f" for {scope} {key}"
    return RiskVerdict(rule, f"{what} {shown} exceeds limit {bound}{where}", scope, key, str(value), str(limit), hard)


def child_qty(quantity: int, limit: Decimal, scope: str, key: str, hard: bool) -> RiskVerdict | None:
    return over("max_child_qty", "child quantity", quantity, limit, scope, key, hard)


def child_notional(quantity: int, price: Decimal | None, reference: Decimal | None, limit: Decimal, scope: str,
                   key: str, hard: bool) -> RiskVerdict | None:
    """A market child (no price) is valued at the reference."""
    px = price if price is not None else reference
    if px is None:
        return None
    return over("max_child_notional", "child notional", px * quantity, limit, scope, key, hard, money=True)


def order_qty(quantity: int, limit: Decimal, scope: str, key: str, hard: bool,
              rule: str = "max_order_qty") -> RiskVerdict | None:
    return over(rule, "quantity", quantity, limit, scope, key, hard)


def order_notional(quantity: int, price: Decimal | None, limit: Decimal, scope: str, key: str, hard: bool,
                   rule: str = "max_order_notional") -> RiskVerdict | None:
    if price is None:
        return None
    return over(rule, "notional", price * quantity, limit, scope, key, hard, money=True)


def price_band(price: Decimal | None, reference: Decimal | None, pct: Decimal, ticks: int, tick: Decimal,
               hard: bool, *, rule: str = "price_band", what: str = "child price", reference_name: str = "mid",
               key: str = "") -> RiskVerdict | None:
    """`price` within max(pct % of the reference, `ticks` ticks) of it passes; no price or no reference: nothing
    to measure."""
    if price is None or not reference:
        return None
    band = reference * pct / _HUNDRED
    if ticks and ticks * tick > band:
        band = ticks * tick
    distance = abs(price - reference)
    if distance <= band:
        return None
    allowed = f"{pct}%" if not ticks else f"{pct}% or {ticks} ticks ({band})"
    return RiskVerdict(rule, f"{what} {price} is more than {allowed} from {reference_name} {reference}",
                       "instrument" if key else "firm", key, str(price), f"{reference} +/- {band}", hard)


def collar_reference(side: Side, bid: Decimal | None, ask: Decimal | None, last: Decimal | None,
                     previous_close: Decimal | None) -> tuple[Decimal | None, str]:
    """What a ticket's limit is measured against: the touch it would take (a buy: the best ask; a sell: the best
    bid), else the other side, else the last trade, else the previous close."""
    far, near = (ask, bid) if side is Side.BUY else (bid, ask)
    if far is not None:
        return far, "ask" if side is Side.BUY else "bid"
    if near is not None:
        return near, "bid" if side is Side.BUY else "ask"
    if last is not None:
        return last, "last"
    if previous_close is not None:
        return previous_close, "previous close"
    return None, ""


def adv_share(quantity: int, adv: int, pct: Decimal, symbol: str, hard: bool) -> RiskVerdict | None:
    """An order above `pct` % of the instrument's average daily volume."""
    if adv <= 0:
        return None
    limit = adv * pct / _HUNDRED
    if quantity <= limit:
        return None
    share = (Decimal(quantity) * _HUNDRED / adv).quantize(Decimal("0.01"))
    return RiskVerdict("adv", f"quantity {quantity:,} is {share}% of {symbol}'s ADV {adv:,} (limit {pct}%)",
                       "instrument", symbol, str(quantity), str(limit), hard)


def position_limit(rule: str, current: int, working: int, quantity: int, side: Side, limit: Decimal, scope: str,
                   key: str, hard: bool) -> RiskVerdict | None:
    """The position if everything in flight on this side and this order filled, against the limit. An order that
    leaves the position smaller in size than it is never stops here (it reduces risk)."""
    projected = current + side.sign * (working + quantity)
    if abs(projected) <= limit or abs(projected) <= abs(current):
        return None
    return RiskVerdict(rule, f"position {current:,} with {working + quantity:,} {side.name.lower()} in flight "
                             f"would be {projected:,}, beyond limit {limit:,}" + (f" for {scope} {key}" if key else ""),
                       scope, key, str(projected), str(limit), hard)


def reduces(current: int, working_same_side: int, quantity: int, side: Side) -> bool:
    """Whether an order only reduces the position: opposite to it, and not past flat with what is in flight."""
    if current == 0:
        return False
    if (current > 0) == (side is Side.BUY):
        return False
    return working_same_side + quantity <= abs(current)
