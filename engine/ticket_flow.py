"""Tickets through the engine: validation, aggregation into parents, internal crossing, allocation.

Works through the unit of work it is given (`Turns`) and the parent flow; never the engine itself.

A ticket joins the oldest compatible working parent (same instrument, side and mandate) or starts a
new one; the parent's quantity is its tickets' total minus what was crossed internally, so only the
net goes to market. Market fills and crosses are allocated back to the tickets at once (pro rata,
whole lots, monotone), and a finished parent's tickets are reconciled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from engine import commands as cmd
from engine import events as ev
from engine.algos.base import Algo
from engine.clock import Clock
from engine.desk import CLOSE, CROSS, FILL, TicketDesk
from engine.market import MarketView
from engine.model import Instrument, OrdStatus, ParentId, Side, Symbol, TicketId
from engine.parent_flow import ParentFlow
from engine.results import CommandResult, SubmitResult
from engine.risk.checks import RiskEngine
from engine.risk.entry import NeedsConfirmation, screen
from engine.store import OrderStore
from engine.tickets import records
from engine.tickets.book import UNCHANGED, Unchanged
from engine.tickets.model import URGENCIES
from engine.turns import Turns
from engine.validation import Invalid, ValidTicket, check_end, unrecordable_quantity, validate_ticket
from engine.views import ParentView

log = logging.getLogger(__name__)
_WORKING = (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class _PendingCut:
    ticket_id: TicketId
    quantity: int | None  # None: cancel what is not allocated
    reason: str
    reduction: int  # shares the cut takes off the parent's target


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """A client order as it arrives (GUI, basket row, OMS over FIX), before validation."""

    symbol: str
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    end_ns: int
    start_ns: int | None = None
    params: tuple[tuple[str, str], ...] = ()
    account: str = "DESK"
    source: str = "gui"
    urgency: str = "MEDIUM"
    allow_cross: bool = True
    client_order_id: str = ""
    confirmed: bool = False  # the trader confirmed the soft risk warnings this ticket raised


class TicketFlow:
    """The engine's ticket operations, inside the engine's turns."""

    def __init__(
        self, uow: Turns, store: OrderStore, desk: TicketDesk, clock: Clock, market: MarketView,
        instruments: Mapping[Symbol, Instrument], algos: Mapping[str, type[Algo]], risk: RiskEngine,
        parents: ParentFlow,
    ) -> None:
        self.uow = uow
        self.store = store
        self.desk = desk
        self.clock = clock
        self.market = market
        self.instruments = instruments
        self.algos = algos
        self.risk = risk
        self.parents = parents
        self._next_parent = 1
        self._pending_cuts: dict[ParentId, list[_PendingCut]] = {}

    def continue_numbering(self, next_parent: int) -> None:
        """After a replay: parent ids go on from the journal's."""
        self._next_parent = max(self._next_parent, next_parent)

    def _new_parent_id(self) -> ParentId:
        parent_id = ParentId(f"P{self._next_parent:06d}")
        self._next_parent += 1
        return parent_id

    # --- tickets in ------------------------------------------------------------------------------------

    def submit(self, request: TicketRequest) -> SubmitResult:
        unrecordable = unrecordable_quantity(request.quantity)
        if unrecordable:
            return SubmitResult(False, None, unrecordable, "quantity")
        with self.uow.turn():
            self._record(request)
            verdict = self._check(request)
            if isinstance(verdict, Invalid):
                return self._reject(request, verdict.reason, verdict.field)
            if isinstance(verdict, NeedsConfirmation):
                return SubmitResult(False, None, verdict.reason, verdict.field or None, needs_confirmation=True)
            return self._accept(request, verdict)

    def submit_basket(self, requests: Sequence[TicketRequest]) -> list[SubmitResult]:
        """All or nothing: every row is accepted (in one journal transaction) or none is."""
        unrecordable = [unrecordable_quantity(r.quantity) for r in requests]
        if any(unrecordable):
            bad = sum(1 for u in unrecordable if u)
            return [SubmitResult(False, None, u, "quantity") if u else
                    SubmitResult(False, None, _others_invalid(bad), "", for_other_rows=True) for u in unrecordable]
        with self.uow.turn():
            for request in requests:
                self._record(request)
            with self.risk.tentative():  # each row counts against the limits of the rows after it
                return self._accept_basket(requests, [self._check(r) for r in requests])

    def _accept_basket(self, requests: Sequence[TicketRequest],
                       verdicts: list[ValidTicket | Invalid | NeedsConfirmation]) -> list[SubmitResult]:
        """Every row, or none: refused with the rows at fault named, or waiting for their confirmation."""
        bad = sum(isinstance(v, Invalid) for v in verdicts)
        if bad:
            results = []
            for request, verdict in zip(requests, verdicts, strict=True):
                if isinstance(verdict, Invalid):
                    results.append(self._reject(request, verdict.reason, verdict.field))
                else:
                    refused = self._reject(request, _others_invalid(bad), "")
                    results.append(replace(refused, for_other_rows=True))
            return results
        unconfirmed = sum(isinstance(v, NeedsConfirmation) for v in verdicts)
        if unconfirmed:
            return [SubmitResult(False, None, v.reason, None, needs_confirmation=True)
                    if isinstance(v, NeedsConfirmation) else
                    SubmitResult(False, None, f"basket waits: {unconfirmed} row(s) need confirmation", None,
                                 needs_confirmation=True, for_other_rows=True) for v in verdicts]
        if not requests:
            return [SubmitResult(False, None, "empty basket", None)]
        return [self._accept(r, v) for r, v in zip(requests, verdicts, strict=True) if isinstance(v, ValidTicket)]

    def cancel(self, ticket_id: TicketId, reason: str) -> CommandResult:
        """Cancel what is not yet allocated; the parent shrinks (or is canceled when nothing is left)."""
        with self.uow.turn():
            self.uow.record(cmd.CancelTicket(self.clock.now_ns(), ticket_id, reason))
            return self._change(ticket_id, None, reason)

    def amend(
        self, ticket_id: TicketId, quantity: int, limit_price: Decimal | None = None, end_ns: int | None = None
    ) -> CommandResult:
        unrecordable = unrecordable_quantity(quantity)
        if unrecordable:
            return CommandResult(False, unrecordable)
        with self.uow.turn():
            self.uow.record(cmd.AmendTicket(self.clock.now_ns(), ticket_id, quantity, limit_price, end_ns))
            blocked = self._amend_risk(ticket_id, quantity, limit_price)
            if blocked is not None:
                return blocked
            limit = UNCHANGED if limit_price is None else limit_price
            return self._amend(ticket_id, quantity, limit, end_ns, "amended")

    def amend_parent(
        self, parent: ParentView, quantity: int, limit: Decimal | None, end_ns: int, *, trader_limit: bool
    ) -> CommandResult:
        """A trader's amend of a parent. Its quantity is its tickets': a change goes to its one open
        ticket. Its limit and end time are the trader's working terms (`ParentTermsSet`), within the
        tickets' mandate: tighter or earlier, never looser or later than what the tickets allow.
        `trader_limit` says whether the amend named a limit (or cleared one) rather than keeping it."""
        desk = self.desk
        pid = parent.parent_id
        raised = quantity if quantity > parent.quantity else 0  # a size-down is never blocked
        blocked = self.risk.check_amend(symbol=parent.symbol, side=parent.side, quantity=raised, limit=limit,
                                        instrument=self.instruments[parent.symbol])
        if blocked is not None:  # the parent's new terms pass the per-order controls (quantity, notional, collar)
            self.risk.block(blocked, pid)
            return self.uow.refuse("AmendParent", pid, blocked.reason)
        ticket_id: TicketId | None = None
        ticket_quantity = 0
        if quantity != parent.quantity:
            open_tickets = [t for t in desk.ticket_ids(pid) if desk.row(t).leaves > 0]
            if len(open_tickets) != 1:
                return self.uow.refuse("AmendParent", pid,
                                 f"parent works {len(open_tickets)} open tickets: amend or cancel the tickets")
            ticket_id = open_tickets[0]
            ticket_quantity = desk.row(ticket_id).quantity + quantity - parent.quantity
            problem = desk.amend_problem(ticket_id, ticket_quantity)
            if problem:
                return self.uow.refuse("AmendParent", pid, problem)
        if trader_limit or end_ns != parent.end_ns:
            terms = (limit, end_ns)
            refused = desk.set_working_terms(pid, *terms)
            if refused:
                return self.uow.refuse("AmendParent", pid, refused)
            self.uow.emit(ev.ParentTermsSet(self.clock.now_ns(), pid, *terms, "trader amend"))
        if ticket_id is None:
            self.follow_block(pid)
            return CommandResult(True)
        return self._change(ticket_id, ticket_quantity, "parent amended")

    def _amend(
        self, ticket_id: TicketId, quantity: int, limit_price: Decimal | Unchanged | None, end_ns: int | None,
        reason: str,
    ) -> CommandResult:
        """Quantity, limit (None: market) and end time together, or nothing (the mandate part is checked first)."""
        if not isinstance(limit_price, Unchanged) or end_ns is not None:
            refused = self._change_mandate(ticket_id, quantity, limit_price, end_ns, reason)
            if refused is not None:
                return refused
        return self._change(ticket_id, quantity, reason)

    def _change_mandate(
        self, ticket_id: TicketId, quantity: int, limit_price: Decimal | Unchanged | None, end_ns: int | None,
        reason: str,
    ) -> CommandResult | None:
        """The limit / end time part of an amend, applied only when the quantity part will be accepted too."""
        desk = self.desk
        parent_id = self._changeable(ticket_id, quantity, "AmendTicket")
        if isinstance(parent_id, CommandResult):
            return parent_id
        if end_ns is not None:
            checked = check_end(end_ns, -1, self.clock.now_ns())  # (the start is checked against the ticket's)
            if isinstance(checked, Invalid):
                return self.uow.refuse("AmendTicket", ticket_id, checked.reason)
        problem = desk.amend_problem(ticket_id, quantity)
        if problem:
            return self.uow.refuse("AmendTicket", ticket_id, problem)
        limit = desk.row(ticket_id).limit_price if isinstance(limit_price, Unchanged) else limit_price
        changed = desk.change_mandate(ticket_id, limit, end_ns)
        if isinstance(changed, records.TicketRejected):
            return self.uow.refuse("AmendTicket", ticket_id, changed.reason)
        self.uow.emit(ev.TicketMandateChanged(self.clock.now_ns(), ticket_id, parent_id, changed.old_limit,
                                              changed.new_limit, changed.old_end_ns, changed.new_end_ns, reason))
        return None  # the quantity part (`_change`) then moves the parent to the block's new mandate

    # --- executions back to tickets (called by the engine inside a turn) ------------------------------------

    def on_fill(self, fill: ev.ChildFilled) -> None:
        """Allocate a market fill to the parent's tickets, in the same turn (and transaction) as the fill."""
        room = self.desk.block_fill_room(fill.parent_id)
        if room is None:
            return
        market_filled, leaves = room
        quantity = fill.quantity
        # shares the venues busted after the tickets had them: the next fills replace them, unallocated
        owed = market_filled - (self.store.parent_filled(fill.parent_id) - fill.quantity)
        if owed > 0:
            replacing = min(owed, quantity)
            quantity -= replacing
            self.parents.alert("info", "allocation", fill.parent_id,
                               f"fill {fill.fill_id} at {fill.venue}: {replacing:,} of {fill.quantity:,} shares "
                               "replace busted shares the tickets already hold (not allocated again)")
        if quantity > leaves:  # a fill raced a ticket cut: the shares are real, the desk holds the rest
            over = quantity - leaves
            self.parents.alert("error", "allocation", fill.parent_id,
                               f"fill {fill.fill_id} at {fill.venue}: {over} of {quantity} shares exceed the tickets' "
                               "open quantity and stay unallocated (desk position)")
            quantity = leaves
        if quantity <= 0:
            return
        allocated = self.desk.on_fill(fill.parent_id, quantity, fill.price)
        if allocated is not None:
            self._emit_allocation(fill.parent_id, fill.fill_id, allocated, FILL)

    def on_parent_done(self, parent_id: ParentId) -> None:
        if self.desk.is_closed(parent_id):
            return
        self.apply_pending_cuts(parent_id)  # cuts that waited for the venues apply before the block closes
        before = {t: self.desk.row(t).allocated for t in self.desk.ticket_ids(parent_id)}
        reconciliation = self.desk.close(parent_id)
        if reconciliation is None:
            return
        now = self.clock.now_ns()
        for booking in reconciliation.bookings:
            extra = booking.quantity - before.get(booking.ticket_id, booking.quantity)
            if extra > 0:  # the odd-lot remainder goes to one ticket at close
                price = reconciliation.avg_price or Decimal(0)
                self.uow.emit(ev.TicketsAllocated(now, parent_id, "close", extra, price, (booking.ticket_id,),
                                                 (extra,), CLOSE))
        if reconciliation.problems:
            log.error("parent %s reconciliation: %s", parent_id, "; ".join(reconciliation.problems))
        self.uow.emit(ev.BlockReconciled(now, parent_id, reconciliation.executed, reconciliation.avg_price,
                                        reconciliation.problems))

    def cross(self, symbol: Symbol) -> None:
        """Match opposing parents of `symbol` internally at the consolidated mid."""
        quote = self.market.quote(symbol)
        if quote.bid is None or quote.ask is None:
            return
        working: dict[ParentId, int] = {}
        for parent_id, status, paused, working_qty in self.store.live_parent_states(symbol):
            # a parent that is paused, being canceled or amended keeps everything out of the cross
            if status in _WORKING and not paused:
                working[parent_id] = working_qty
            else:
                working[parent_id] = self.desk.block_leaves(parent_id)
        now = self.clock.now_ns()
        crossed = self.desk.net(symbol, quote.bid, quote.ask, now, working)
        if isinstance(crossed, records.NoCross):
            return
        parent_of = self.desk.parent_of_block
        buys = tuple((parent_of(b) or ParentId(""), q) for b, q in crossed.buys)
        sells = tuple((parent_of(b) or ParentId(""), q) for b, q in crossed.sells)
        self.uow.emit(ev.TicketsCrossed(now, crossed.cross_id, symbol, crossed.quantity, crossed.price, quote.bid,
                                        quote.ask, buys, sells, tuple(working.items())))
        for allocation in crossed.allocations:
            crossed_parent = parent_of(allocation.block_id)
            if crossed_parent is not None:
                self._emit_allocation(crossed_parent, crossed.cross_id, allocation, CROSS)
        for crossed_parent, _ in (*buys, *sells):
            self.follow_block(crossed_parent)

    # --- internals ------------------------------------------------------------------------------------------

    def _record(self, request: TicketRequest) -> None:
        self.uow.record(cmd.SubmitTicket(
            self.clock.now_ns(), request.client_order_id, request.symbol, request.side, request.quantity,
            request.limit_price, request.algo, request.start_ns, request.end_ns, request.params, request.source,
            request.account, request.urgency, request.allow_cross,
        ))

    def _amend_risk(self, ticket_id: TicketId, quantity: int, limit_price: Decimal | None) -> CommandResult | None:
        """A ticket's new quantity and limit pass the per-order controls (quantity, notional, collar), or the
        amend is refused (journaled as a block)."""
        if not self.desk.has_ticket(ticket_id) or type(quantity) is not int:
            return None  # the amend's own checks refuse it
        row = self.desk.row(ticket_id)
        limit = limit_price if limit_price is not None else row.limit_price
        raised = quantity if quantity > row.quantity else 0  # a size-down is never blocked
        blocked = self.risk.check_amend(symbol=row.symbol, side=row.side, quantity=raised, limit=limit,
                                        instrument=self.instruments[row.symbol])
        if blocked is None:
            return None
        self.risk.block(blocked, ticket_id)
        return self.uow.refuse("AmendTicket", ticket_id, blocked.reason)

    def _check(self, request: TicketRequest) -> ValidTicket | Invalid | NeedsConfirmation:
        now = self.clock.now_ns()
        verdict = validate_ticket(
            symbol=request.symbol, side=request.side, quantity=request.quantity, limit_price=request.limit_price,
            algo=request.algo, start_ns=request.start_ns, end_ns=request.end_ns, params=dict(request.params),
            now_ns=now, instruments=self.instruments, algos=self.algos,
        )
        if isinstance(verdict, Invalid):
            return verdict
        if request.urgency.upper() not in URGENCIES:
            return Invalid("urgency", f"urgency must be one of {', '.join(URGENCIES)}, got {request.urgency!r}")
        if not request.account.strip():
            return Invalid("account", "account must not be empty")
        if self.store.kill_engaged:
            return Invalid("", "kill switch engaged: no new tickets")
        screened = screen(self.risk, verdict, account=request.account.strip(), source=request.source,
                          client_order_id=request.client_order_id, confirmed=request.confirmed)
        return verdict if screened is None else screened

    def _reject(self, request: TicketRequest, reason: str, field: str) -> SubmitResult:
        quantity = request.quantity if type(request.quantity) is int else None
        self.uow.emit(ev.TicketRejected(self.clock.now_ns(), request.client_order_id, request.source,
                                       request.client_order_id, str(request.symbol), request.side, quantity,
                                       reason, field))
        return SubmitResult(False, None, reason, field or None)

    def _accept(self, request: TicketRequest, valid: ValidTicket) -> SubmitResult:
        desk = self.desk
        now = self.clock.now_ns()
        symbol = valid.instrument.symbol
        ticket_id, arrival = desk.next_ticket_id()
        algo_params = dict(request.params)
        if _takes_urgency(valid.algo):
            algo_params.setdefault("urgency", request.urgency.upper())  # the ticket's urgency drives the algo
        params = tuple(sorted(algo_params.items()))
        start = request.start_ns if request.start_ns is not None and request.start_ns > now else None
        accepted = ev.TicketAccepted(
            now, ticket_id, request.account.strip(), request.source, request.client_order_id, symbol, valid.side,
            valid.quantity, valid.limit_price, valid.algo.name, request.urgency.upper(), start, valid.end_ns, params,
            request.allow_cross, arrival,
        )
        joined = desk.join(accepted)
        if isinstance(joined, records.TicketRejected):
            return self._reject(request, joined.reason, "")
        self.uow.emit(accepted)
        if joined.new_block:
            parent_id = self._new_parent_id()
            desk.link(joined.block_id, parent_id)
            block = desk.block_view(parent_id)
            assert block is not None
            self.uow.emit(ev.ParentAccepted(now, parent_id, symbol, valid.side, joined.block_quantity,
                                            block.limit_price, valid.algo.name, block.start_ns or now,
                                            block.end_ns or valid.end_ns, self.market.mid(symbol), params))
            self.uow.emit(ev.TicketJoined(now, ticket_id, parent_id, True, joined.block_quantity))
            self.parents.start_algo(parent_id, dict(params))
        else:
            parent_id = desk.parent_of_block(joined.block_id) or ParentId("")
            self.uow.emit(ev.TicketJoined(now, ticket_id, parent_id, False, joined.block_quantity))
            status = self.store.parent_status(parent_id)
            if status not in _WORKING:
                reason = f"parent {parent_id} is {status.name}: ticket canceled, resubmit"
                self._change(ticket_id, None, reason)
                return SubmitResult(False, parent_id, reason, None, ticket_id)
            # once per parent and symbol at the end of the turn, not once per ticket: a basket or a socket
            # read of many orders resizes each parent and crosses each symbol once (same order as before)
            self.uow.at_end(("follow", parent_id), lambda: self.follow_block(parent_id))
        self.uow.at_end(("cross", symbol), lambda: self.cross(symbol))
        return SubmitResult(True, parent_id, ticket_id=ticket_id)

    def _changeable(
        self, ticket_id: TicketId, quantity: int | None, command: str, *, waited: bool = False
    ) -> ParentId | CommandResult:
        """The ticket's working parent, or the refusal of a change to it (unknown, parent done, bad quantity).
        A cut that `waited` was accepted while the parent worked: it applies until the block is closed."""
        desk = self.desk
        if not desk.has_ticket(ticket_id):
            return self.uow.refuse(command, ticket_id, f"unknown ticket {ticket_id}")
        parent_id = desk.parent_of_ticket(ticket_id) or ParentId("")
        status = self.store.parent(parent_id).status
        if status not in _WORKING and not (waited and not desk.is_closed(parent_id)):
            return self.uow.refuse(command, ticket_id, f"parent {parent_id} is {status.name}")
        if quantity is not None and type(quantity) is not int:
            return self.uow.refuse(command, ticket_id, f"quantity must be a whole number, got {quantity!r}")
        return parent_id

    def _change(
        self, ticket_id: TicketId, quantity: int | None, reason: str, *, may_wait: bool = True
    ) -> CommandResult:
        desk = self.desk
        command = "CancelTicket" if quantity is None else "AmendTicket"
        parent_id = self._changeable(ticket_id, quantity, command, waited=not may_wait)
        if isinstance(parent_id, CommandResult):
            return parent_id
        if any(cut.ticket_id == ticket_id for cut in self._pending_cuts.get(parent_id, ())):
            return self.uow.refuse(command, ticket_id, "an earlier change of this ticket waits for its parent's "
                                                       "working orders to be canceled at their venues")
        if may_wait and self._cut_must_wait(parent_id, ticket_id, quantity, reason):
            return CommandResult(True, pending=True)
        changed = desk.amend(ticket_id, quantity)
        if isinstance(changed, records.TicketRejected):
            return self.uow.refuse(command, ticket_id, changed.reason)
        self.uow.emit(ev.TicketAmended(self.clock.now_ns(), ticket_id, parent_id, changed.old_quantity,
                                       changed.new_quantity, quantity is None, changed.block_quantity, reason))
        desk.set_text(ticket_id, reason)
        self.follow_block(parent_id)
        return CommandResult(True)

    def _cut_must_wait(self, parent_id: ParentId, ticket_id: TicketId, quantity: int | None, reason: str) -> bool:
        """A cut that would leave shares still out at venues without a ticket waits (TicketCutPending): the
        working children are canceled, fills until the venues confirm go to the tickets as they stand, then
        the cut is applied (`apply_pending_cuts`). Never lets a fill arrive that no ticket can take."""
        reduction = self._reduction(ticket_id, quantity)
        if reduction <= 0 or (quantity is not None and self.desk.amend_problem(ticket_id, quantity)):
            return False  # a raise, or a cut refused anyway: no wait
        block = self.desk.block_view(parent_id)
        parent = self.store.parent(parent_id)
        if block is None or parent.working_qty == 0:
            return False
        room = block.market_quantity - self._pending_reduction(parent_id) - reduction
        if room >= parent.cum_qty + parent.working_qty:
            return False
        self.uow.emit(ev.TicketCutPending(self.clock.now_ns(), ticket_id, parent_id, quantity, reason))
        self._pending_cuts.setdefault(parent_id, []).append(_PendingCut(ticket_id, quantity, reason, reduction))
        self.desk.set_text(ticket_id, f"{reason}: waiting for working orders to be canceled")
        # the parent keeps its quantity (so it cannot fill up artificially) but sends nothing new (`held`)
        self.parents.gateway.cancel_all(parent_id, f"ticket {ticket_id}: {reason}")
        return True

    def apply_pending_cuts(self, parent_id: ParentId) -> None:
        """Apply the cuts that waited, once the parent has nothing out at venues (or refuse them, journaled,
        when the fills since made them impossible, e.g. the parent filled)."""
        if self.store.live_child_ids(parent_id):
            return
        for cut in self._pending_cuts.pop(parent_id, []):
            self._change(cut.ticket_id, cut.quantity, cut.reason, may_wait=False)

    def any_pending_cuts(self) -> bool:
        return bool(self._pending_cuts)

    def has_pending_cuts(self, parent_id: ParentId) -> bool:
        """Whether a ticket cut waits on this parent: it is held (sends no new child) until then."""
        return bool(self._pending_cuts.get(parent_id))

    def replay(self, event: ev.Event) -> None:
        """Rebuild the cuts still waiting from the journal (after a restart)."""
        if isinstance(event, ev.TicketCutPending):
            reduction = self._reduction(event.ticket_id, event.quantity) if self.desk.has_ticket(event.ticket_id) else 0
            self._pending_cuts.setdefault(event.parent_id, []).append(
                _PendingCut(event.ticket_id, event.quantity, event.reason, reduction))
        elif isinstance(event, ev.TicketAmended | ev.CommandRejected):
            ticket_id = event.ticket_id if isinstance(event, ev.TicketAmended) else event.target
            for parent_id, cuts in list(self._pending_cuts.items()):
                kept = [cut for cut in cuts if cut.ticket_id != ticket_id]
                if kept:
                    self._pending_cuts[parent_id] = kept
                else:
                    del self._pending_cuts[parent_id]

    def _reduction(self, ticket_id: TicketId, quantity: int | None) -> int:
        """Shares a cut of the ticket to `quantity` (None: cancel, down to what is allocated) takes off it."""
        row = self.desk.row(ticket_id)
        return row.quantity - (row.allocated if quantity is None else quantity)

    def _pending_reduction(self, parent_id: ParentId) -> int:
        return sum(cut.reduction for cut in self._pending_cuts.get(parent_id, ()))

    def follow_block(self, parent_id: ParentId) -> None:
        """Resize a working parent to what its tickets now need at market.

        Never below what is filled plus what is still out at venues: shares a venue may yet execute
        stay the parent's until the venue confirms their cancel (the engine calls this again when a
        child ends), so a fill is never refused for want of room. A shrink cancels the working children;
        the algo re-plans once they are confirmed."""
        terms = self.desk.block_terms(parent_id)
        parent = self.store.parent(parent_id)
        if terms is None or parent.status not in _WORKING:
            return
        target, crossed, limit_price, block_end_ns = terms
        out = parent.cum_qty + parent.working_qty
        quantity = max(target, out)
        end_ns = block_end_ns or parent.end_ns
        if quantity == parent.quantity and limit_price == parent.limit_price and end_ns == parent.end_ns:
            if target < out:
                self.parents.gateway.cancel_all(parent_id, "parent amended")
            return
        if target == 0 and parent.cum_qty == 0 and crossed == 0:
            self.parents.cancel_parent(parent_id, "every ticket canceled")
            return
        self.parents.resize_parent(parent_id, quantity, limit_price, end_ns, cancel_children=target < out)

    def _emit_allocation(self, parent_id: ParentId, ref: str, allocated: records.FillAllocated, kind: str) -> None:
        # emitted even when no ticket got a whole lot yet: it is the record replay re-drives the book from
        self.uow.emit(ev.TicketsAllocated(self.clock.now_ns(), parent_id, ref, allocated.quantity, allocated.price,
                                         allocated.ticket_ids, allocated.quantities, kind))


@functools.cache
def _takes_urgency(algo: type[Algo]) -> bool:
    """Whether the algo has an urgency parameter (the ticket's urgency then drives it)."""
    return any(spec.name == "urgency" for spec in algo.params_spec)


def _others_invalid(bad: int) -> str:
    """Why a valid row of a basket is refused: the basket is all or nothing."""
    return f"basket refused: {bad} other row(s) invalid"
