"""The ticket desk: client tickets to working parents and executions back to tickets.

It owns the `TicketBook` (aggregation into blocks, netting, pro-rata allocation) and the 1:1 map
between blocks and the parents that work them. The engine calls the book only at the moment it
emits the event that records the call, so `replay(event)` over the journal rebuilds the same book.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from decimal import Decimal

from engine import events as ev
from engine.model import Instrument, OrdStatus, ParentId, Symbol, TicketId
from engine.tickets import records
from engine.tickets.aggregation import AggregationRules
from engine.tickets.book import TicketBook
from engine.tickets.model import BlockId, Ticket
from engine.tickets.netting import CrossingPolicy
from engine.views import TicketRow

FILL, CROSS, CLOSE = "fill", "cross", "close"


class TicketDesk:
    """Tickets, their blocks and parents; every book mutation has a journaled event."""

    def __init__(
        self,
        instruments: Mapping[Symbol, Instrument],
        rules: AggregationRules | None = None,
        crossing: CrossingPolicy | None = None,
    ) -> None:
        self.book = TicketBook(instruments, rules, crossing)
        self._parent_of: dict[BlockId, ParentId] = {}
        self._block_of: dict[ParentId, BlockId] = {}
        # what a ticket row shows beyond the book's view of the ticket (not the whole TicketAccepted: at a
        # million journal records a second copy of every ticket is a tenth of a restart)
        self._accepted_ns: dict[TicketId, int] = {}  # every accepted ticket, in arrival order
        self._source: dict[TicketId, str] = {}
        self._client_order_id: dict[TicketId, str] = {}  # only those that have one
        self._tickets_of: dict[BlockId, list[TicketId]] = {}
        self._crossed: dict[TicketId, int] = {}
        self._closed: set[ParentId] = set()
        self._text: dict[TicketId, str] = {}
        self.next_ticket = 1
        self.next_arrival = 1

    # --- live calls (each paired with the event the engine emits) -------------------------------------

    def next_ticket_id(self) -> tuple[TicketId, int]:
        """The id and arrival number the next ticket gets. Only a ticket the book takes uses them up (in
        `join`, live and in replay alike), so a refused ticket leaves no gap that replay would not see."""
        return TicketId(f"T{self.next_ticket:06d}"), self.next_arrival

    def join(self, accepted: ev.TicketAccepted) -> records.TicketJoined | records.TicketRejected:
        """Record: TicketAccepted."""
        joined = self.book.add_ticket(_ticket(accepted))
        if isinstance(joined, records.TicketJoined):
            ticket_id = accepted.ticket_id
            self._accepted_ns[ticket_id] = accepted.ts_ns
            self._source[ticket_id] = sys.intern(accepted.source)  # a few sources: one str each
            if accepted.client_order_id:
                self._client_order_id[ticket_id] = accepted.client_order_id
            self._tickets_of.setdefault(joined.block_id, []).append(accepted.ticket_id)
            self.next_ticket = max(self.next_ticket, _number(ticket_id) + 1)
            self.next_arrival = max(self.next_arrival, accepted.arrival_seq + 1)
        return joined

    def link(self, block_id: BlockId, parent_id: ParentId) -> None:
        """Record: TicketJoined(new_parent=True)."""
        self._parent_of[block_id] = parent_id
        self._block_of[parent_id] = block_id

    def amend(self, ticket_id: TicketId, quantity: int | None) -> records.TicketAmended | records.TicketRejected:
        """Record: TicketAmended. `quantity=None` cancels what is not yet allocated."""
        if quantity is None:
            return self.book.cancel_ticket(ticket_id)
        return self.book.amend_ticket(ticket_id, quantity)

    def amend_problem(self, ticket_id: TicketId, quantity: int) -> str | None:
        """Why `amend(ticket_id, quantity)` would be refused, or None (changes nothing)."""
        return self.book.amend_problem(ticket_id, quantity)

    def change_mandate(
        self, ticket_id: TicketId, limit_price: Decimal | None, end_ns: int | None
    ) -> records.TicketMandateChanged | records.TicketRejected:
        """Record: TicketMandateChanged. `limit_price` is the ticket's limit after it (None: market)."""
        return self.book.change_mandate(ticket_id, limit_price=limit_price, end_ns=end_ns)

    def set_working_terms(self, parent_id: ParentId, limit_price: Decimal | None, end_ns: int | None) -> str | None:
        """Record: ParentTermsSet. Why the terms do not fit the tickets' mandate, or None once set."""
        block_id = self._block_of.get(parent_id)
        if block_id is None:
            return f"parent {parent_id} works no tickets"
        return self.book.set_working_terms(block_id, limit_price, end_ns)

    def net(
        self, symbol: Symbol, bid: Decimal, ask: Decimal, now_ns: int, working: Mapping[ParentId, int]
    ) -> records.CrossExecuted | records.NoCross:
        """Record: TicketsCrossed (with the `working` map it was given)."""
        by_block = {self._block_of[pid]: qty for pid, qty in working.items() if pid in self._block_of}
        crossed = self.book.net(symbol, bid, ask, now_ns, by_block)
        if isinstance(crossed, records.CrossExecuted):
            for allocation in crossed.allocations:
                for ticket_id, shares in zip(allocation.ticket_ids, allocation.quantities, strict=True):
                    self._crossed[ticket_id] = self._crossed.get(ticket_id, 0) + shares
        return crossed

    def on_fill(self, parent_id: ParentId, quantity: int, price: Decimal) -> records.FillAllocated | None:
        """Record: TicketsAllocated(kind=fill). None for a parent that works no tickets."""
        block_id = self._block_of.get(parent_id)
        if block_id is None or parent_id in self._closed:
            return None
        return self.book.on_fill(block_id, quantity, price)

    def close(self, parent_id: ParentId) -> records.Reconciliation | None:
        """Record: BlockReconciled. Idempotent; None when there is nothing (left) to close."""
        block_id = self._block_of.get(parent_id)
        if block_id is None or parent_id in self._closed:
            return None
        self._closed.add(parent_id)
        return self.book.close_block(block_id)

    def set_text(self, ticket_id: TicketId, text: str) -> None:
        self._text[ticket_id] = text

    # --- replay ------------------------------------------------------------------------------------------

    def replay(self, event: ev.Event) -> None:
        """Re-drive the book from a journaled record event (others are ignored)."""
        if isinstance(event, ev.TicketAccepted):
            self.join(event)
        elif isinstance(event, ev.TicketJoined) and event.new_parent:
            block_id = self.book.block_of(event.ticket_id)
            if block_id is not None:
                self.link(block_id, event.parent_id)
        elif isinstance(event, ev.TicketAmended):
            self.amend(event.ticket_id, None if event.canceled else event.new_quantity)
            self.set_text(event.ticket_id, event.reason)
        elif isinstance(event, ev.ParentTermsSet):
            self.set_working_terms(event.parent_id, event.limit_price, event.end_ns)
        elif isinstance(event, ev.TicketMandateChanged):
            self.change_mandate(event.ticket_id, event.new_limit, event.new_end_ns)
        elif isinstance(event, ev.TicketsCrossed):
            self.net(event.symbol, event.bid, event.ask, event.ts_ns, dict(event.working))
        elif isinstance(event, ev.TicketsAllocated) and event.kind == FILL:
            self.on_fill(event.parent_id, event.quantity, event.price)
        elif isinstance(event, ev.BlockReconciled):
            self.close(event.parent_id)

    # --- reading -----------------------------------------------------------------------------------------

    def parent_of_block(self, block_id: BlockId) -> ParentId | None:
        return self._parent_of.get(block_id)

    def parent_of_ticket(self, ticket_id: TicketId) -> ParentId | None:
        block_id = self.book.block_of(ticket_id)
        return None if block_id is None else self._parent_of.get(block_id)

    def block_view(self, parent_id: ParentId) -> records.BlockView | None:
        block_id = self._block_of.get(parent_id)
        return None if block_id is None else self.book.block(block_id)

    def block_leaves(self, parent_id: ParentId) -> int:
        """What the parent's tickets still need (0 for a parent that works no tickets), without a view."""
        block_id = self._block_of.get(parent_id)
        return 0 if block_id is None else self.book.leaves(block_id)

    def block_fill_room(self, parent_id: ParentId) -> tuple[int, int] | None:
        """(filled at market, still to execute) of the parent's block, without a view; None: it works no tickets."""
        block_id = self._block_of.get(parent_id)
        return None if block_id is None else (self.book.market_filled(block_id), self.book.leaves(block_id))

    def block_terms(self, parent_id: ParentId) -> tuple[int, int, Decimal | None, int | None] | None:
        """(market quantity, crossed, working limit, working end) of the parent's block, without a view; None: it
        works no tickets."""
        block_id = self._block_of.get(parent_id)
        return None if block_id is None else self.book.working_terms(block_id)

    def has_ticket(self, ticket_id: str) -> bool:
        return ticket_id in self._accepted_ns

    def open_parent_ids(self) -> list[ParentId]:
        """Parents whose blocks are not closed yet (few: the working ones and any a kill left unclosed)."""
        return [pid for pid in self._block_of if pid not in self._closed]

    def is_closed(self, parent_id: ParentId) -> bool:
        return parent_id in self._closed or parent_id not in self._block_of

    def ticket_ids(self, parent_id: ParentId | None = None) -> list[TicketId]:
        """All tickets, or a parent's tickets in arrival order."""
        if parent_id is None:
            return list(self._accepted_ns)
        block_id = self._block_of.get(parent_id)
        return list(self._tickets_of.get(block_id, ())) if block_id is not None else []

    def row(self, ticket_id: TicketId) -> TicketRow:
        view = self.book.ticket(ticket_id)
        assert view is not None
        status = view.status
        if status is OrdStatus.PENDING_NEW:
            status = OrdStatus.NEW
        return TicketRow(
            ticket_id, self.parent_of_ticket(ticket_id) or ParentId(""), view.account, self._source[ticket_id],
            self._client_order_id.get(ticket_id, ""), view.symbol, view.side, view.requested, view.quantity,
            view.allocated, view.leaves, self._crossed.get(ticket_id, 0), view.avg_price, status,
            self._text.get(ticket_id, ""), self._accepted_ns[ticket_id], view.limit_price, view.end_ns,
        )

    def rows(self) -> list[TicketRow]:
        return [self.row(t) for t in self._accepted_ns]

    # --- checkpoints (engine/checkpoint.py) -----------------------------------------------------------

    def export_state(self) -> dict[str, object]:
        """The desk's state and its book's, by name (to checkpoint between turns; nothing is copied)."""
        state: dict[str, object] = {name: value for name, value in vars(self).items() if name != "book"}
        state["book"] = self.book.export_state()
        return state

    def import_state(self, state: Mapping[str, object]) -> None:
        """Take what `export_state` gave, into this empty desk (built with the same configuration);
        raises KeyError or TypeError, changing nothing, when it is not such a state."""
        own = {name for name in vars(self) if name != "book"}
        if set(state) != own | {"book"}:
            raise KeyError(f"desk state has fields {sorted(state)}, this desk {sorted(own | {'book'})}")
        book = state["book"]
        if not isinstance(book, Mapping):
            raise TypeError("desk state without a ticket book state")
        self.book.import_state(book)
        vars(self).update((name, value) for name, value in state.items() if name != "book")


def _ticket(accepted: ev.TicketAccepted) -> Ticket:
    """The book's ticket; the strs many tickets share are interned (one object each: the book's blocks
    keep them in their keys, and a checkpoint writes each once)."""
    intern = sys.intern
    return Ticket(
        accepted.ticket_id, intern(accepted.account), intern(accepted.source), Symbol(intern(accepted.symbol)),
        accepted.side, accepted.quantity, accepted.limit_price, mandate_algo(accepted.algo, accepted.params),
        intern(accepted.urgency), accepted.start_ns, accepted.end_ns, accepted.arrival_seq, accepted.allow_cross,
    )


@functools.lru_cache(maxsize=4096)  # a desk's tickets share a few mandates: the str is built once for each
def mandate_algo(algo: str, params: ev.AlgoParams) -> str:
    """The algo as the aggregation rules compare it: its parameters are part of the mandate, so a
    POV at 10% and a POV at 20% (or a static and a dynamic VWAP) are never worked as one parent."""
    if not params:
        return sys.intern(algo)
    # interned: a few mandates among many tickets, one str each (in memory and in a checkpoint)
    return sys.intern(algo + "[" + ";".join(f"{name}={value}" for name, value in params) + "]")


def _number(ticket_id: str) -> int:
    digits = ticket_id.lstrip("T")
    return int(digits) if digits.isdigit() else 0
