"""A venue whose orders go one way (FIX) and whose market data comes another (the in-process simulator).

`ems venues` runs each simulated venue as a FIX acceptor in its own process; the EMS keeps its own
simulated feed for books and trades, so the two simulations are alike (same seed and profiles) but
not the same book: fills come from the remote one.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine import events as ev
from engine.model import ChildId
from engine.venues.base import Venue, VenueListener
from engine.venues.fix_venue import FixVenue


class _MarketDataOnly:
    """Passes the market data of the simulated venue on; its order events and status are not ours."""

    def __init__(self, listener: VenueListener) -> None:
        self._listener = listener

    def on_order_event(self, event: ev.VenueOrderEvent) -> None:
        pass

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        self._listener.on_market_data(event)

    def on_venue_status(self, event: ev.VenueStatusChanged) -> None:
        pass


class SplitVenue(Venue):
    """Orders over `orders` (a FixVenue), market data from `market_data` (a simulated venue)."""

    def __init__(self, market_data: Venue, orders: FixVenue) -> None:
        if market_data.venue_id != orders.venue_id:
            raise ValueError(f"venue ids differ: {market_data.venue_id} vs {orders.venue_id}")
        self.venue_id = orders.venue_id
        self.market_data = market_data
        self.orders = orders

    def connect(self, listener: VenueListener) -> None:
        self.market_data.connect(_MarketDataOnly(listener))
        self.orders.connect(listener)

    def submit(self, order: ev.ChildSubmitted) -> None:
        self.orders.submit(order)

    def cancel(self, child_id: ChildId) -> None:
        self.orders.cancel(child_id)

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        self.orders.replace(child_id, quantity, price)

    def request_status(self, orders: Sequence[ev.ChildSubmitted]) -> None:
        self.orders.request_status(orders)

    def sequence_numbers(self) -> tuple[int, int]:
        """The FIX session's (next out, next in), for the GUI."""
        return self.orders.sequence_numbers()

    def close(self) -> None:
        self.orders.close()
        self.market_data.close()
