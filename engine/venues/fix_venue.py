"""A venue reached over FIX 4.4: the engine's `Venue` on top of our FIX initiator.

Requests become NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest / OrderStatusRequest
(engine/venues/fix_messages.py); ExecutionReports and OrderCancelRejects become the engine's venue
order events. Sequence numbers and sent messages live in the session store on the engine's ledger,
and a socket read's messages are handled in engine turns (`Engine.turn`; at most 256 a turn), so a
report and the inbound MsgSeqNum that carried it commit together, before anything is sent in answer.

Session state reaches the engine as VenueStatusChanged: connected when the session logs on, degraded
while a TestRequest sent for the venue's silence is unanswered (the router sends nothing new there), not
connected when a logged-on session drops (the router stops routing there; the risk layer marks the
children at risk). After every Logon that follows a drop we ask the venue (OrderStatusRequest) about
each child we still think is live; missed reports arrive first through the session's resend.
Requests made while the session is down are refused at once (ChildRejected, ChildCancelRejected,
ChildReplaceRejected); status requests wait for the Logon.

Malformed inbound order messages are answered with a session Reject (unusable fields) or a
BusinessMessageReject (message types we do not handle), logged, and their number consumed: they never
stall the session. Market data stays with the simulated market: only orders go over FIX.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from engine import events as ev
from engine import failpoints
from engine.clock import Clock
from engine.fix.codec import utc_timestamp
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage, parse_fields
from engine.fix.initiator import FixInitiator, InitiatorConfig, event_loop
from engine.fix_app.tags import AppTag
from engine.ledger import Ledger
from engine.model import ChildId, OrdStatus, VenueId
from engine.venues import fix_messages as fm
from engine.venues.base import Venue, VenueListener

log = logging.getLogger(__name__)

BUSINESS_REJECT_UNSUPPORTED_MSG_TYPE = 3
_REPORT_TYPES = ("8", "9")


@dataclass(slots=True)
class _Order:
    """What we know of one child at the venue: the order, the ClOrdID the venue knows it by, its OrderID."""

    submitted: ev.ChildSubmitted
    cl_ord_id: str
    quantity: int
    price: Decimal | None
    order_id: str | None = None
    closed: bool = False


class FixVenue(Venue):
    """One venue over one FIX initiator session."""

    def __init__(
        self,
        venue_id: VenueId,
        config: InitiatorConfig,
        store: str | Path | Ledger,
        clock: Clock,
        *,
        wall_time_ns: Callable[[], int] | None = None,
    ) -> None:
        self.venue_id = venue_id
        self._clock = clock
        self._wall_ns = wall_time_ns or time.time_ns
        self.initiator = FixInitiator(config, store, clock, self, wall_time_ns=self._wall_ns,
                                      on_silence=self._on_silence)
        self._listener: VenueListener | None = None
        self._orders: dict[ChildId, _Order] = {}
        self._submitted: dict[ChildId, ev.ChildSubmitted] = {}
        self._exec_ids: set[bytes] = set()
        """ExecIDs applied since this process started: a resent copy (PossDupFlag=Y) is not applied twice."""
        self._status_queue: dict[ChildId, None] = {}
        self._logons = 0
        self._closed = False
        self._suffix = 0

    # ----- Venue ------------------------------------------------------------------------------------

    def connect(self, listener: VenueListener) -> None:
        """Start the session; a socket read's messages run in the listener's turns when it has them (the engine)."""
        self._listener = listener
        turn: Callable[[], AbstractContextManager[None]] | None = getattr(listener, "turn", None)
        if turn is not None:
            self.initiator.unit_of_work = turn
        self.initiator.start()

    def submit(self, order: ev.ChildSubmitted) -> None:
        if not self.initiator.logged_on:
            self._later(ev.ChildRejected(self._now(), order.child_id, f"{self.venue_id}: FIX session not logged on"))
            return
        self._learn(order)
        failpoints.hit("fix_venue.submit")
        self.initiator.send("D", fm.new_order(order, self._transact_time()))

    def cancel(self, child_id: ChildId) -> None:
        order = self._orders.get(child_id)
        reason = self._cannot_amend(order)
        if reason is not None or order is None:
            self._later(ev.ChildCancelRejected(self._now(), child_id, reason or ""))
            return
        fields = fm.cancel(order.submitted, self._new_cl_ord_id(child_id), order.cl_ord_id, order.order_id,
                           order.quantity, self._transact_time())
        self.initiator.send("F", fields)

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        order = self._orders.get(child_id)
        reason = self._cannot_amend(order)
        if reason is not None or order is None:
            self._later(ev.ChildReplaceRejected(self._now(), child_id, reason or ""))
            return
        fields = fm.replace(order.submitted, self._new_cl_ord_id(child_id), order.cl_ord_id, order.order_id,
                            quantity, price if price is not None else order.price, self._transact_time())
        self.initiator.send("G", fields)

    def request_status(self, orders: Sequence[ev.ChildSubmitted]) -> None:
        """Ask about each order now, or at the next Logon while the session is down."""
        for order in orders:
            if order.child_id not in self._orders:
                self._learn(order)
            self._orders[order.child_id].closed = False
            self._status_queue[order.child_id] = None
        if self.initiator.logged_on:
            self._send_status_queue()

    def close(self) -> None:
        """Log out (without waiting for the answer) and stop reconnecting; nothing more is reported."""
        self._closed = True
        self.initiator.close_now()

    async def aclose(self) -> None:
        """Log out, waiting (bounded) for the venue's answer."""
        self._closed = True
        await self.initiator.stop()

    def sequence_numbers(self) -> tuple[int, int]:
        """(next MsgSeqNum we send, next we expect) for the GUI."""
        return self.initiator.sequence_numbers()

    @property
    def logged_on(self) -> bool:
        return self.initiator.logged_on

    # ----- FixApplication ---------------------------------------------------------------------------

    def on_logon(self, session_id: SessionId) -> None:
        self._logons += 1
        self._status(True, f"FIX session {session_id} logged on")
        if self._logons > 1:  # after a drop: what became of the orders we still think live?
            for child_id, order in self._orders.items():
                if not order.closed:
                    self._status_queue[child_id] = None
        self._send_status_queue()

    def on_logout(self, session_id: SessionId) -> None:
        if not self._closed:
            self._status(False, f"FIX session {session_id} down")

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        msg_type = message.msg_type
        if msg_type == "j":
            self._business_reject(message)
            return
        if msg_type not in _REPORT_TYPES:
            log.warning("%s: unsupported MsgType %s; BusinessMessageReject", self.venue_id, msg_type)
            self.initiator.send("j", [(AppTag.REF_SEQ_NUM, message.get_int(AppTag.MSG_SEQ_NUM) or 0),
                                      (AppTag.REF_MSG_TYPE, msg_type),
                                      (AppTag.BUSINESS_REJECT_REASON, BUSINESS_REJECT_UNSUPPORTED_MSG_TYPE),
                                      (AppTag.TEXT, f"MsgType {msg_type[:8]} not handled by this EMS")])
            return
        exec_id = message.get(AppTag.EXEC_ID) if msg_type == "8" else None
        if exec_id is not None and exec_id in self._exec_ids and message.get(AppTag.POSS_DUP_FLAG) == b"Y":
            log.info("%s: resent ExecutionReport %s already applied; skipped", self.venue_id, exec_id[:40])
            return
        report = fm.read_report(message, self._now(), self.venue_id, self._submitted)
        if isinstance(report, fm.Malformed):
            log.warning("%s: malformed 35=%s MsgSeqNum %s: %s; rejected", self.venue_id, msg_type,
                        message.get_str(AppTag.MSG_SEQ_NUM), report.text)
            self.initiator.send_reject(message.get_int(AppTag.MSG_SEQ_NUM), report.text, ref_msg_type=msg_type,
                                       ref_tag=report.tag, reason=report.reason)
            return
        if exec_id is not None:
            self._exec_ids.add(exec_id)
        self._apply(report, message)

    def on_session_reject(self, session_id: SessionId, message: FixMessage) -> None:
        """The venue's session layer refused one of our messages (35=3): the request it carried failed."""
        msg_type, cl_ord_id = self._stored_request(message)
        self._refused(msg_type, cl_ord_id, f"session reject: {message.get_str(AppTag.TEXT) or message.get_str(373)}")

    # ----- internals --------------------------------------------------------------------------------

    def _apply(self, report: fm.VenueReport, message: FixMessage) -> None:
        order = self._orders.get(report.child_id)
        if order is not None:
            if report.cl_ord_id is not None:
                order.cl_ord_id = report.cl_ord_id
            if report.order_id and report.order_id != "NONE":
                order.order_id = report.order_id
            if isinstance(report.event, ev.ChildReplaced):
                order.quantity = report.event.quantity
                order.price = report.event.price if report.event.price is not None else order.price
            raw_status = message.get(AppTag.ORD_STATUS)
            if message.msg_type == "8" and raw_status is not None and raw_status.decode("latin-1") in _TERMINAL:
                order.closed = True
        if report.event is None:
            log.info("%s: %s for %s (no engine event)", self.venue_id, report.note, report.child_id)
            return
        if self._listener is not None:
            self._listener.on_order_event(report.event)
            if report.then is not None:
                self._listener.on_order_event(report.then)

    def _business_reject(self, message: FixMessage) -> None:
        """The venue refused one of our messages at the application level."""
        ref_type = message.get_str(AppTag.REF_MSG_TYPE) or ""
        ref_id = message.get_str(AppTag.BUSINESS_REJECT_REF_ID)
        if not ref_id:  # not named: the message we sent under RefSeqNum says
            ref_type, ref_id = self._stored_request(message)
        text = f"business reject: {message.get_str(AppTag.TEXT) or message.get_str(AppTag.BUSINESS_REJECT_REASON)}"
        log.warning("%s: %s (35=%s, ref %s)", self.venue_id, text, ref_type, ref_id)
        self._refused(ref_type, ref_id, text)

    def _stored_request(self, reject: FixMessage) -> tuple[str, str]:
        """(MsgType, ClOrdID) of the message of ours a reject names by RefSeqNum (45), from the session store;
        ("", "") when it is not there (an admin message, or one from before a reset)."""
        raw = reject.get(AppTag.REF_SEQ_NUM)
        if raw is None or not raw.isdigit() or len(raw) > 9:
            return "", ""
        stored = self.initiator.store.outbound(self.initiator.session.session_id, int(raw), int(raw))
        if not stored:
            return "", ""
        try:
            fields = dict(parse_fields(stored[0].body))
        except ValueError:
            return "", ""
        return stored[0].msg_type, fields.get(AppTag.CL_ORD_ID, b"").decode("latin-1")

    def _refused(self, msg_type: str, cl_ord_id: str | None, text: str) -> None:
        """One of our requests was refused before it reached the venue's order handling."""
        if not cl_ord_id or self._listener is None:
            return
        child, now = fm.child_of(cl_ord_id), self._now()
        if msg_type == "D":
            self._listener.on_order_event(ev.ChildRejected(now, child, text))
        elif msg_type == "F":
            self._listener.on_order_event(ev.ChildCancelRejected(now, child, text))
        elif msg_type == "G":
            self._listener.on_order_event(ev.ChildReplaceRejected(now, child, text))

    def _learn(self, order: ev.ChildSubmitted) -> None:
        self._orders[order.child_id] = _Order(order, order.child_id, order.quantity, order.price)
        self._submitted[order.child_id] = order

    def _cannot_amend(self, order: _Order | None) -> str | None:
        if order is None:
            return f"{self.venue_id}: order unknown to the FIX adapter"
        if not self.initiator.logged_on:
            return f"{self.venue_id}: FIX session not logged on"
        return None

    def _send_status_queue(self) -> None:
        queue, self._status_queue = self._status_queue, {}
        for child_id in queue:
            order = self._orders[child_id]
            self.initiator.send("H", fm.status_request(order.submitted, order.cl_ord_id, order.order_id))

    def _new_cl_ord_id(self, child_id: ChildId) -> str:
        """A ClOrdID for a cancel or replace: the child id, '.', a suffix unique across restarts."""
        self._suffix += 1
        return f"{child_id}.{self._wall_ns() // 1000:x}{self._suffix}"

    def _status(self, connected: bool, detail: str, *, degraded: bool = False) -> None:
        if self._listener is not None:
            self._listener.on_venue_status(ev.VenueStatusChanged(self._now(), self.venue_id, connected, detail,
                                                                 degraded))

    def _on_silence(self, silent: bool) -> None:
        """The session's heartbeat watch: a silent venue is degraded (still logged on, no new orders routed
        there) until it speaks again; a venue silent for twice as long is dropped (down)."""
        if not self.initiator.logged_on:
            return
        if silent:
            self._status(True, f"no message from {self.venue_id} within its heartbeat interval: TestRequest sent",
                         degraded=True)
        else:
            self._status(True, f"{self.venue_id} answered again", degraded=False)

    def _later(self, event: ev.VenueOrderEvent) -> None:
        """Report on the next loop pass (never from inside the caller's request)."""
        listener = self._listener
        if listener is not None:
            event_loop().call_soon(listener.on_order_event, event)

    def _now(self) -> int:
        return self._clock.now_ns()

    def _transact_time(self) -> str:
        return utc_timestamp(self._wall_ns())


_TERMINAL = frozenset(s.value for s in OrdStatus if s.is_terminal)
