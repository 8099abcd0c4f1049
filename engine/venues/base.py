"""The venue boundary: what the engine asks of any venue (simulated, replayed, or over FIX) and what a
venue reports back. Adapters translate between these events and their own world."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from engine.events import (
    BookUpdated,
    ChildSubmitted,
    TradePrinted,
    VenueOrderEvent,
    VenueStatusChanged,
)
from engine.model import ChildId, Instrument, OrdType, VenueId


class VenueListener(Protocol):
    """The engine side of a venue: every callback is a fact the venue reports."""

    def on_order_event(self, event: VenueOrderEvent) -> None: ...

    def on_market_data(self, event: BookUpdated | TradePrinted) -> None: ...

    def on_venue_status(self, event: VenueStatusChanged) -> None: ...


class Venue(ABC):
    """A place child orders go. Requests are fire-and-forget; answers arrive through the listener,
    possibly later (latency) and possibly out of the order a naive caller expects (a fill racing a
    cancel)."""

    venue_id: VenueId

    @abstractmethod
    def connect(self, listener: VenueListener) -> None:
        """Attach the engine and start reporting (status, market data, order events)."""

    @abstractmethod
    def submit(self, order: ChildSubmitted) -> None:
        """Send a new child order; expect ChildAccepted/ChildRejected, fills, cancels."""

    @abstractmethod
    def cancel(self, child_id: ChildId) -> None:
        """Ask to cancel the remaining quantity; expect ChildCanceled or ChildCancelRejected."""

    @abstractmethod
    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        """Ask to change total quantity and/or price; expect ChildReplaced or ChildReplaceRejected."""

    @abstractmethod
    def request_status(self, orders: Sequence[ChildSubmitted]) -> None:
        """Ask what the venue knows of these orders (after our restart); expect one ChildStatusReported
        each, preceded by any fills we have not been told about (ChildFilled, with the venue's own
        execution ids, which the engine deduplicates)."""

    def close(self) -> None:
        """Stop reporting and release resources. Default: nothing to release."""


def check_quantity_and_price(
    instrument: Instrument, quantity: int, price: Decimal | None, ord_type: OrdType
) -> str | None:
    """Why a venue refuses a child's quantity/price for an instrument, or None when it is acceptable."""
    if quantity <= 0:
        return f"quantity must be positive, got {quantity}"
    if quantity % instrument.lot_size:
        return f"quantity {quantity} is not a whole number of {instrument.lot_size}-share lots"
    if ord_type is OrdType.MARKET:
        return None if price is None else f"market order must not carry a price (got {price})"
    if price is None:
        return "limit order has no price"
    if not instrument.is_on_tick(price):
        return f"price {price} is not a positive multiple of the {instrument.tick_size} tick of {instrument.symbol}"
    return None
