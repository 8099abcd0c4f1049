"""A venue driven by the test: it records requests and reports exactly what the test tells it to."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from engine import events as ev
from engine.clock import Clock
from engine.model import ChildId, FillId, Liquidity, OrdStatus, Symbol, VenueId
from engine.venues.base import Venue, VenueListener


class ScriptedVenue(Venue):
    def __init__(self, venue_id: str, clock: Clock) -> None:
        self.venue_id = VenueId(venue_id)
        self.clock = clock
        self.listener: VenueListener | None = None
        self.submitted: dict[ChildId, ev.ChildSubmitted] = {}
        self.cancels: list[ChildId] = []
        self.replaces: list[tuple[ChildId, int, Decimal | None]] = []
        self.status_requests: list[ChildId] = []
        self._fill_ids = itertools.count(1)

    def connect(self, listener: VenueListener) -> None:
        self.listener = listener
        listener.on_venue_status(ev.VenueStatusChanged(self.clock.now_ns(), self.venue_id, True, "scripted"))

    def submit(self, order: ev.ChildSubmitted) -> None:
        self.submitted[order.child_id] = order

    def cancel(self, child_id: ChildId) -> None:
        self.cancels.append(child_id)

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        self.replaces.append((child_id, quantity, price))

    def request_status(self, orders: Sequence[ev.ChildSubmitted]) -> None:
        self.status_requests.extend(order.child_id for order in orders)
        for order in orders:
            self.submitted.setdefault(order.child_id, order)

    # --- what the test makes the venue say ---
    def status(self, child_id: ChildId, *, known: bool, status: OrdStatus | None = None, cum_qty: int = 0,
               text: str = "") -> None:
        self._say(ev.ChildStatusReported(self.clock.now_ns(), child_id, self.venue_id, known, status, cum_qty, text))

    def bust(self, child_id: ChildId, fill_id: str, text: str = "") -> None:
        """A trade bust (FIX ExecType H) of an execution this venue reported."""
        self._say(ev.ChildFillBusted(self.clock.now_ns(), f"{fill_id}-BUST", FillId(fill_id), child_id, self.venue_id,
                                     text))

    def _say(self, event: ev.VenueOrderEvent) -> None:
        assert self.listener is not None
        self.listener.on_order_event(event)

    def ack(self, child_id: ChildId) -> None:
        self._say(ev.ChildAccepted(self.clock.now_ns(), child_id, f"{self.venue_id}-{child_id}"))

    def fill(self, child_id: ChildId, quantity: int, price: str, fill_id: str | None = None) -> None:
        order = self.submitted[child_id]
        fid = FillId(fill_id or f"{self.venue_id}-F{next(self._fill_ids)}")
        self._say(ev.ChildFilled(self.clock.now_ns(), fid, child_id, order.parent_id, self.venue_id, order.symbol,
                                 order.side, quantity, Decimal(price), Decimal("0.003") * quantity,
                                 Liquidity.REMOVED))

    def canceled(self, child_id: ChildId, reason: str = "canceled") -> None:
        self._say(ev.ChildCanceled(self.clock.now_ns(), child_id, reason))

    def cancel_rejected(self, child_id: ChildId, reason: str = "too late to cancel") -> None:
        self._say(ev.ChildCancelRejected(self.clock.now_ns(), child_id, reason))

    def book(self, symbol: str, bid: str, ask: str, size: int = 1000) -> None:
        assert self.listener is not None
        self.listener.on_market_data(ev.BookUpdated(self.clock.now_ns(), self.venue_id, Symbol(symbol),
                                                    ((Decimal(bid), size),), ((Decimal(ask), size),)))
