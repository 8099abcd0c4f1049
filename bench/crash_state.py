"""The engine's side of a crash-recovery run, read from its journal alone, as plain data.

Tickets by (source, ClOrdID) with quantity, allocated shares and the OrdStatus an OMS should hold; every
fill (applied or refused by the order store) with what was allocated from it; per parent what it executed,
crossed and allocated. Only `Journal(path).replay()` and the event classes are used: the FIX session and
OMS order stores are moving into the journal's database, and nothing here depends on where they live.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from engine import events as ev
from engine.journal import Journal

FILL, CROSS, CLOSE = "fill", "cross", "close"  # TicketsAllocated.kind


@dataclass(slots=True)
class TicketState:
    """One ticket as the journal has it; `oms_status` is the FIX OrdStatus (39) its OMS should hold."""

    ticket_id: str
    source: str
    client_order_id: str
    parent_id: str
    quantity: int
    allocated: int = 0
    canceled: bool = False
    ended: str = ""  # "canceled" / "expired" / "closed" once its parent's block is reconciled

    @property
    def oms_status(self) -> str:
        if self.canceled:
            return "4"
        if self.quantity > 0 and self.allocated >= self.quantity:
            return "2"
        if self.ended:
            return "C" if self.ended == "expired" else "4"
        return "1" if self.allocated else "0"


@dataclass(slots=True)
class FillState:
    """One ChildFilled record; `applied` is False when the order store refused it (IllegalTransition).
    It took effect when the store applied it or tickets were allocated from it (the desk does not ask the store)."""

    venue: str
    fill_id: str
    parent_id: str
    child_id: str
    quantity: int
    applied: bool = True
    allocated: int = 0  # TicketsAllocated(kind=fill).quantity paired with this fill
    allocation_seen: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.venue, self.fill_id

    @property
    def took_effect(self) -> bool:
        return self.applied or self.allocation_seen


@dataclass(slots=True)
class ParentState:
    parent_id: str
    executed: int = 0  # applied fills
    crossed: int = 0  # its shares of internal crosses
    allocated: int = 0  # ticket shares over every TicketsAllocated (fill, cross, close)
    unpaired_allocations: list[str] = field(default_factory=list)  # fill allocations with no fill record
    refused_allocations: list[str] = field(default_factory=list)  # allocations of fills the store refused
    reconciled: bool = False
    ending: str = ""


@dataclass(slots=True)
class CrashState:
    records: int = 0
    restarts_from_checkpoint: int = 0  # RestartRecovered notices of starts that restored a checkpoint
    tickets: dict[str, TicketState] = field(default_factory=dict)
    tickets_by_order: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    rejected_orders: set[tuple[str, str]] = field(default_factory=set)
    fills: list[FillState] = field(default_factory=list)
    parents: dict[str, ParentState] = field(default_factory=dict)
    overfills_refused: list[str] = field(default_factory=list)  # the engine's own word on fills over the tickets
    overfill_ids: set[str] = field(default_factory=set)  # the fill ids it names

    def tickets_for(self, source: str, client_order_id: str) -> list[TicketState]:
        return [self.tickets[t] for t in self.tickets_by_order.get((source, client_order_id), ())]


def read_state(journal_path: str | Path) -> CrashState:
    """Everything the checks need from the journal at `journal_path` (read-only; safe while the engine runs)."""
    journal = Journal(journal_path)
    try:
        return _fold(journal)
    finally:
        journal.close()


def _fold(journal: Journal) -> CrashState:
    state = CrashState()
    parents: dict[str, ParentState] = state.parents
    pending_fills: dict[tuple[str, str], list[FillState]] = defaultdict(list)  # (parent, fill id) -> unpaired
    tickets_of: dict[str, list[str]] = defaultdict(list)
    last_fill: FillState | None = None

    def parent(parent_id: str) -> ParentState:
        found = parents.get(parent_id)
        if found is None:
            found = parents[parent_id] = ParentState(parent_id)
        return found

    for record in journal.replay():
        state.records += 1
        if isinstance(record, ev.RestartRecovered) and record.from_checkpoint:
            state.restarts_from_checkpoint += 1
        if isinstance(record, ev.IllegalTransition):
            # the store refuses an event right after journaling it: the refused one is the record before
            if last_fill is not None and record.event_type == "ChildFilled" and record.order_id == last_fill.child_id:
                last_fill.applied = False
                parent(last_fill.parent_id).executed -= last_fill.quantity
            last_fill = None
            continue
        last_fill = None
        if isinstance(record, ev.TicketAccepted):
            ticket = TicketState(record.ticket_id, record.source, record.client_order_id, "", record.quantity)
            state.tickets[record.ticket_id] = ticket
            state.tickets_by_order[(record.source, record.client_order_id)].append(record.ticket_id)
        elif isinstance(record, ev.TicketRejected):
            state.rejected_orders.add((record.source, record.client_order_id))
        elif isinstance(record, ev.TicketJoined):
            if record.ticket_id in state.tickets:
                state.tickets[record.ticket_id].parent_id = record.parent_id
                tickets_of[record.parent_id].append(record.ticket_id)
        elif isinstance(record, ev.TicketAmended):
            if record.ticket_id in state.tickets:
                ticket = state.tickets[record.ticket_id]
                ticket.quantity = record.new_quantity
                ticket.canceled = ticket.canceled or record.canceled
        elif isinstance(record, ev.ChildFilled):
            fill = FillState(record.venue, record.fill_id, record.parent_id, record.child_id, record.quantity)
            state.fills.append(fill)
            pending_fills[(record.parent_id, record.fill_id)].append(fill)
            parent(record.parent_id).executed += record.quantity
            last_fill = fill
        elif isinstance(record, ev.TicketsCrossed):
            for parent_id, shares in (*record.buys, *record.sells):
                parent(parent_id).crossed += shares
        elif isinstance(record, ev.TicketsAllocated):
            _allocate(state, parent(record.parent_id), record, pending_fills)
        elif isinstance(record, ev.CommandRejected) and record.command == "AllocateFill":
            state.overfills_refused.append(f"{record.target}: {record.reason}")
            state.overfill_ids.add(record.target)
        elif type(record).__name__ == "AlertRaised" and getattr(record, "source", "") == "allocation":
            text = str(getattr(record, "text", ""))
            state.overfills_refused.append(text)
            if text.startswith("fill "):
                state.overfill_ids.add(text.split(" ", 2)[1])
        elif isinstance(record, ev.ParentCanceled):
            parent(record.parent_id).ending = "canceled"
        elif isinstance(record, ev.ParentExpired):
            parent(record.parent_id).ending = "expired"
        elif isinstance(record, ev.BlockReconciled):
            done = parent(record.parent_id)
            done.reconciled = True
            for ticket_id in tickets_of.get(record.parent_id, ()):
                state.tickets[ticket_id].ended = done.ending or "closed"
    return state


def _allocate(
    state: CrashState, parent: ParentState, record: ev.TicketsAllocated,
    pending_fills: dict[tuple[str, str], list[FillState]],
) -> None:
    parent.allocated += sum(record.quantities)
    for ticket_id, shares in zip(record.ticket_ids, record.quantities, strict=True):
        if ticket_id in state.tickets:
            state.tickets[ticket_id].allocated += shares
    if record.kind != FILL:
        return
    waiting = pending_fills.get((record.parent_id, record.execution_ref))
    if not waiting:  # no fill record left to pair it with: shares allocated that nothing executed
        parent.unpaired_allocations.append(f"{record.execution_ref} ({record.quantity})")
        return
    fill = waiting.pop(0)
    fill.allocated = record.quantity
    fill.allocation_seen = True
    if not fill.applied:
        parent.refused_allocations.append(f"{record.execution_ref} ({record.quantity})")
