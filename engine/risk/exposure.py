"""What is in flight, counted the moment it leaves: live children per instrument, side and venue, and open
tickets' unexecuted shares per account. Live only (rebuilt from the store and desk after a restart).

Children count from `ChildSubmitted` (PENDING_NEW) until they are done; their leaves shrink with each fill.
Tickets count from `TicketAccepted` until their parent is reconciled; their leaves shrink with each
allocation (fills and crosses) and change with each amend.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from engine.model import ChildId, ParentId, Side, Symbol, TicketId, VenueId

_ZERO = Decimal(0)
K = TypeVar("K")


@dataclass(slots=True)
class Working:
    """Shares and notional in flight on each side (for an instrument, or an account's instrument)."""

    buy_qty: int = 0
    sell_qty: int = 0
    buy_notional: Decimal = _ZERO
    sell_notional: Decimal = _ZERO

    def qty(self, side: Side) -> int:
        return self.buy_qty if side is Side.BUY else self.sell_qty

    def move(self, side: Side, quantity: int, notional: Decimal) -> None:
        if side is Side.BUY:
            self.buy_qty += quantity
            self.buy_notional += notional
        else:
            self.sell_qty += quantity
            self.sell_notional += notional

    @property
    def notional(self) -> Decimal:
        return self.buy_notional + self.sell_notional


@dataclass(slots=True)
class _Child:
    parent_id: ParentId
    symbol: Symbol
    side: Side
    venue: VenueId
    leaves: int
    price: Decimal  # its limit, or the reference it was valued at (a market child)


@dataclass(slots=True)
class _Ticket:
    account: str
    symbol: Symbol
    side: Side
    leaves: int
    price: Decimal


class Exposure:
    """Live children and open tickets, tallied for the controls."""

    def __init__(self) -> None:
        self.children: dict[ChildId, _Child] = {}
        self.by_symbol: dict[Symbol, Working] = {}
        self.by_venue_count: dict[VenueId, int] = {}
        self.resting: dict[tuple[VenueId, Symbol, Side], dict[ChildId, Decimal | None]] = {}  # self-match
        self.tickets: dict[TicketId, _Ticket] = {}
        self.by_account: dict[tuple[str, Symbol], Working] = {}
        self.account_total: dict[str, Working] = {}
        self.ticket_symbol: dict[Symbol, Working] = {}  # every account's open tickets, per instrument
        self.ticket_total = Working()
        self.child_total = Working()
        self.account_tickets: dict[str, int] = {}
        self.parent_tickets: dict[ParentId, list[TicketId]] = {}

    # --- children ---------------------------------------------------------------------------------------

    def child_sent(self, child_id: ChildId, parent_id: ParentId, symbol: Symbol, side: Side, venue: VenueId,
                   quantity: int, price: Decimal | None, valued_at: Decimal) -> None:
        if child_id in self.children:
            return
        self.children[child_id] = _Child(parent_id, symbol, side, venue, quantity, valued_at)
        working = self.by_symbol.get(symbol)
        if working is None:
            working = self.by_symbol[symbol] = Working()
        working.move(side, quantity, valued_at * quantity)
        self.child_total.move(side, quantity, valued_at * quantity)
        self.by_venue_count[venue] = self.by_venue_count.get(venue, 0) + 1
        self.resting.setdefault((venue, symbol, side), {})[child_id] = price

    def child_filled(self, child_id: ChildId, quantity: int) -> None:
        child = self.children.get(child_id)
        if child is None:
            return
        done = min(quantity, child.leaves)
        child.leaves -= done
        self.by_symbol[child.symbol].move(child.side, -done, -child.price * done)
        self.child_total.move(child.side, -done, -child.price * done)

    def child_unfilled(self, child_id: ChildId, quantity: int) -> None:
        """A busted execution of a live child: its shares are out at the venue again."""
        child = self.children.get(child_id)
        if child is None:
            return
        child.leaves += quantity
        self.by_symbol[child.symbol].move(child.side, quantity, child.price * quantity)
        self.child_total.move(child.side, quantity, child.price * quantity)

    def child_done(self, child_id: ChildId) -> None:
        child = self.children.pop(child_id, None)
        if child is None:
            return
        self.by_symbol[child.symbol].move(child.side, -child.leaves, -child.price * child.leaves)
        self.child_total.move(child.side, -child.leaves, -child.price * child.leaves)
        self.by_venue_count[child.venue] -= 1
        resting = self.resting.get((child.venue, child.symbol, child.side))
        if resting is not None:
            resting.pop(child_id, None)

    def working(self, symbol: Symbol) -> Working:
        return self.by_symbol.get(symbol) or Working()

    def would_cross(self, venue: VenueId, symbol: Symbol, side: Side, price: Decimal | None) -> ChildId | None:
        """A live child of ours on the other side at `venue` that this order would trade with."""
        for child_id, resting in self.resting.get((venue, symbol, side.opposite), {}).items():
            if price is None or resting is None:
                return child_id
            if (price >= resting) if side is Side.BUY else (price <= resting):
                return child_id
        return None

    # --- tickets ----------------------------------------------------------------------------------------

    def ticket_accepted(self, ticket_id: TicketId, account: str, symbol: Symbol, side: Side, quantity: int,
                        price: Decimal) -> None:
        self.tickets[ticket_id] = _Ticket(account, symbol, side, quantity, price)
        self._move(account, symbol, side, quantity, price * quantity)
        self.account_tickets[account] = self.account_tickets.get(account, 0) + 1

    def rename_ticket(self, old: TicketId, new: TicketId) -> None:
        """The open ticket `old` is now known as `new` (a basket row checked before it was accepted)."""
        self.tickets[new] = self.tickets.pop(old)

    def ticket_joined(self, ticket_id: TicketId, parent_id: ParentId) -> None:
        if ticket_id in self.tickets:
            self.parent_tickets.setdefault(parent_id, []).append(ticket_id)

    def ticket_executed(self, ticket_id: TicketId, quantity: int) -> None:
        """Allocated shares (a fill or a cross) are no longer in flight."""
        self._change(ticket_id, -quantity)

    def ticket_resized(self, ticket_id: TicketId, old_quantity: int, new_quantity: int) -> None:
        self._change(ticket_id, new_quantity - old_quantity)

    def parent_closed(self, parent_id: ParentId) -> None:
        for ticket_id in self.parent_tickets.pop(parent_id, ()):
            self.remove_ticket(ticket_id)

    def remove_ticket(self, ticket_id: TicketId) -> None:
        ticket = self.tickets.pop(ticket_id, None)
        if ticket is not None:
            self._move(ticket.account, ticket.symbol, ticket.side, -ticket.leaves, -ticket.price * ticket.leaves)
            self.account_tickets[ticket.account] -= 1

    def account_working(self, account: str, symbol: Symbol) -> Working:
        return self.by_account.get((account, symbol)) or Working()

    def _change(self, ticket_id: TicketId, delta: int) -> None:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return
        delta = max(delta, -ticket.leaves)
        ticket.leaves += delta
        self._move(ticket.account, ticket.symbol, ticket.side, delta, ticket.price * delta)

    def _move(self, account: str, symbol: Symbol, side: Side, quantity: int, notional: Decimal) -> None:
        for working in (_get(self.by_account, (account, symbol)), _get(self.account_total, account),
                        _get(self.ticket_symbol, symbol), self.ticket_total):
            working.move(side, quantity, notional)

    @property
    def open_tickets(self) -> int:
        return len(self.tickets)


def _get(table: dict[K, Working], key: K) -> Working:
    working = table.get(key)
    if working is None:
        working = table[key] = Working()
    return working
