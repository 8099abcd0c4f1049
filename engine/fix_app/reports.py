"""Outbound OMS messages as (tag, value) lists: ExecutionReport, OrderCancelReject, BusinessMessageReject.

Only FIX 4.4 dictionary fields of each message type are written (a validating peer such as
QuickFIX rejects unknown ones), with every field the dictionary requires. Prices are written through
`format_fix_decimal` (a bounded number of digits, never an unbounded Decimal's text); what a rejected
message said is echoed only when it is short and well formed; Text is at most `MAX_TEXT` characters.
"""

from __future__ import annotations

from decimal import Decimal

from engine.fix.codec import FieldValue, utc_timestamp
from engine.fix.framing import FixMessage
from engine.fix_app.fields import MAX_ACCOUNT_LENGTH, MAX_ID_LENGTH, MAX_SYMBOL_LENGTH
from engine.fix_app.orders import OmsOrder
from engine.fix_app.tags import FIX_SIDES, AppTag
from engine.fixnum import format_fix_decimal, is_fix_float
from engine.model import OrdStatus, Side

Fields = list[tuple[int, FieldValue]]
NONE = "NONE"  # OrderID of an order we never took (FIX convention)
MAX_TEXT = 512  # characters of Text (58)
PRICE_DIGITS = 40  # digits of a price written: ours are on a tick, AvgPx a few digits finer; more is a bug
_CODES: dict[OrdStatus | Side, str] = {member: member.value for kind in (OrdStatus, Side) for member in kind}
"""OrdStatus (39) and Side (54) codes by member: a dict lookup, where Enum's `value` is a Python property."""


def execution_report(
    order: OmsOrder,
    *,
    exec_id: str,
    exec_type: str,
    transact_ns: int,
    status: OrdStatus | None = None,
    cl_ord_id: str | None = None,
    orig_cl_ord_id: str | None = None,
    last_qty: int = 0,
    last_px: Decimal | None = None,
    text: str = "",
    restatement_reason: int | None = None,
) -> Fields:
    """An ExecutionReport on `order` as it stands; `status` defaults to the order's own."""
    fields: Fields = [(AppTag.ORDER_ID, order.ticket_id), (AppTag.CL_ORD_ID, cl_ord_id or order.cl_ord_id)]
    if orig_cl_ord_id:
        fields.append((AppTag.ORIG_CL_ORD_ID, orig_cl_ord_id))
    fields += [
        (AppTag.EXEC_ID, exec_id),
        (AppTag.EXEC_TYPE, exec_type),
        (AppTag.ORD_STATUS, _CODES[status or order.status]),
    ]
    if restatement_reason is not None:
        fields.append((AppTag.EXEC_RESTATEMENT_REASON, restatement_reason))
    fields += [
        (AppTag.ACCOUNT, order.account),
        (AppTag.SYMBOL, order.symbol),
        (AppTag.SIDE, _CODES[order.side]),
        (AppTag.ORDER_QTY, order.order_qty),
        (AppTag.ORD_TYPE, order.ord_type),
    ]
    if order.price is not None:
        fields.append((AppTag.PRICE, _price(order.price)))
    fields.append((AppTag.TIME_IN_FORCE, order.time_in_force))
    if order.expire_ns is not None:
        fields.append((AppTag.EXPIRE_TIME, utc_timestamp(order.expire_ns)))
    if last_qty:
        fields += [(AppTag.LAST_QTY, last_qty), (AppTag.LAST_PX, _price(last_px or Decimal(0)))]
    fields += [
        (AppTag.LEAVES_QTY, order.leaves_qty),
        (AppTag.CUM_QTY, order.cum_qty),
        (AppTag.AVG_PX, _price(order.avg_px) if order.avg_px else "0"),
        (AppTag.TRANSACT_TIME, utc_timestamp(transact_ns)),
    ]
    if text:
        fields.append((AppTag.TEXT, _text(text)))
    return fields


def rejected_order(
    message: FixMessage, *, exec_id: str, text: str, ord_rej_reason: int, transact_ns: int, exec_type: str = "8"
) -> Fields:
    """ExecutionReport Rejected for an order we did not take (or do not know), echoing what it said."""
    fields: Fields = [
        (AppTag.ORDER_ID, NONE),
        (AppTag.CL_ORD_ID, _echo(message, AppTag.CL_ORD_ID, MAX_ID_LENGTH) or b""),
        (AppTag.EXEC_ID, exec_id),
        (AppTag.EXEC_TYPE, exec_type),
        (AppTag.ORD_STATUS, OrdStatus.REJECTED.value),
        (AppTag.ORD_REJ_REASON, ord_rej_reason),
    ]
    for tag, bound in ((AppTag.ACCOUNT, MAX_ACCOUNT_LENGTH), (AppTag.SYMBOL, MAX_SYMBOL_LENGTH), (AppTag.SIDE, 1)):
        value = _echo(message, tag, bound)
        if value and (tag != AppTag.SIDE or value.decode("latin-1") in FIX_SIDES):
            fields.append((tag, value))
    quantity = message.get(AppTag.ORDER_QTY)
    if quantity and is_fix_float(quantity, signed=False):
        fields.append((AppTag.ORDER_QTY, quantity))
    fields += [
        (AppTag.LEAVES_QTY, 0),
        (AppTag.CUM_QTY, 0),
        (AppTag.AVG_PX, 0),
        (AppTag.TRANSACT_TIME, utc_timestamp(transact_ns)),
        (AppTag.TEXT, _text(text)),
    ]
    return fields


def cancel_reject(
    *,
    cl_ord_id: str,
    orig_cl_ord_id: str,
    order: OmsOrder | None,
    response_to: str,
    reason: int,
    text: str,
    transact_ns: int,
) -> Fields:
    """OrderCancelReject (35=9); OrdStatus is the order's current one (Rejected for an unknown order)."""
    fields: Fields = [
        (AppTag.ORDER_ID, order.ticket_id if order else NONE),
        (AppTag.CL_ORD_ID, cl_ord_id),
        (AppTag.ORIG_CL_ORD_ID, orig_cl_ord_id),
        (AppTag.ORD_STATUS, order.status.value if order else OrdStatus.REJECTED.value),
    ]
    if order is not None:
        fields.append((AppTag.ACCOUNT, order.account))
    fields += [
        (AppTag.TRANSACT_TIME, utc_timestamp(transact_ns)),
        (AppTag.CXL_REJ_RESPONSE_TO, response_to),
        (AppTag.CXL_REJ_REASON, reason),
        (AppTag.TEXT, _text(text)),
    ]
    return fields


def business_reject(message: FixMessage, *, reason: int, text: str) -> Fields:
    """BusinessMessageReject (35=j) of an application message we cannot handle."""
    fields: Fields = [
        (AppTag.REF_SEQ_NUM, message.get(AppTag.MSG_SEQ_NUM) or b"0"),
        (AppTag.REF_MSG_TYPE, message.msg_type),
    ]
    ref_id = _echo(message, AppTag.CL_ORD_ID, MAX_ID_LENGTH)
    if ref_id:
        fields.append((AppTag.BUSINESS_REJECT_REF_ID, ref_id))
    fields += [(AppTag.BUSINESS_REJECT_REASON, reason), (AppTag.TEXT, _text(text))]
    return fields


def _text(text: str) -> str:
    # Text (58) is a plain string field: no SOH, latin-1 on the wire, bounded.
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 3] + "..."
    return text.replace("\x01", " ").encode("latin-1", "replace").decode("latin-1")


def _price(value: Decimal) -> str:
    return format_fix_decimal(value, max_digits=PRICE_DIGITS)


def _echo(message: FixMessage, tag: int, bound: int) -> bytes | None:
    """A field of the message we answer, when it is short enough to repeat."""
    value = message.get(tag)
    return value if value is not None and len(value) <= bound else None
