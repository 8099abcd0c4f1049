"""Serve an in-process `Venue` (a simulated one) to a FIX 4.4 initiator: the venue side of `FixVenue`.

The EMS's NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest / OrderStatusRequest become
the venue's submit / cancel / replace / request_status; what the venue reports comes back as
ExecutionReports (New, Trade, Canceled, Replaced, Rejected, Expired, Order Status) and
OrderCancelRejects. The host keeps per-order totals (cumulative quantity, average price) for the
reports' CumQty/LeavesQty/AvgPx; they live as long as the process, like the simulator's own book.
Messages it cannot use are answered with a BusinessMessageReject; nothing here raises on input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from engine import events as ev
from engine.clock import Clock
from engine.fix.codec import FieldValue
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage
from engine.fix_app.tags import AppTag
from engine.fixnum import BadNumber, format_fix_decimal, parse_fix_decimal
from engine.model import ChildId, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce
from engine.venues.base import Venue
from engine.venues.fix_messages import child_of

log = logging.getLogger(__name__)

Send = Callable[[SessionId, str, list[tuple[int, FieldValue]]], object]
BUSINESS_REJECT_OTHER = 0
BUSINESS_REJECT_UNSUPPORTED = 3


@dataclass(slots=True)
class _Book:
    """The host's running totals for one order, for its reports."""

    order: ev.ChildSubmitted
    cl_ord_id: str
    quantity: int
    price: Decimal | None
    order_id: str = "NONE"
    cum: int = 0
    notional: Decimal = Decimal(0)
    status: OrdStatus = OrdStatus.PENDING_NEW
    pending_cl_ord_id: str | None = None

    @property
    def avg_px(self) -> Decimal:
        return self.notional / self.cum if self.cum else Decimal(0)


class VenueFixHost:
    """FixApplication (towards the EMS) and VenueListener (towards the venue) at once."""

    def __init__(self, venue: Venue, session_id: SessionId, send: Send, clock: Clock) -> None:
        self.venue = venue
        self._session_id = session_id
        self._send = send
        self._clock = clock
        self._books: dict[ChildId, _Book] = {}
        self._execs = 0

    # ----- FixApplication ---------------------------------------------------------------------------

    def on_logon(self, session_id: SessionId) -> None:
        log.info("%s: EMS logged on", self.venue.venue_id)

    def on_logout(self, session_id: SessionId) -> None:
        log.info("%s: EMS logged out", self.venue.venue_id)

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        handler = {"D": self._new, "F": self._cancel, "G": self._replace, "H": self._status}.get(message.msg_type)
        if handler is None:
            self._business_reject(message, BUSINESS_REJECT_UNSUPPORTED, f"MsgType {message.msg_type[:8]} unsupported")
            return
        problem = handler(message)
        if problem is not None:
            self._business_reject(message, BUSINESS_REJECT_OTHER, problem)

    def _new(self, message: FixMessage) -> str | None:
        cl_ord_id = message.get_str(AppTag.CL_ORD_ID) or ""
        child = ChildId(cl_ord_id)
        try:
            side = Side(message.get_str(AppTag.SIDE))
            ord_type = OrdType(message.get_str(AppTag.ORD_TYPE))
            tif = TimeInForce(message.get_str(AppTag.TIME_IN_FORCE) or "0")
        except ValueError as exc:
            return f"unsupported value: {exc}"
        quantity = _decimal(message, AppTag.ORDER_QTY)
        price = _decimal(message, AppTag.PRICE)
        if quantity is None or quantity != quantity.to_integral_value():
            return "OrderQty must be a whole number of shares"
        order = ev.ChildSubmitted(self._clock.now_ns(), child, ParentId(""), self.venue.venue_id,
                                  Symbol(message.get_str(AppTag.SYMBOL) or ""), side, int(quantity), price,
                                  ord_type, tif)
        if child in self._books:
            return f"duplicate ClOrdID {cl_ord_id}"
        self._books[child] = _Book(order, cl_ord_id, order.quantity, price)
        self.venue.submit(order)
        return None

    def _cancel(self, message: FixMessage) -> str | None:
        book = self._books.get(child_of(message.get_str(AppTag.ORIG_CL_ORD_ID) or ""))
        if book is None:
            self._cancel_reject(message, "1", "unknown order")
            return None
        book.pending_cl_ord_id = message.get_str(AppTag.CL_ORD_ID)
        self.venue.cancel(book.order.child_id)
        return None

    def _replace(self, message: FixMessage) -> str | None:
        book = self._books.get(child_of(message.get_str(AppTag.ORIG_CL_ORD_ID) or ""))
        quantity = _decimal(message, AppTag.ORDER_QTY)
        if book is None or quantity is None or quantity != quantity.to_integral_value():
            self._cancel_reject(message, "2", "unknown order" if book is None else "bad OrderQty")
            return None
        book.pending_cl_ord_id = message.get_str(AppTag.CL_ORD_ID)
        self.venue.replace(book.order.child_id, int(quantity), _decimal(message, AppTag.PRICE))
        return None

    def _status(self, message: FixMessage) -> str | None:
        cl_ord_id = message.get_str(AppTag.CL_ORD_ID) or ""
        book = self._books.get(child_of(cl_ord_id))
        if book is None:
            self._report_unknown(message, cl_ord_id)
            return None
        self.venue.request_status([book.order])
        return None

    # ----- VenueListener ----------------------------------------------------------------------------

    def on_order_event(self, event: ev.VenueOrderEvent) -> None:
        book = self._books.get(event.child_id)
        if book is None:
            log.warning("%s: report for an order we do not host: %s", self.venue.venue_id, event)
            return
        if isinstance(event, ev.ChildAccepted):
            book.order_id, book.status = event.venue_order_id, OrdStatus.NEW
            self._report(book, "0")
        elif isinstance(event, ev.ChildFilled):
            book.cum += event.quantity
            book.notional += event.price * event.quantity
            book.status = OrdStatus.FILLED if book.cum >= book.quantity else OrdStatus.PARTIALLY_FILLED
            self._report(book, "F", fill=event)
        elif isinstance(event, ev.ChildCanceled | ev.ChildExpired | ev.ChildRejected):
            kind = {ev.ChildCanceled: ("4", OrdStatus.CANCELED), ev.ChildExpired: ("C", OrdStatus.EXPIRED),
                    ev.ChildRejected: ("8", OrdStatus.REJECTED)}[type(event)]
            book.status = kind[1]
            self._report(book, kind[0], text=event.reason, answer=True)
        elif isinstance(event, ev.ChildReplaced):
            book.quantity, book.price = event.quantity, event.price if event.price is not None else book.price
            self._report(book, "5", answer=True)
        elif isinstance(event, ev.ChildCancelRejected | ev.ChildReplaceRejected):
            response_to = "1" if isinstance(event, ev.ChildCancelRejected) else "2"
            self._send(self._session_id, "9", [
                (AppTag.CL_ORD_ID, book.pending_cl_ord_id or book.cl_ord_id), (AppTag.ORIG_CL_ORD_ID, book.cl_ord_id),
                (AppTag.ORDER_ID, book.order_id), (AppTag.ORD_STATUS, book.status.value),
                (AppTag.CXL_REJ_RESPONSE_TO, response_to), (AppTag.TEXT, event.reason[:200])])
            book.pending_cl_ord_id = None
        elif isinstance(event, ev.ChildStatusReported):
            self._report(book, "I", text=event.text)

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        """Market data stays in the process (the EMS runs its own simulated feed)."""

    def on_venue_status(self, event: ev.VenueStatusChanged) -> None:
        log.info("%s: %s", self.venue.venue_id, event.detail)

    # ----- reports ----------------------------------------------------------------------------------

    def _report(self, book: _Book, exec_type: str, *, fill: ev.ChildFilled | None = None, text: str = "",
                answer: bool = False) -> None:
        """One ExecutionReport; `answer`: it answers a pending cancel/replace (its ClOrdID, OrigClOrdID)."""
        self._execs += 1
        cl_ord_id, orig = book.cl_ord_id, None
        if answer and book.pending_cl_ord_id:
            cl_ord_id, orig = book.pending_cl_ord_id, book.cl_ord_id
            book.cl_ord_id, book.pending_cl_ord_id = book.pending_cl_ord_id, None
        leaves = book.quantity - book.cum if book.status.is_live else 0
        order = book.order
        fields: list[tuple[int, FieldValue]] = [
            (AppTag.CL_ORD_ID, cl_ord_id), (AppTag.ORDER_ID, book.order_id),
            (AppTag.EXEC_ID, fill.fill_id if fill else f"{book.order_id}-X{self._execs}"),
            (AppTag.EXEC_TYPE, exec_type), (AppTag.ORD_STATUS, book.status.value), (AppTag.SYMBOL, order.symbol),
            (AppTag.SIDE, order.side.value), (AppTag.ORDER_QTY, book.quantity),
            (AppTag.LEAVES_QTY, max(leaves, 0)), (AppTag.CUM_QTY, book.cum),
            (AppTag.AVG_PX, format_fix_decimal(book.avg_px.quantize(Decimal("0.000001")))),
        ]
        if orig is not None:
            fields.append((AppTag.ORIG_CL_ORD_ID, orig))
        if book.price is not None:
            fields.append((AppTag.PRICE, book.price))
        if fill is not None:
            fields += [(AppTag.LAST_QTY, fill.quantity), (AppTag.LAST_PX, fill.price), (12, fill.fee), (13, "3"),
                       (851, fill.liquidity.value)]
        if text:
            fields.append((AppTag.TEXT, text[:200]))
        self._send(self._session_id, "8", fields)

    def _report_unknown(self, message: FixMessage, cl_ord_id: str) -> None:
        self._execs += 1
        self._send(self._session_id, "8", [
            (AppTag.CL_ORD_ID, cl_ord_id), (AppTag.ORDER_ID, "NONE"), (AppTag.EXEC_ID, f"NONE-X{self._execs}"),
            (AppTag.EXEC_TYPE, "I"), (AppTag.ORD_STATUS, "8"), (AppTag.SYMBOL, message.get_str(AppTag.SYMBOL) or "?"),
            (AppTag.SIDE, message.get_str(AppTag.SIDE) or "1"), (AppTag.LEAVES_QTY, 0), (AppTag.CUM_QTY, 0),
            (AppTag.AVG_PX, 0), (AppTag.ORD_REJ_REASON, 5), (AppTag.TEXT, "unknown order (the venue restarted?)")])

    def _cancel_reject(self, message: FixMessage, response_to: str, text: str) -> None:
        self._send(self._session_id, "9", [
            (AppTag.CL_ORD_ID, message.get_str(AppTag.CL_ORD_ID) or "NONE"),
            (AppTag.ORIG_CL_ORD_ID, message.get_str(AppTag.ORIG_CL_ORD_ID) or "NONE"), (AppTag.ORDER_ID, "NONE"),
            (AppTag.ORD_STATUS, "8"), (AppTag.CXL_REJ_RESPONSE_TO, response_to), (AppTag.TEXT, text)])

    def _business_reject(self, message: FixMessage, reason: int, text: str) -> None:
        log.warning("%s: rejecting 35=%s: %s", self.venue.venue_id, message.msg_type, text)
        fields: list[tuple[int, FieldValue]] = [
            (AppTag.REF_SEQ_NUM, message.get_int(AppTag.MSG_SEQ_NUM) or 0), (AppTag.REF_MSG_TYPE, message.msg_type)]
        ref_id = message.get_str(AppTag.CL_ORD_ID)
        if ref_id:
            fields.append((AppTag.BUSINESS_REJECT_REF_ID, ref_id))
        fields += [(AppTag.BUSINESS_REJECT_REASON, reason), (AppTag.TEXT, text[:200])]
        self._send(self._session_id, "j", fields)


def _decimal(message: FixMessage, tag: int) -> Decimal | None:
    raw = message.get(tag)
    if raw is None:
        return None
    value = parse_fix_decimal(raw, signed=False)
    return None if isinstance(value, BadNumber) else value
