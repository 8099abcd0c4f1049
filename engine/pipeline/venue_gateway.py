"""The last stage: a child is journaled (ChildSubmitted) in the turn and handed to its venue only after the
turn commits; cancels likewise. After a restart it asks each venue what it knows of our live children."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal

from engine import events as ev
from engine.clock import Clock
from engine.model import ChildId, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.store import OrderStore
from engine.turns import Turns
from engine.venues.base import Venue


class UndecidedChild(Exception):
    """A child was about to be sent without the decision that explains it (a programming error)."""


class VenueGateway:
    """Child orders to venues through the unit of work (journal first, send after the commit)."""

    def __init__(self, uow: Turns, store: OrderStore, clock: Clock, venues: Mapping[VenueId, Venue]) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._venues = venues
        self._next_child = 1

    def continue_numbering(self, next_child: int) -> None:
        """After a replay: child ids go on from the journal's."""
        self._next_child = max(self._next_child, next_child)

    def next_id(self) -> ChildId:
        """The id the next child will carry (nothing reserved)."""
        return ChildId(f"C{self._next_child:07d}")

    def reserve_ids(self, count: int) -> tuple[ChildId, ...]:
        """The ids the next `count` children will carry (a decision lists them before they are sent)."""
        first = self._next_child
        self._next_child += count
        return tuple(ChildId(f"C{n:07d}") for n in range(first, first + count))

    def submit(
        self, decision: ev.ChildDecided, child_id: ChildId, parent_id: ParentId, venue: VenueId, symbol: Symbol,
        side: Side, quantity: int, price: Decimal | None, tif: TimeInForce,
    ) -> ChildId:
        """Journal one child (PENDING_NEW) that `decision`, journaled just before in this turn, lists; the venue
        gets it after the commit. No child goes out without the decision that explains it."""
        if child_id not in decision.child_ids or decision.parent_id != parent_id:
            raise UndecidedChild(f"child {child_id} of {parent_id} is not listed by decision {decision.decision_id}")
        order_type = OrdType.MARKET if price is None else OrdType.LIMIT
        submitted = ev.ChildSubmitted(self._clock.now_ns(), child_id, parent_id, venue, symbol, side, quantity, price,
                                      order_type, tif)
        self._uow.emit(submitted)
        target = self._venues[venue]
        self._uow.send(lambda: target.submit(submitted))
        return child_id

    def cancel(self, child_id: ChildId, reason: str) -> None:
        child = self._store.child(child_id)
        if child.status.is_terminal or child.status is OrdStatus.PENDING_CANCEL:
            return
        self._uow.emit(ev.ChildCancelRequested(self._clock.now_ns(), child_id, reason))
        target = self._venues[child.venue]
        self._uow.send(lambda: target.cancel(child_id))

    def cancel_all(self, parent_id: ParentId | None, reason: str) -> None:
        """Cancel every live child (of one parent, or of all)."""
        for child_id in self._store.live_child_ids(parent_id):
            self.cancel(child_id, reason)

    def ask_status(self) -> None:
        """Ask each venue for the status of every child the journal holds live; answers arrive as
        ChildStatusReported (and fills as ChildFilled)."""
        by_venue: dict[VenueId, list[ev.ChildSubmitted]] = {}
        for child_id in self._store.live_child_ids():
            child = self._store.child(child_id)
            by_venue.setdefault(child.venue, []).append(self._store.submitted(child_id))
        for venue_id, orders in by_venue.items():
            venue = self._venues.get(venue_id)
            if venue is not None:
                self._uow.send(functools.partial(venue.request_status, tuple(orders)))
