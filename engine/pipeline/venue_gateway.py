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

    def submit(
        self, parent_id: ParentId, venue: VenueId, symbol: Symbol, side: Side, quantity: int, price: Decimal | None,
        tif: TimeInForce,
    ) -> ChildId:
        child_id = ChildId(f"C{self._next_child:07d}")
        self._next_child += 1
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
