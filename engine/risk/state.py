"""Positions and trading states: a fold of journaled events, held by the order store.

Why in the store: a checkpoint snapshots the store and the desk, so what the store holds comes back with it
and replay of the tail goes on from there; positions derived again from every fill and allocation after a
restore would cost O(fills + tickets) (a few tenths of a second at a million records, against a restart
target of one second). The store applies the events that move it (booked fills only: a duplicate or refused
fill never reaches it), live and in replay alike, so a restart rebuilds exactly what was there.

- Per instrument (the firm): every booked fill, its fee (a fill a venue busts comes off again).
- Per (account, instrument): the tickets' allocations (market fills and internal crosses); fees follow them
  pro rata to shares from the parent's fees. What the firm holds beyond the accounts is unallocated.
- Trading states per scope (`TradingStateChanged`); the firm-wide kill is the store's own flag.
- Limit edits (`RiskLimitChanged`, engine/risk/limits.py): applied on top of the configuration file's limits.

A checkpoint from code with another layout of this module is refused (`__setstate__` compares a digest of
this file), so the restoring engine replays instead of misreading it.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.model import ParentId, Side, Symbol, TicketId
from engine.risk import limits
from engine.views import FillView

_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_FEE_PLACES = Decimal("0.000001")
_ZERO = Decimal(0)


class Position:
    """What was bought and sold (shares and notional) and the fees paid: P&L needs nothing else."""

    __slots__ = ("buy_notional", "buy_qty", "fees", "sell_notional", "sell_qty")

    def __init__(self) -> None:
        self.buy_qty = 0
        self.buy_notional = _ZERO
        self.sell_qty = 0
        self.sell_notional = _ZERO
        self.fees = _ZERO

    @property
    def net(self) -> int:
        return self.buy_qty - self.sell_qty

    def add(self, side: Side, quantity: int, price: Decimal) -> None:
        if side is Side.BUY:
            self.buy_qty += quantity
            self.buy_notional += price * quantity
        else:
            self.sell_qty += quantity
            self.sell_notional += price * quantity

    def as_tuple(self) -> tuple[int, Decimal, int, Decimal, Decimal]:
        return self.buy_qty, self.buy_notional, self.sell_qty, self.sell_notional, self.fees


class RiskState:
    """Positions per instrument and per account, and trading states per scope (see the module docstring)."""

    RECORDS: tuple[type[ev.Event], ...] = (ev.TicketAccepted, ev.TicketsAllocated, ev.BlockReconciled,
                                           ev.TradingStateChanged, ev.RiskLimitChanged)
    """Events the store hands over as they are (besides booked fills and ticket joins)."""

    def __init__(self) -> None:
        self.instruments: dict[Symbol, Position] = {}
        self.accounts: dict[tuple[str, Symbol], Position] = {}
        self.states: dict[tuple[ev.RiskScope, str], tuple[ev.TradingState, str]] = {}
        self.parent_accounts: dict[ParentId, tuple[str, ...]] = {}  # open parents only
        self._tickets: dict[TicketId, tuple[str, Symbol, Side]] = {}  # open tickets: account, symbol, side
        self._parent_tickets: dict[ParentId, list[TicketId]] = {}
        self._fee_pool: dict[ParentId, list[Any]] = {}  # [fees not yet allocated, shares not yet allocated]
        self.limit_edits: dict[limits.EditKey, Decimal | str | None] = {}  # in journal order

    # --- the fold ---------------------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        if isinstance(event, ev.TicketsAllocated):
            self._allocated(event)
        elif isinstance(event, ev.TicketAccepted):
            self._tickets[event.ticket_id] = (event.account, event.symbol, event.side)
        elif isinstance(event, ev.TicketJoined):
            info = self._tickets.get(event.ticket_id)
            if info is not None:
                self._parent_tickets.setdefault(event.parent_id, []).append(event.ticket_id)
                accounts = self.parent_accounts.get(event.parent_id, ())
                if info[0] not in accounts:
                    self.parent_accounts[event.parent_id] = (*accounts, info[0])
        elif isinstance(event, ev.BlockReconciled):
            for ticket_id in self._parent_tickets.pop(event.parent_id, ()):
                self._tickets.pop(ticket_id, None)
            self.parent_accounts.pop(event.parent_id, None)
            self._fee_pool.pop(event.parent_id, None)  # fees never allocated stay the firm's
        elif isinstance(event, ev.TradingStateChanged):
            if event.state is ev.TradingState.ACTIVE:
                self.states.pop((event.scope, event.key), None)
            else:
                self.states[(event.scope, event.key)] = (event.state, event.reason)
        elif isinstance(event, ev.RiskLimitChanged):
            limits.fold(self.limit_edits, event)

    def on_bust(self, fill: FillView) -> None:
        """A booked fill the venue busted: off the firm's position with its fee. The accounts keep what their
        tickets were allocated (the desk stands behind it), so the firm holds less than its accounts until
        the shares are worked again."""
        position = self.instruments.get(fill.symbol)
        if position is None:
            position = self.instruments[fill.symbol] = Position()
        position.add(fill.side, -fill.quantity, fill.price)
        position.fees -= fill.fee

    def on_fill(self, fill: ev.ChildFilled) -> None:
        """A booked market fill: the firm's position in the instrument and the parent's fee pool."""
        position = self.instruments.get(fill.symbol)
        if position is None:
            position = self.instruments[fill.symbol] = Position()
        position.add(fill.side, fill.quantity, fill.price)
        position.fees += fill.fee
        if fill.parent_id in self._parent_tickets:
            pool = self._fee_pool.get(fill.parent_id)
            if pool is None:
                self._fee_pool[fill.parent_id] = [fill.fee, fill.quantity]
            else:
                pool[0] += fill.fee
                pool[1] += fill.quantity

    def _allocated(self, event: ev.TicketsAllocated) -> None:
        pool = self._fee_pool.get(event.parent_id) if event.kind != "cross" else None
        for ticket_id, quantity in zip(event.ticket_ids, event.quantities, strict=True):
            info = self._tickets.get(ticket_id)
            if info is None or quantity <= 0:
                continue
            key = (info[0], info[1])
            position = self.accounts.get(key)
            if position is None:
                position = self.accounts[key] = Position()
            position.add(info[2], quantity, event.price)
            if pool is not None and pool[1] > 0:  # the fees follow the shares, pro rata
                fee = pool[0] if quantity >= pool[1] else (pool[0] * quantity / pool[1]).quantize(_FEE_PLACES)
                position.fees += fee
                pool[0] -= fee
                pool[1] = max(0, pool[1] - quantity)

    # --- reading ----------------------------------------------------------------------------------------

    def state(self, scope: ev.RiskScope, key: str) -> ev.TradingState:
        found = self.states.get((scope, key))
        return ev.TradingState.ACTIVE if found is None else found[0]

    def account_position(self, account: str, symbol: Symbol) -> Position | None:
        return self.accounts.get((account, symbol))

    def ticket_info(self, ticket_id: TicketId) -> tuple[str, Symbol, Side] | None:
        """An open ticket's account, instrument and side."""
        return self._tickets.get(ticket_id)

    # --- checkpoints ------------------------------------------------------------------------------------

    def __getstate__(self) -> tuple[str, dict[str, Any]]:
        return _DIGEST, dict(vars(self))

    def __setstate__(self, state: tuple[str, dict[str, Any]]) -> None:
        digest, values = state
        if digest != _DIGEST:
            raise TypeError("risk state written by other code (engine/risk/state.py differs)")
        vars(self).update(values)
