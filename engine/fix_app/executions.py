"""Engine events to per-ticket ExecutionReports: fills, ends of parents, and catch-up after a restart.

One `TicketsAllocated` is one execution of a parent split over its tickets: each OMS ticket with a
share gets its own Trade report (LastQty its share, LastPx the execution's price). AvgPx is the
block's average price after that execution (average-price allocation), tracked here from the
executions so an earlier report in a batch never shows a later execution's effect. A parent that
ends (canceled, expired) closes its still-open tickets once its block is reconciled, after any
remainder allocated at close. Then every ticket of the block that last heard another average (it stopped
before the block did: canceled, cut, filled early) gets a Calculated report (ExecType B, no LastQty) with
the block's final average: the price its shares are booked at, as the desk's ticket row shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from engine import events as ev
from engine.desk import CLOSE, CROSS
from engine.fix_app.orders import OmsOrder
from engine.fix_app.requests import GOOD_TILL_DATE
from engine.fix_app.tags import RESTATED_BY_BROKER, ExecType
from engine.model import OrdStatus, ParentId, TicketId
from engine.tickets.avgprice import AVG_PRICE_EXTRA_DIGITS

if TYPE_CHECKING:
    from engine.fix_app.oms import OmsApplication


@dataclass(slots=True)
class _Block:
    executed: int = 0
    notional: Decimal = Decimal(0)


class ExecutionFeed:
    """Follows the engine's ticket events for the OMS orders of one `OmsApplication`."""

    def __init__(self, app: OmsApplication) -> None:
        self.app = app
        self._tickets_of: dict[ParentId, dict[TicketId, None]] = {}  # in arrival order; a set's O(1) membership
        self._blocks: dict[ParentId, _Block] = {}
        self._ending: dict[ParentId, tuple[OrdStatus, str]] = {}

    def track(self, order: OmsOrder) -> None:
        """Follow `order` under its parent (known once the ticket has joined one)."""
        if order.parent_id:
            self._tickets_of.setdefault(order.parent_id, {})[order.ticket_id] = None

    def on_event(self, event: ev.Event) -> None:
        app = self.app
        if isinstance(event, ev.TicketAccepted):
            app.on_ticket_accepted(event)
        elif isinstance(event, ev.ParentAccepted):
            self._blocks[event.parent_id] = _Block()
        elif isinstance(event, ev.TicketJoined):
            order = app.order(event.ticket_id)
            if order is not None:
                order.parent_id = event.parent_id
                self.track(order)
        elif isinstance(event, ev.TicketsAllocated):
            self._on_allocated(event)
        elif isinstance(event, ev.TicketMandateChanged):
            # A desk-side limit / end change (an OMS replace has set its own already): the Restated report
            # that follows (the amend's TicketAmended) carries the order's new OrdType, Price, TimeInForce
            # and ExpireTime.
            order = app.order(event.ticket_id)
            if order is not None and not order.done and not app.changing(event.ticket_id):
                self._take_terms(order, event.new_limit, event.new_end_ns)
        elif isinstance(event, ev.TicketAmended):
            order = app.order(event.ticket_id)
            if order is not None:
                app.on_ticket_changed(order, event.new_quantity, canceled=event.canceled, reason=event.reason)
        elif isinstance(event, ev.CommandRejected) and event.command in ("CancelTicket", "AmendTicket"):
            order = app.order(TicketId(event.target))
            if order is not None and order.pending_change and not app.changing(order.ticket_id):
                app.on_change_refused(order, event.reason)
        elif isinstance(event, ev.ParentCanceled):
            self._ending[event.parent_id] = (OrdStatus.CANCELED, event.reason)
        elif isinstance(event, ev.ParentExpired):
            self._ending[event.parent_id] = (OrdStatus.EXPIRED, event.reason)
        elif isinstance(event, ev.BlockReconciled):
            self._close(event.parent_id)

    def catch_up(self, orders: list[OmsOrder]) -> None:
        """After a restart: report what the engine allocated or ended while these orders went unreported."""
        engine = self.app.engine
        for order in orders:
            row = engine.ticket(order.ticket_id)
            if row is None:
                continue
            if order.done:  # its block may have closed since, at another average
                store = engine.store
                closed = store.has_parent(row.parent_id) and store.parent(row.parent_id).status.is_terminal
                if closed and row.avg_price is not None:
                    self._final_average(order, row.avg_price)
                continue
            missed = row.allocated - order.cum_qty
            if missed > 0:
                order.cum_qty = row.allocated
                order.avg_px = row.avg_price
                order.status = order.working_status()
                self.app.outbox.report(order, ExecType.TRADE, exec_id=f"{order.day}-{order.ticket_id}-R{row.allocated}",
                                last_qty=missed, last_px=row.avg_price,
                                text="executed while the gateway was down, at the block's average price")
            terms_changed = self._take_terms(order, row.limit_price, row.end_ns)
            if (row.quantity != order.order_qty or terms_changed) and not order.done:
                order.order_qty = row.quantity
                order.status = order.working_status()
                self.app.outbox.report(order, ExecType.RESTATED, text=row.text or "changed by the desk",
                                restatement_reason=RESTATED_BY_BROKER)
            parent = engine.store.parent(row.parent_id) if engine.store.has_parent(row.parent_id) else None
            if not order.done and (row.status is OrdStatus.CANCELED or (parent and parent.status.is_terminal)):
                expired = parent is not None and parent.status is OrdStatus.EXPIRED
                order.status = OrdStatus.EXPIRED if expired else OrdStatus.CANCELED
                self.app.outbox.report(order, ExecType.EXPIRED if expired else ExecType.CANCELED,
                                text=(parent.text if parent else "") or row.text or "ended while the gateway was down")

    # --- internals ---------------------------------------------------------------------------------------

    def _take_terms(self, order: OmsOrder, limit: Decimal | None, end_ns: int | None) -> bool:
        """Give `order` the ticket's limit and end as they stand (changed by the desk while the gateway was
        down); True when either differed."""
        day_end = self.app.session_close_ns(self.app.engine.clock.now_ns())
        changed = limit != order.price
        if changed:
            order.price, order.ord_type = limit, "1" if limit is None else "2"
        if end_ns is not None and end_ns != (order.expire_ns if order.expire_ns is not None else day_end):
            order.time_in_force, order.expire_ns, changed = GOOD_TILL_DATE, end_ns, True
        return changed

    def _on_allocated(self, event: ev.TicketsAllocated) -> None:
        block = self._blocks.get(event.parent_id)
        if block is not None and event.kind != CLOSE:  # a close remainder is already in `executed`
            block.executed += event.quantity
            block.notional += event.quantity * event.price
        text = {CROSS: "internal cross at the mid", CLOSE: "remainder allocated at close"}.get(event.kind, "")
        for ticket_id, shares in zip(event.ticket_ids, event.quantities, strict=True):
            order = self.app.order(ticket_id)
            if order is None or shares <= 0:
                continue
            order.cum_qty += shares
            order.avg_px = self._average(order, block)
            if not order.done:
                order.status = order.working_status()
            exec_id = f"{order.day}-{ticket_id}-{event.kind}-{event.execution_ref}"
            self.app.outbox.report(order, ExecType.TRADE, exec_id=exec_id, last_qty=shares, last_px=event.price,
                                   text=text)

    def _average(self, order: OmsOrder, block: _Block | None) -> Decimal | None:
        if block is None or block.executed <= 0:  # a parent older than this gateway: the engine's view
            row = self.app.engine.ticket(order.ticket_id)
            return row.avg_price if row else order.avg_px
        exact = block.notional / block.executed
        instrument = self.app.engine.instruments.get(order.symbol)  # type: ignore[call-overload]
        if instrument is None:
            return exact
        return exact.quantize(instrument.tick_size.scaleb(-AVG_PRICE_EXTRA_DIGITS), rounding=ROUND_HALF_EVEN)

    def _close(self, parent_id: ParentId) -> None:
        ending = self._ending.pop(parent_id, None)
        block = self._blocks.pop(parent_id, None)
        for ticket_id in self._tickets_of.pop(parent_id, {}):
            order = self.app.order(ticket_id)
            if order is None:
                continue
            if not order.done:
                status, reason = ending or (OrdStatus.CANCELED, "block closed with shares unfilled")
                order.status = status
                self.app.outbox.report(order, ExecType.EXPIRED if status is OrdStatus.EXPIRED else ExecType.CANCELED,
                                       text=reason)
            final = self._average(order, block) if order.cum_qty else None
            if final is not None:
                self._final_average(order, final)

    def _final_average(self, order: OmsOrder, final: Decimal) -> None:
        """A Calculated report with the block's final average, unless the order heard it already."""
        if final != order.avg_px:
            order.avg_px = final
            self.app.outbox.report(order, ExecType.CALCULATED, exec_id=f"{order.day}-{order.ticket_id}-avg-{final}",
                                   text="final average price of the block")
