"""What the replay venue accepts: human-readable reasons for rejecting a request, None when fine."""

from __future__ import annotations

from decimal import Decimal

from engine.events import ChildSubmitted
from engine.model import Instrument, OrdType, TimeInForce
from engine.venues.base import check_quantity_and_price
from engine.venues.replay.passive import RestingOrder


def new_order_problem(
    order: ChildSubmitted, venue_id: str, instrument: Instrument, known: bool, session_over: bool
) -> str | None:
    if order.venue != venue_id:
        return f"order for venue {order.venue} was sent to {venue_id}"
    if known:
        return f"duplicate child order id {order.child_id}"
    if order.symbol != instrument.symbol:
        return f"unknown symbol {order.symbol} at {venue_id} (replaying {instrument.symbol})"
    if session_over:
        return f"{venue_id}: the replayed session has ended"
    return check_quantity_and_price(instrument, order.quantity, order.price, order.ord_type)


def replace_problem(
    record: RestingOrder | None, instrument: Instrument, quantity: int, price: Decimal | None
) -> str | None:
    if record is None:
        return "unknown order"
    if record.closed is not None:
        return f"too late to replace: order {record.closed}"
    if record.order.tif is not TimeInForce.DAY or record.order.ord_type is OrdType.MARKET:
        return "only a resting DAY limit order can be replaced"
    problem = check_quantity_and_price(instrument, quantity, price or record.limit, OrdType.LIMIT)
    if problem is None and quantity <= record.filled:
        return f"new quantity {quantity} is not above the {record.filled} already filled"
    return problem
