"""Translation between the engine's child-order requests/reports and FIX 4.4 order messages to a venue.

Outbound: ChildSubmitted -> NewOrderSingle (D) with ClOrdID = the child id; cancel -> OrderCancelRequest
(F), replace -> OrderCancelReplaceRequest (G), status -> OrderStatusRequest (H). A cancel or replace
carries a new ClOrdID `<child id>.<suffix>`, so every ClOrdID names its child before the first '.'
(no state is needed to map a report back, even after a restart).

Inbound: ExecutionReport (8) and OrderCancelReject (9) -> a `VenueReport` holding the engine event
(None for what the engine has no event for: pending states, restatements; a trade bust is a
`ChildFillBusted`, a trade correction that bust followed by the corrected `ChildFilled`),
or a `Malformed` naming the offending tag, which the adapter answers with a session Reject. Numbers
are read with engine/fixnum.py (Decimal prices, bounded ints); nothing here raises on venue input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.events import (
    ChildAccepted,
    ChildCanceled,
    ChildCancelRejected,
    ChildExpired,
    ChildFillBusted,
    ChildFilled,
    ChildRejected,
    ChildReplaced,
    ChildReplaceRejected,
    ChildStatusReported,
    ChildSubmitted,
    VenueOrderEvent,
)
from engine.fix.codec import FieldValue, SessionRejectReason
from engine.fix.framing import FixMessage
from engine.fix_app.tags import AppTag
from engine.fixnum import BadNumber, parse_fix_decimal, parse_fix_int, plain_int
from engine.model import ChildId, FillId, Liquidity, OrdStatus, OrdType, ParentId, Side, Symbol, VenueId

Fields = list[tuple[int, FieldValue]]

COMMISSION = 12
EXEC_REF_ID = 19
COMM_TYPE = 13
LAST_LIQUIDITY_IND = 851
ORD_STATUS_REQ_ID = 790
COMM_TYPE_ABSOLUTE = b"3"
ORD_REJ_UNKNOWN_ORDER = b"5"
CXL_REJ_RESPONSE_TO_REPLACE = b"2"
_PRICES_READ: dict[bytes, Decimal] = {}
"""Prices as read, by their text: a venue repeats a few price levels, and a Decimal is immutable."""
_PRICES_KEPT = 4096
_ORD_STATUSES = {status.value: status for status in OrdStatus}
_SIDES = {side.value: side for side in Side}
NO_EVENT_EXEC_TYPES = {
    b"6": "pending cancel", b"E": "pending replace", b"A": "pending new", b"D": "restated",
    b"3": "done for day",
}


def child_of(cl_ord_id: str) -> ChildId:
    """The child a ClOrdID belongs to: the part before the first '.'."""
    return ChildId(cl_ord_id.split(".", 1)[0])


def new_order(order: ChildSubmitted, transact_time: str) -> Fields:
    """NewOrderSingle for a child."""
    fields: Fields = [(AppTag.CL_ORD_ID, order.child_id), (AppTag.HANDL_INST, "1"), (AppTag.SYMBOL, order.symbol),
                      (AppTag.SIDE, order.side.value), (AppTag.TRANSACT_TIME, transact_time),
                      (AppTag.ORDER_QTY, order.quantity), (AppTag.ORD_TYPE, order.ord_type.value)]
    if order.price is not None:
        fields.append((AppTag.PRICE, order.price))
    fields.append((AppTag.TIME_IN_FORCE, order.tif.value))
    return fields


def cancel(order: ChildSubmitted, cl_ord_id: str, orig_cl_ord_id: str, order_id: str | None, quantity: int,
           transact_time: str) -> Fields:
    """OrderCancelRequest for the rest of a child."""
    fields: Fields = [(AppTag.ORIG_CL_ORD_ID, orig_cl_ord_id)]
    if order_id:
        fields.append((AppTag.ORDER_ID, order_id))
    fields += [(AppTag.CL_ORD_ID, cl_ord_id), (AppTag.SYMBOL, order.symbol), (AppTag.SIDE, order.side.value),
               (AppTag.TRANSACT_TIME, transact_time), (AppTag.ORDER_QTY, quantity)]
    return fields


def replace(order: ChildSubmitted, cl_ord_id: str, orig_cl_ord_id: str, order_id: str | None, quantity: int,
            price: Decimal | None, transact_time: str) -> Fields:
    """OrderCancelReplaceRequest: new total quantity and price (a limit order keeps its price when None)."""
    fields: Fields = [(AppTag.ORIG_CL_ORD_ID, orig_cl_ord_id)]
    if order_id:
        fields.append((AppTag.ORDER_ID, order_id))
    fields += [(AppTag.CL_ORD_ID, cl_ord_id), (AppTag.HANDL_INST, "1"), (AppTag.SYMBOL, order.symbol),
               (AppTag.SIDE, order.side.value), (AppTag.TRANSACT_TIME, transact_time),
               (AppTag.ORDER_QTY, quantity), (AppTag.ORD_TYPE, order.ord_type.value)]
    if price is not None and order.ord_type is OrdType.LIMIT:
        fields.append((AppTag.PRICE, price))
    fields.append((AppTag.TIME_IN_FORCE, order.tif.value))
    return fields


def status_request(order: ChildSubmitted, cl_ord_id: str, order_id: str | None) -> Fields:
    """OrderStatusRequest for a child (by its current ClOrdID, and the venue's OrderID when known)."""
    fields: Fields = []
    if order_id:
        fields.append((AppTag.ORDER_ID, order_id))
    fields += [(AppTag.CL_ORD_ID, cl_ord_id), (AppTag.SYMBOL, order.symbol), (AppTag.SIDE, order.side.value)]
    return fields


@dataclass(frozen=True, slots=True)
class VenueReport:
    """What an inbound order message says: the engine event (None: nothing for the engine), the child,
    the ClOrdID the venue now knows it by (None: unchanged), its OrderID and a note for the log; `then`, an
    event that follows the first in the same turn (a trade correction: the bust, then the corrected fill)."""

    event: VenueOrderEvent | None
    child_id: ChildId
    cl_ord_id: str | None
    order_id: str | None
    note: str = ""
    then: VenueOrderEvent | None = None


@dataclass(frozen=True, slots=True)
class Malformed:
    """An inbound message we cannot use; answered with a session Reject naming `tag`."""

    tag: int | None
    reason: int
    text: str


class _Bad(Exception):
    def __init__(self, tag: int, reason: int, text: str) -> None:
        super().__init__(text)
        self.tag, self.reason, self.text = tag, reason, text


def _required(message: FixMessage, tag: int) -> str:
    value = message.get(tag)
    if not value:
        raise _Bad(tag, SessionRejectReason.REQUIRED_TAG_MISSING, f"required tag {tag} missing")
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise _Bad(tag, SessionRejectReason.INCORRECT_DATA_FORMAT, f"tag {tag} is not ASCII") from None


def _int(message: FixMessage, tag: int, *, required: bool = True) -> int:
    raw = message.get(tag)
    if raw is None and not required:
        return 0
    value = parse_fix_int(_required(message, tag))
    if isinstance(value, BadNumber):
        raise _Bad(tag, SessionRejectReason.INCORRECT_DATA_FORMAT, f"tag {tag} {value.problem}")
    return value


def _qty(message: FixMessage, tag: int, *, required: bool = True) -> int:
    """A quantity: FIX Qty is a float, shares are whole ("100" and "100.0" both read 100)."""
    raw = message.get(tag)
    if raw is None and not required:
        return 0
    plain = None if raw is None else plain_int(raw)  # the usual "100"
    if plain is not None:
        return plain
    value = parse_fix_decimal(_required(message, tag), signed=False)
    if isinstance(value, BadNumber) or value != value.to_integral_value():
        problem = value.problem if isinstance(value, BadNumber) else "is not a whole number of shares"
        raise _Bad(tag, SessionRejectReason.INCORRECT_DATA_FORMAT, f"tag {tag} {problem}")
    return int(value)


def _price(message: FixMessage, tag: int) -> Decimal | None:
    raw = message.get(tag)
    if raw is None:
        return None
    known = _PRICES_READ.get(raw)
    if known is not None:
        return known
    value = parse_fix_decimal(_required(message, tag))
    if isinstance(value, BadNumber):
        raise _Bad(tag, SessionRejectReason.INCORRECT_DATA_FORMAT, f"tag {tag} {value.problem}")
    if len(_PRICES_READ) >= _PRICES_KEPT:
        _PRICES_READ.clear()
    _PRICES_READ[raw] = value
    return value


def read_report(message: FixMessage, ts_ns: int, venue: VenueId,
                orders: Mapping[ChildId, ChildSubmitted]) -> VenueReport | Malformed:
    """An ExecutionReport (8) or OrderCancelReject (9) as a `VenueReport`, or why it cannot be read."""
    try:
        if message.msg_type == "9":
            return _cancel_reject(message, ts_ns)
        return _execution_report(message, ts_ns, venue, orders)
    except _Bad as bad:
        return Malformed(bad.tag, bad.reason, bad.text)


def _cancel_reject(message: FixMessage, ts_ns: int) -> VenueReport:
    cl_ord_id = _required(message, AppTag.CL_ORD_ID)
    orig = message.get_str(AppTag.ORIG_CL_ORD_ID)
    child = child_of(orig or cl_ord_id)
    text = message.get_str(AppTag.TEXT) or f"CxlRejReason {message.get_str(AppTag.CXL_REJ_REASON)}"
    event: VenueOrderEvent
    if message.get(AppTag.CXL_REJ_RESPONSE_TO) == CXL_REJ_RESPONSE_TO_REPLACE:
        event = ChildReplaceRejected(ts_ns, child, text)
    else:
        event = ChildCancelRejected(ts_ns, child, text)
    return VenueReport(event, child, None, message.get_str(AppTag.ORDER_ID))


def _execution_report(message: FixMessage, ts_ns: int, venue: VenueId,
                      orders: Mapping[ChildId, ChildSubmitted]) -> VenueReport:
    cl_ord_id = _required(message, AppTag.CL_ORD_ID)
    child = child_of(cl_ord_id)
    order_id = _required(message, AppTag.ORDER_ID)
    exec_type = _required(message, AppTag.EXEC_TYPE).encode()
    status_raw = _required(message, AppTag.ORD_STATUS)
    status = _ORD_STATUSES.get(status_raw)
    text = message.get_str(AppTag.TEXT) or ""
    event: VenueOrderEvent | None
    current: str | None = None
    if exec_type == b"0":
        event = ChildAccepted(ts_ns, child, order_id)
    elif exec_type in (b"F", b"1", b"2"):
        event = _fill(message, ts_ns, venue, child, orders.get(child))
    elif exec_type == b"4":
        event = ChildCanceled(ts_ns, child, text or "canceled by the venue")
    elif exec_type == b"5":
        event = ChildReplaced(ts_ns, child, _qty(message, AppTag.ORDER_QTY), _price(message, AppTag.PRICE))
        current = cl_ord_id
    elif exec_type == b"8":
        event = ChildRejected(ts_ns, child, text or f"rejected (OrdRejReason {message.get_str(AppTag.ORD_REJ_REASON)})")
    elif exec_type == b"H":  # Trade Cancel: ExecRefID names the execution the venue takes back
        event = ChildFillBusted(ts_ns, _required(message, AppTag.EXEC_ID), FillId(_required(message, EXEC_REF_ID)),
                                child, venue, text)
    elif exec_type == b"G":  # Trade Correct: that execution taken back, and booked again as this ExecID says
        corrected = _fill(message, ts_ns, venue, child, orders.get(child))
        note = f"corrected to {corrected.quantity:,} @ {corrected.price} as execution {corrected.fill_id}"
        event = ChildFillBusted(ts_ns, corrected.fill_id, FillId(_required(message, EXEC_REF_ID)), child, venue,
                                f"{note}{': ' + text if text else ''}")
        if status is None:
            raise _Bad(AppTag.ORD_STATUS, SessionRejectReason.VALUE_INCORRECT, f"OrdStatus {status_raw[:8]!r} unknown")
        return VenueReport(event, child, None, order_id, then=corrected)
    elif exec_type == b"C":
        event = ChildExpired(ts_ns, child, text or "expired at the venue")
    elif exec_type == b"I":
        known = not (status is OrdStatus.REJECTED and message.get(AppTag.ORD_REJ_REASON) == ORD_REJ_UNKNOWN_ORDER)
        event = ChildStatusReported(ts_ns, child, venue, known, status if known else None,
                                    _qty(message, AppTag.CUM_QTY, required=False), text)
        current = cl_ord_id if known else None
    elif exec_type in NO_EVENT_EXEC_TYPES:
        return VenueReport(None, child, None, order_id, NO_EVENT_EXEC_TYPES[exec_type])
    else:
        raise _Bad(AppTag.EXEC_TYPE, SessionRejectReason.VALUE_INCORRECT, f"ExecType {shown(exec_type)} unsupported")
    if status is None:
        raise _Bad(AppTag.ORD_STATUS, SessionRejectReason.VALUE_INCORRECT, f"OrdStatus {status_raw[:8]!r} unknown")
    return VenueReport(event, child, current, order_id)


def _fill(message: FixMessage, ts_ns: int, venue: VenueId, child: ChildId,
          order: ChildSubmitted | None) -> ChildFilled:
    exec_id = _required(message, AppTag.EXEC_ID)
    quantity = _qty(message, AppTag.LAST_QTY)
    price = _price(message, AppTag.LAST_PX)
    if quantity <= 0:
        raise _Bad(AppTag.LAST_QTY, SessionRejectReason.VALUE_INCORRECT, "LastQty of a fill must be positive")
    if price is None:
        raise _Bad(AppTag.LAST_PX, SessionRejectReason.REQUIRED_TAG_MISSING, "a fill needs LastPx")
    if price <= 0:
        raise _Bad(AppTag.LAST_PX, SessionRejectReason.VALUE_INCORRECT, "LastPx of a fill must be positive")
    side = _SIDES.get(_required(message, AppTag.SIDE))
    if side is None:
        raise _Bad(AppTag.SIDE, SessionRejectReason.VALUE_INCORRECT, "Side must be 1 or 2")
    fee = Decimal(0)
    if message.get(COMMISSION) is not None and message.get(COMM_TYPE) == COMM_TYPE_ABSOLUTE:
        fee = _price(message, COMMISSION) or Decimal(0)
    liquidity = Liquidity.ADDED if message.get(LAST_LIQUIDITY_IND) == b"1" else Liquidity.REMOVED
    parent = order.parent_id if order is not None else ParentId("")
    symbol = Symbol(_required(message, AppTag.SYMBOL))
    return ChildFilled(ts_ns, FillId(exec_id), child, parent, venue, symbol, side, quantity, price, fee, liquidity)


def shown(raw: bytes) -> str:
    return raw[:8].decode("latin-1")
