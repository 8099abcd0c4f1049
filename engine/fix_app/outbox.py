"""Everything the OMS gateway sends, through the FIX acceptor, and the commit of its order store.

The order store commits on the loop turn after the acceptor's own flush (which `send` scheduled
first), so the FIX session store holds a report before the order store says it was sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from engine.clock import Clock
from engine.fix.codec import FieldValue, SessionRejectReason
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage
from engine.fix_app import reports
from engine.fix_app.orders import OmsOrder, OmsOrderStore
from engine.fix_app.requests import Refusal
from engine.fix_app.tags import AppMsgType, AppTag
from engine.model import OrdStatus

log = logging.getLogger(__name__)


class OmsWire(Protocol):
    """What the gateway needs from the FIX acceptor (a fake in unit tests)."""

    def send(self, session_id: SessionId, msg_type: str, fields: Iterable[tuple[int, FieldValue]]) -> bool: ...

    def send_reject(
        self,
        session_id: SessionId,
        ref_seq_num: int,
        text: str,
        *,
        ref_msg_type: str | None = None,
        ref_tag: int | None = None,
        reason: int | None = None,
    ) -> bool: ...


class OmsOutbox:
    """Builds and sends the gateway's messages; saves each order it reports on."""

    def __init__(self, clock: Clock, store: OmsOrderStore) -> None:
        self._clock = clock
        self.store = store
        self._wire: OmsWire | None = None
        self._commit_scheduled = False

    def attach(self, wire: OmsWire) -> None:
        self._wire = wire

    def report(
        self,
        order: OmsOrder,
        exec_type: str,
        *,
        exec_id: str | None = None,
        status: OrdStatus | None = None,
        cl_ord_id: str | None = None,
        orig_cl_ord_id: str | None = None,
        last_qty: int = 0,
        last_px: Decimal | None = None,
        text: str = "",
        restatement_reason: int | None = None,
    ) -> None:
        """An ExecutionReport on `order` as it stands (`status` defaults to the order's own)."""
        fields = reports.execution_report(
            order, exec_id=exec_id or order.next_exec_id(), exec_type=exec_type, transact_ns=self._clock.now_ns(),
            status=status, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig_cl_ord_id, last_qty=last_qty, last_px=last_px,
            text=text, restatement_reason=restatement_reason,
        )
        self.store.save(order)
        self.send(order.session_id, AppMsgType.EXECUTION_REPORT, fields)
        self.schedule_commit()

    def reject_order(
        self, session_id: SessionId, message: FixMessage, refusal: Refusal, *, exec_id: str, exec_type: str = "8"
    ) -> None:
        """ExecutionReport Rejected for a NewOrderSingle (or a session Reject when none can be formed)."""
        if refusal.session_level:
            self.session_reject(session_id, message, refusal)
            return
        self.send(session_id, AppMsgType.EXECUTION_REPORT, reports.rejected_order(
            message, exec_id=exec_id, exec_type=exec_type, text=refusal.reason,
            ord_rej_reason=refusal.ord_rej_reason, transact_ns=self._clock.now_ns()))

    def cancel_reject(
        self, session_id: SessionId, message: FixMessage, order: OmsOrder | None, response_to: str, reason: int,
        text: str,
    ) -> None:
        """OrderCancelReject of the cancel/replace `message` (its ClOrdID and OrigClOrdID echoed)."""
        self.send(session_id, AppMsgType.ORDER_CANCEL_REJECT, reports.cancel_reject(
            cl_ord_id=message.get_str(AppTag.CL_ORD_ID) or "",
            orig_cl_ord_id=message.get_str(AppTag.ORIG_CL_ORD_ID) or "", order=order, response_to=response_to,
            reason=reason, text=text, transact_ns=self._clock.now_ns()))

    def cancel_reject_ids(
        self, order: OmsOrder, cl_ord_id: str, orig_cl_ord_id: str, response_to: str, reason: int, text: str
    ) -> None:
        """OrderCancelReject of a cancel/replace that waited (its ClOrdIDs kept on the order)."""
        self.send(order.session_id, AppMsgType.ORDER_CANCEL_REJECT, reports.cancel_reject(
            cl_ord_id=cl_ord_id, orig_cl_ord_id=orig_cl_ord_id, order=order, response_to=response_to, reason=reason,
            text=text, transact_ns=self._clock.now_ns()))

    def business_reject(self, session_id: SessionId, message: FixMessage, reason: int, text: str) -> None:
        self.send(session_id, AppMsgType.BUSINESS_MESSAGE_REJECT,
                  reports.business_reject(message, reason=reason, text=text))

    def session_reject(self, session_id: SessionId, message: FixMessage, refusal: Refusal) -> None:
        """Session-level Reject: the message lacks what a business answer would need."""
        wire = self._attached()
        missing = refusal.reason.endswith("is required")
        wire.send_reject(
            session_id, int(message.get_str(AppTag.MSG_SEQ_NUM) or 0), refusal.reason, ref_msg_type=message.msg_type,
            ref_tag=refusal.tag,
            reason=SessionRejectReason.REQUIRED_TAG_MISSING if missing else SessionRejectReason.VALUE_INCORRECT,
        )

    def send(self, session_id: SessionId, msg_type: str, fields: list[tuple[int, FieldValue]]) -> None:
        try:
            self._attached().send(session_id, msg_type, fields)
        except KeyError:  # a session no longer configured: its orders live on in the engine
            log.warning("FIX session %s is not configured: %s not sent", session_id, msg_type)

    def schedule_commit(self) -> None:
        if self._commit_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (tests, tools): nothing to wait for
            self.store.commit()
            return
        self._commit_scheduled = True
        loop.call_soon(self.commit)

    def commit(self) -> None:
        self._commit_scheduled = False
        self.store.commit()

    def _attached(self) -> OmsWire:
        if self._wire is None:
            raise RuntimeError("OMS gateway is not attached to a FIX acceptor")
        return self._wire
