"""The OMS gateway's application layer: FIX orders in as engine tickets, per-ticket ExecutionReports out.

NewOrderSingle -> `engine.submit_ticket`, OrderCancelRequest -> `cancel_ticket`, OrderCancelReplaceRequest
-> `amend_ticket` (OrderQty, and Price of a limit order), OrderStatusRequest -> a status report. Engine
events (delivered after they are journaled) become each ticket's ExecutionReports: PendingNew + New on acceptance, one
Trade report per ticket share of every execution (LastPx the execution's price, AvgPx the block's
average price: average-price allocation), Canceled / Expired when its parent ends, Restated when the
desk changes the ticket. The engine answers synchronously and its events arrive inside the call, so a
request sets a small context (`_entering`, `_changing`) that tells those events whose they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine import events as ev
from engine import failpoints
from engine.clock import NS_PER_DAY, NS_PER_S, S_PER_DAY
from engine.engine import Engine
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage
from engine.fix_app.admission import admit_new_order, admit_replace, unchangeable
from engine.fix_app.executions import ExecutionFeed
from engine.fix_app.orders import OmsOrder, OmsOrderStore, PendingChange
from engine.fix_app.outbox import OmsOutbox, OmsWire
from engine.fix_app.requests import (
    CancelRequest,
    NewOrder,
    Refusal,
    ReplaceRequest,
    check_side_matches,
    read_cancel,
    read_new_order,
    read_replace,
)
from engine.fix_app.tags import (
    RESTATED_BY_BROKER,
    AppMsgType,
    AppTag,
    BusinessRejectReason,
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    OrdRejReason,
)
from engine.model import OrdStatus, TicketId

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entering:
    session_id: SessionId
    order: NewOrder
    source: str
    account: str
    ticket_id: TicketId | None = None


@dataclass(slots=True)
class _Changing:
    ticket_id: TicketId
    cl_ord_id: str
    orig_cl_ord_id: str
    cancel: bool
    reported: bool = False


class OmsApplication:
    """A `FixApplication` turning OMS orders into engine tickets; `attach(wire)` before the first logon."""

    def __init__(
        self,
        engine: Engine,
        store: OmsOrderStore,
        *,
        session_close_s: int = 16 * 3600,
        default_algo: str | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.outbox = OmsOutbox(engine.clock, store)
        self.session_close_s = session_close_s
        self.default_algo = (default_algo or _preferred_algo(engine)).upper()
        self._orders: dict[TicketId, OmsOrder] = {}
        self._cl_ord_ids: dict[tuple[SessionId, str], TicketId | None] = {}
        self._feed = ExecutionFeed(self)
        self._entering: _Entering | None = None
        self._changing: _Changing | None = None
        self._unsubscribe: Callable[[], None] = _nothing
        self._closed = False
        self._day: tuple[int, str] = (-1, "")  # (epoch day, its YYYYMMDD): the text is asked for per order

    # --- lifecycle -------------------------------------------------------------------------------------

    def attach(self, wire: OmsWire) -> None:
        """Load today's orders, report what the engine did while we were away, then follow its events."""
        self.outbox.attach(wire)
        orders, cl_ord_ids = self.store.load(self.day)
        self._cl_ord_ids.update(cl_ord_ids)
        for order in orders:
            row = self.engine.ticket(order.ticket_id)
            if row is None or row.client_order_id != order.first_cl_ord_id or row.symbol != order.symbol:
                log.warning("FIX order %s (%s) is not in the engine's journal: forgotten", order.ticket_id,
                            order.first_cl_ord_id)
                self.store.forget(order.ticket_id)
                continue
            self._orders[order.ticket_id] = order
            order.parent_id = row.parent_id
            self._feed.track(order)
        with self.engine.turn():  # the catch-up reports and the orders they update commit together
            self._feed.catch_up(list(self._orders.values()))
        self._unsubscribe = self.engine.follow_in_turn(self._on_event)

    def close(self) -> None:
        """Stop following the engine and close the order store; later orders are refused."""
        self._unsubscribe()
        self._closed = True
        self.store.close()

    @property
    def day(self) -> str:
        number = self.engine.clock.now_ns() // NS_PER_DAY
        if number != self._day[0]:
            self._day = (number, time.strftime("%Y%m%d", time.gmtime(number * S_PER_DAY)))
        return self._day[1]

    def order(self, ticket_id: TicketId) -> OmsOrder | None:
        return self._orders.get(ticket_id)

    def orders(self) -> list[OmsOrder]:
        return list(self._orders.values())

    # --- FixApplication -------------------------------------------------------------------------------

    def on_logon(self, session_id: SessionId) -> None:
        log.info("OMS %s logged on", session_id)

    def on_logout(self, session_id: SessionId) -> None:
        """A logout or a dropped connection: the risk layer decides what happens to that OMS's tickets."""
        log.info("OMS %s logged out", session_id)
        if not self._closed:
            self.engine.on_session_lost(f"fix:{_client(session_id)}")

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        if self._closed:
            self.outbox.business_reject(session_id, message, BusinessRejectReason.APPLICATION_NOT_AVAILABLE,
                                        "the EMS is shutting down")
            return
        try:
            msg_type = message.msg_type
            if msg_type == AppMsgType.NEW_ORDER_SINGLE:
                self._on_new_order(session_id, message)
            elif msg_type == AppMsgType.ORDER_CANCEL_REQUEST:
                self._on_cancel(session_id, message)
            elif msg_type == AppMsgType.ORDER_CANCEL_REPLACE_REQUEST:
                self._on_replace(session_id, message)
            elif msg_type == "H":
                self._on_status_request(session_id, message)
            else:
                self.outbox.business_reject(session_id, message, BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE,
                                            f"unsupported message type {msg_type}: this gateway takes D, F, G and H")
        except Exception as exc:  # one bad message must not take the session (or the desk) down
            log.exception("FIX %s: failed on %r", session_id, message)
            self.outbox.business_reject(session_id, message, BusinessRejectReason.OTHER,
                                        f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            self.outbox.schedule_commit()

    # --- new orders ----------------------------------------------------------------------------------

    def _on_new_order(self, session_id: SessionId, message: FixMessage) -> None:
        failpoints.hit("oms.new_order")
        client = _client(session_id)
        request = read_new_order(message, client=client)
        if isinstance(request, Refusal):
            cl_ord_id = message.get_str(AppTag.CL_ORD_ID)
            if not request.session_level and cl_ord_id and (session_id, cl_ord_id) not in self._cl_ord_ids:
                self._remember(session_id, cl_ord_id, None)  # answered, hence used (never over a live order's)
            self._refuse_order(session_id, message, request)
            return
        key = (session_id, request.cl_ord_id)
        if key in self._cl_ord_ids:
            if _poss_dup(message):  # a resend of an order we already hold: no new ticket, its status instead
                self._answer_resent_order(session_id, message, self._cl_ord_ids[key], request.cl_ord_id)
            else:
                self._refuse_order(session_id, message, Refusal(
                    f"duplicate ClOrdID {request.cl_ord_id!r}", AppTag.CL_ORD_ID,
                    ord_rej_reason=OrdRejReason.DUPLICATE_ORDER))
            return
        now = self.engine.clock.now_ns()
        algo = request.algo or self.default_algo
        end_ns = request.end_ns if request.end_ns is not None else self.session_close_ns(now)
        refusal = admit_new_order(request, algo=algo, end_ns=end_ns, now_ns=now, instruments=self.engine.instruments,
                                  algos=self.engine.algos)
        self._remember(session_id, request.cl_ord_id, None)  # the OMS map keeps refused ClOrdIDs too
        if refusal is not None:  # refused before the engine: nothing of it is journaled
            self._refuse_order(session_id, message, refusal)
            return
        entering = self._entering = _Entering(session_id, request, f"fix:{client}", request.account or client)
        try:
            result = self.engine.submit_ticket(
                symbol=request.symbol, side=request.side, quantity=request.quantity,
                limit_price=request.limit_price, algo=algo, end_ns=end_ns,
                start_ns=request.start_ns, params=dict(request.params), account=entering.account,
                source=entering.source, urgency=request.urgency, allow_cross=request.allow_cross,
                client_order_id=request.cl_ord_id,
            )
        finally:
            self._entering = None
        if entering.ticket_id is None:
            field = (result.field or "").lower()
            code = {"symbol": OrdRejReason.UNKNOWN_SYMBOL, "quantity": OrdRejReason.INCORRECT_QUANTITY}.get(
                field, OrdRejReason.OTHER)
            self._refuse_order(session_id, message, Refusal(result.reason or "refused by the engine",
                                                            ord_rej_reason=code))

    def _answer_resent_order(
        self, session_id: SessionId, message: FixMessage, ticket_id: TicketId | None, cl_ord_id: str
    ) -> None:
        """A NewOrderSingle resent (PossDupFlag or PossResend) whose ClOrdID we hold: the order's current
        status (or its rejection again), never a second ticket."""
        order = self._orders.get(ticket_id) if ticket_id else None
        if order is None:
            self._refuse_order(session_id, message, Refusal(
                f"ClOrdID {cl_ord_id!r} was already received and rejected", AppTag.CL_ORD_ID,
                ord_rej_reason=OrdRejReason.DUPLICATE_ORDER))
            return
        self.outbox.report(order, ExecType.ORDER_STATUS, cl_ord_id=order.cl_ord_id,
                           text="resent order: current status")

    def on_ticket_accepted(self, event: ev.TicketAccepted) -> None:
        """Called by the feed: bind the ticket being entered to its OMS order and acknowledge it."""
        entering = self._entering
        if (entering is None or entering.ticket_id is not None or event.source != entering.source
                or event.client_order_id != entering.order.cl_ord_id):
            return
        request = entering.order
        entering.ticket_id = event.ticket_id
        order = OmsOrder(
            event.ticket_id, entering.session_id, self.day, request.cl_ord_id, request.cl_ord_id, event.account,
            event.symbol, event.side, request.ord_type, request.limit_price, request.time_in_force, event.quantity,
            expire_ns=request.end_ns,
        )
        self._orders[order.ticket_id] = order
        self._remember(order.session_id, order.cl_ord_id, order.ticket_id)
        self.outbox.report(order, ExecType.PENDING_NEW)
        order.status = OrdStatus.NEW
        self.outbox.report(order, ExecType.NEW)

    def _refuse_order(self, session_id: SessionId, message: FixMessage, refusal: Refusal) -> None:
        self.outbox.reject_order(session_id, message, refusal, exec_id=self._reject_exec_id(session_id, message))

    def _reject_exec_id(self, session_id: SessionId, message: FixMessage) -> str:
        # unique per session and day: the inbound MsgSeqNum it answers
        return f"{self.day}-{_client(session_id)}-REJ-{message.get_str(AppTag.MSG_SEQ_NUM)}"

    # --- cancel and replace --------------------------------------------------------------------------

    def _on_cancel(self, session_id: SessionId, message: FixMessage) -> None:
        request = read_cancel(message)
        if isinstance(request, Refusal):
            if request.session_level:
                self.outbox.session_reject(session_id, message, request)
            else:
                self.outbox.cancel_reject(session_id, message, None, CxlRejResponseTo.CANCEL, CxlRejReason.OTHER,
                                          request.reason)
            return
        order = self._change_target(session_id, message, request, CxlRejResponseTo.CANCEL)
        if order is None:
            return
        self._change(order, request, message, cancel=True)

    def _on_replace(self, session_id: SessionId, message: FixMessage) -> None:
        request = read_replace(message)
        if isinstance(request, Refusal):
            if request.session_level:
                self.outbox.session_reject(session_id, message, request)
            else:
                self.outbox.cancel_reject(session_id, message, None, CxlRejResponseTo.REPLACE,
                                          CxlRejReason.OTHER, request.reason)
            return
        order = self._change_target(session_id, message, request, CxlRejResponseTo.REPLACE)
        if order is None:
            return
        instrument = self.engine.instruments.get(order.symbol)  # type: ignore[call-overload]
        why = unchangeable(order, request) or admit_replace(order, request, instrument, self.engine.clock.now_ns())
        if why:
            self.outbox.cancel_reject(session_id, message, order, CxlRejResponseTo.REPLACE, CxlRejReason.OTHER, why)
            return
        self._change(order, request, message, cancel=False)

    def _change_target(
        self, session_id: SessionId, message: FixMessage, request: CancelRequest | ReplaceRequest, response_to: str
    ) -> OmsOrder | None:
        """The order a cancel/replace names, or None after answering why it cannot be changed."""
        key = (session_id, request.cl_ord_id)
        ticket_id = self._cl_ord_ids.get((session_id, request.orig_cl_ord_id))
        order = self._orders.get(ticket_id) if ticket_id else None
        if key in self._cl_ord_ids:
            if not _poss_dup(message):
                self.outbox.cancel_reject(session_id, message, order, response_to,
                                          CxlRejReason.DUPLICATE_CL_ORD_ID, f"duplicate ClOrdID {request.cl_ord_id!r}")
            return None
        self._remember(session_id, request.cl_ord_id, None)
        if order is None:
            self.outbox.cancel_reject(session_id, message, None, response_to, CxlRejReason.UNKNOWN_ORDER,
                                      f"unknown order: OrigClOrdID (41) {request.orig_cl_ord_id!r}")
            return None
        mismatch = check_side_matches(request.side, order.side)
        if not mismatch and request.symbol is not None and request.symbol != order.symbol:
            mismatch = f"Symbol (55) {request.symbol} does not match the order's symbol {order.symbol}"
        if mismatch:
            self.outbox.cancel_reject(session_id, message, order, response_to, CxlRejReason.OTHER, mismatch)
            return None
        if order.done:
            self.outbox.cancel_reject(session_id, message, order, response_to, CxlRejReason.TOO_LATE,
                                      f"too late: the order is {order.status.name.lower().replace('_', ' ')}")
            return None
        return order

    def _change(
        self, order: OmsOrder, request: CancelRequest | ReplaceRequest, message: FixMessage, *, cancel: bool
    ) -> None:
        pending = ExecType.PENDING_CANCEL if cancel else ExecType.PENDING_REPLACE
        pending_status = OrdStatus.PENDING_CANCEL if cancel else OrdStatus.PENDING_REPLACE
        self.outbox.report(order, pending, status=pending_status, cl_ord_id=request.cl_ord_id,
                           orig_cl_ord_id=request.orig_cl_ord_id)
        changing = self._changing = _Changing(order.ticket_id, request.cl_ord_id, request.orig_cl_ord_id, cancel)
        before = (order.price, order.time_in_force, order.expire_ns)
        waiting = False
        try:
            if isinstance(request, ReplaceRequest):
                new_price = request.limit_price if request.limit_price != order.price else None
                new_end = request.end_ns if request.end_ns != order.expire_ns else None
                # the Replaced report (sent inside the call) carries the new terms
                order.price = order.price if new_price is None else new_price
                order.time_in_force = request.time_in_force or order.time_in_force
                order.expire_ns = order.expire_ns if new_end is None else new_end
                result = self.engine.amend_ticket(order.ticket_id, request.quantity, new_price, new_end)
            else:
                result = self.engine.cancel_ticket(order.ticket_id, "OMS cancel")
            waiting = result.ok and result.pending and not changing.reported
            if waiting:  # the engine applies it once the venues confirm: answered then (on_ticket_changed)
                order.pending_change = PendingChange(request.cl_ord_id, request.orig_cl_ord_id, cancel).encode()
                self.outbox.store.save(order)
            elif result.ok and not changing.reported:  # accepted without a quantity change (same quantity)
                self.on_ticket_changed(order, order.order_qty, canceled=cancel, reason="")
        finally:
            self._changing = None
            if not changing.reported and not waiting:  # refused (or failed): the order keeps its terms
                order.price, order.time_in_force, order.expire_ns = before
        if not result.ok:
            reason = CxlRejReason.TOO_LATE if order.done else CxlRejReason.OTHER
            response_to = CxlRejResponseTo.CANCEL if cancel else CxlRejResponseTo.REPLACE
            self.outbox.cancel_reject(order.session_id, message, order, response_to, reason, result.reason)

    def changing(self, ticket_id: TicketId) -> bool:
        """True while our own cancel/replace of `ticket_id` is in the engine (its events are solicited)."""
        return self._changing is not None and self._changing.ticket_id == ticket_id

    def on_ticket_changed(self, order: OmsOrder, quantity: int, *, canceled: bool, reason: str) -> None:
        """Called by the feed on TicketAmended: our own cancel/replace (now, or one that waited for the
        venues), or a change made by the desk."""
        changing = self._changing
        solicited = changing is not None and changing.ticket_id == order.ticket_id and not changing.reported
        if not solicited and order.pending_change:
            waited = PendingChange.decode(order.pending_change)
            order.pending_change = ""
            if waited is not None:
                changing = _Changing(order.ticket_id, waited.cl_ord_id, waited.orig_cl_ord_id, waited.cancel)
                solicited = True
        if order.done and not solicited:
            return
        order.order_qty = quantity
        if not solicited:
            if canceled:
                order.status = OrdStatus.CANCELED
                self.outbox.report(order, ExecType.CANCELED, text=reason)
            else:
                order.status = order.working_status()
                self.outbox.report(order, ExecType.RESTATED, text=reason, restatement_reason=RESTATED_BY_BROKER)
            return
        assert changing is not None
        changing.reported = True
        orig, order.cl_ord_id = order.cl_ord_id, changing.cl_ord_id
        self._remember(order.session_id, changing.cl_ord_id, order.ticket_id)
        if canceled:
            order.status = OrdStatus.CANCELED
            self.outbox.report(order, ExecType.CANCELED, orig_cl_ord_id=orig)
        else:
            order.status = order.working_status()
            self.outbox.report(order, ExecType.REPLACED, orig_cl_ord_id=orig)

    def on_change_refused(self, order: OmsOrder, reason: str) -> None:
        """Called by the feed on a CommandRejected for a ticket whose OMS change waited: OrderCancelReject."""
        waited = PendingChange.decode(order.pending_change)
        order.pending_change = ""
        self.outbox.store.save(order)
        if waited is None:
            return
        order.status = order.working_status()
        response_to = CxlRejResponseTo.CANCEL if waited.cancel else CxlRejResponseTo.REPLACE
        self.outbox.cancel_reject_ids(order, waited.cl_ord_id, waited.orig_cl_ord_id, response_to,
                                      CxlRejReason.TOO_LATE if order.done else CxlRejReason.OTHER, reason)

    # --- status ------------------------------------------------------------------------------------------

    def _on_status_request(self, session_id: SessionId, message: FixMessage) -> None:
        cl_ord_id = message.get_str(AppTag.CL_ORD_ID) or ""
        ticket_id = self._cl_ord_ids.get((session_id, cl_ord_id))
        order = self._orders.get(ticket_id) if ticket_id else None
        if order is None:
            self.outbox.reject_order(session_id, message, Refusal(f"unknown order: ClOrdID (11) {cl_ord_id!r}"),
                                     exec_id=self._reject_exec_id(session_id, message), exec_type=ExecType.ORDER_STATUS)
            return
        self.outbox.report(order, ExecType.ORDER_STATUS, cl_ord_id=cl_ord_id)

    # --- internals ---------------------------------------------------------------------------------------

    def _remember(self, session_id: SessionId, cl_ord_id: str, ticket_id: TicketId | None) -> None:
        self._cl_ord_ids[(session_id, cl_ord_id)] = ticket_id
        self.store.add_cl_ord_id(session_id, cl_ord_id, ticket_id, self.day)
        self.outbox.schedule_commit()

    def _on_event(self, event: ev.Event) -> None:
        self._feed.on_event(event)

    def session_close_ns(self, now_ns: int) -> int:
        """End of a day order entered at `now_ns` (no ExpireTime): the configured session close that day."""
        return now_ns - now_ns % NS_PER_DAY + self.session_close_s * NS_PER_S


def _nothing() -> None:
    pass


def _preferred_algo(engine: Engine) -> str:
    for name in ("VWAP", "TWAP"):
        if name in engine.algos:
            return name
    return sorted(engine.algos)[0]


def _client(session_id: SessionId) -> str:
    """The OMS's CompID from our session id (`FIX.4.4:EMS->OMS1`)."""
    return session_id.rsplit("->", 1)[-1]


def _poss_dup(message: FixMessage) -> bool:
    """PossDupFlag (43) or PossResend (97): the sender may have sent this message before."""
    return message.get(AppTag.POSS_DUP_FLAG) == b"Y" or message.get(_POSS_RESEND) == b"Y"


_POSS_RESEND = 97
