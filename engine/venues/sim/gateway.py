"""What every simulated venue shares: the conversation with the engine.

Requests travel an inbound link (latency), are validated, and act on the venue's book at arrival
time; reports travel an outbound link (latency) and are stamped with the time they reach the engine.
The subclass decides what a live order does (`_on_accepted`, `_on_withdrawn`, `_on_amended`) and
reports its fills through `_report_fill`, which refuses to report more than was ordered.

Identity: order and execution ids carry the venue session's start (`session_tag`, from the market
clock when the venue is built) so they are unique across restarts of the app, as a real venue's
are: the engine deduplicates fills by (venue, execution id) and must never mistake a new fill for
an old one. The simulator dies with the app: after a restart it knows none of our earlier orders
and says so when asked (`request_status`).

Conventions the engine can rely on: a report's `ts_ns` is when it reaches the engine (venue time +
outbound latency); reports about one order arrive in the order the venue produced them; `replace`
takes the new *total* quantity (filled included) and `price=None` keeps the current price; resting
DAY orders expire at the 16:00 close with ChildExpired.
"""

from __future__ import annotations

import functools
import random
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.clock import Clock, TimerHandle
from engine.events import (
    BookUpdated,
    ChildAccepted,
    ChildCanceled,
    ChildCancelRejected,
    ChildExpired,
    ChildFilled,
    ChildRejected,
    ChildReplaced,
    ChildReplaceRejected,
    ChildStatusReported,
    ChildSubmitted,
    TradePrinted,
    VenueOrderEvent,
    VenueStatusChanged,
)
from engine.model import ChildId, FillId, Instrument, Liquidity, OrdStatus, OrdType, Symbol, TimeInForce, VenueId
from engine.venues.base import Venue, VenueListener, check_quantity_and_price
from engine.venues.sim.latency import LatencyModel, Link
from engine.venues.sim.profile import NS_PER_DAY, SESSION_CLOSE_NS


@dataclass(frozen=True, slots=True)
class Fees:
    """Per-share fees by liquidity; positive = we pay, negative = the venue pays us a rebate."""

    maker_per_share: Decimal = Decimal("-0.0020")
    taker_per_share: Decimal = Decimal("0.0030")

    def fee(self, quantity: int, liquidity: Liquidity) -> Decimal:
        rate = self.maker_per_share if liquidity is Liquidity.ADDED else self.taker_per_share
        return rate * quantity


class ChildRecord:
    """The venue's view of one of our child orders. Mutable, owned by the venue."""

    __slots__ = ("book_id", "closed", "filled", "order", "price_ticks", "quantity", "venue_order_id")

    def __init__(self, order: ChildSubmitted, venue_order_id: str, price_ticks: int | None) -> None:
        self.order = order
        self.venue_order_id = venue_order_id
        self.quantity = order.quantity
        self.price_ticks = price_ticks
        self.filled = 0
        self.book_id: int | None = None
        self.closed: str | None = None
        """Why the order is no longer live ('filled', 'canceled', ...), None while it works."""

    @property
    def leaves(self) -> int:
        return self.quantity - self.filled


class SimGateway(Venue):
    """Base of the simulated venues: latency, ids, validation and order reports."""

    def __init__(
        self,
        venue_id: VenueId,
        clock: Clock,
        instruments: Mapping[Symbol, Instrument],
        *,
        fees: Fees,
        latency: LatencyModel,
        rng: random.Random,
    ) -> None:
        self.venue_id = venue_id
        self._clock = clock
        self._instruments = dict(instruments)
        self._fees = fees
        self._listener: VenueListener | None = None
        self._inbound: Link[Callable[[], None]] = Link(clock, latency, rng, _run)
        self._reports: Link[VenueOrderEvent | VenueStatusChanged] = Link(clock, latency, rng, self._deliver_report)
        self._market_data: Link[BookUpdated | TradePrinted] = Link(clock, latency, rng, self._deliver_market_data)
        self._children: dict[ChildId, ChildRecord] = {}
        self._order_seq = 0
        self._fill_seq = 0
        self.session_tag = session_tag(clock.now_ns())
        self._close_timer: TimerHandle | None = None

    # --- Venue -------------------------------------------------------------------------------------

    def connect(self, listener: VenueListener) -> None:
        self._listener = listener
        when = self._reports.arrival_ns()
        self._reports.send_at(when, VenueStatusChanged(when, self.venue_id, True, "simulated venue connected"))
        if self._close_timer is None:
            self._schedule_session_close()

    def submit(self, order: ChildSubmitted) -> None:
        self._require_connected()
        self._inbound.send(lambda: self._submit_arrived(order))

    def cancel(self, child_id: ChildId) -> None:
        self._require_connected()
        self._inbound.send(lambda: self._cancel_arrived(child_id))

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        self._require_connected()
        self._inbound.send(lambda: self._replace_arrived(child_id, quantity, price))

    def request_status(self, orders: Sequence[ChildSubmitted]) -> None:
        """Answer, after the inbound latency, what this venue knows of each order."""
        self._require_connected()
        for order in orders:
            self._inbound.send(functools.partial(self._status_arrived, order))

    def _status_arrived(self, order: ChildSubmitted) -> None:
        record = self._children.get(order.child_id)
        if record is None:
            self._report(lambda ts: ChildStatusReported(ts, order.child_id, self.venue_id, False, None, 0,
                                                        "unknown order (the simulated venue restarted with the app)"))
            return
        working = OrdStatus.PARTIALLY_FILLED if record.filled else OrdStatus.NEW
        status = _STATUS_OF_CLOSED.get(record.closed or "", working)
        self._report(lambda ts: ChildStatusReported(ts, order.child_id, self.venue_id, True, status, record.filled,
                                                    record.closed or "working"))

    def close(self) -> None:
        """Drop the connection: nothing in flight arrives, nothing more is reported."""
        for link in (self._inbound, self._reports, self._market_data):
            link.close()
        if self._close_timer is not None:
            self._close_timer.cancel()

    @property
    def instruments(self) -> Mapping[Symbol, Instrument]:
        return self._instruments

    def child(self, child_id: ChildId) -> ChildRecord | None:
        """The venue's record of a child order (tests and diagnostics)."""
        return self._children.get(child_id)

    # --- what subclasses decide --------------------------------------------------------------------

    @abstractmethod
    def _on_accepted(self, record: ChildRecord) -> None:
        """Work a newly accepted order: match it, rest it, or cancel its remainder."""

    @abstractmethod
    def _on_withdrawn(self, record: ChildRecord) -> None:
        """Take a live order out of the book before it is reported canceled."""

    @abstractmethod
    def _on_amended(self, record: ChildRecord, requeue: bool) -> None:
        """Apply the record's new quantity/price to the book (it may now trade); `requeue` when it
        loses time priority."""

    # --- request handling (at arrival time) --------------------------------------------------------

    def _submit_arrived(self, order: ChildSubmitted) -> None:
        reason = self._check_new(order)
        if reason is not None:
            self._report(lambda ts: ChildRejected(ts, order.child_id, reason))
            return
        self._order_seq += 1
        price_ticks = None if order.price is None else self._instruments[order.symbol].to_ticks(order.price)
        record = ChildRecord(order, f"{self.venue_id}-{self.session_tag}-{self._order_seq}", price_ticks)
        self._children[order.child_id] = record
        self._report(lambda ts: ChildAccepted(ts, order.child_id, record.venue_order_id))
        self._on_accepted(record)

    def _check_new(self, order: ChildSubmitted) -> str | None:
        if order.venue != self.venue_id:
            return f"order for venue {order.venue} was sent to {self.venue_id}"
        if order.child_id in self._children:
            return f"duplicate child order id {order.child_id}"
        instrument = self._instruments.get(order.symbol)
        if instrument is None:
            return f"unknown symbol {order.symbol} at {self.venue_id}"
        return check_quantity_and_price(instrument, order.quantity, order.price, order.ord_type)

    def _cancel_arrived(self, child_id: ChildId) -> None:
        record = self._children.get(child_id)
        if record is None:
            self._report(lambda ts: ChildCancelRejected(ts, child_id, f"unknown order {child_id}"))
        elif record.closed is not None:
            closed = record.closed
            self._report(lambda ts: ChildCancelRejected(ts, child_id, f"too late to cancel: order {closed}"))
        else:
            self._on_withdrawn(record)
            self._close(record, "canceled", "canceled on request")

    def _replace_arrived(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        record = self._children.get(child_id)
        reason: str | None
        if record is None:
            reason = f"unknown order {child_id}"
        elif record.closed is not None:
            reason = f"too late to replace: order {record.closed}"
        elif record.order.tif is not TimeInForce.DAY or record.order.ord_type is OrdType.MARKET:
            reason = "only a resting DAY limit order can be replaced"
        else:
            instrument = self._instruments[record.order.symbol]
            new_price = price if price is not None else instrument.price(record.price_ticks or 0)
            reason = check_quantity_and_price(instrument, quantity, new_price, OrdType.LIMIT)
            if reason is None and quantity <= record.filled:
                reason = f"new quantity {quantity} is not above the {record.filled} already filled"
            if reason is None:
                new_ticks = instrument.to_ticks(new_price)
                requeue = new_ticks != record.price_ticks or quantity - record.filled > record.leaves
                record.quantity, record.price_ticks = quantity, new_ticks
                self._report(lambda ts: ChildReplaced(ts, child_id, quantity, new_price))
                self._on_amended(record, requeue)
                return
        final_reason = reason
        self._report(lambda ts: ChildReplaceRejected(ts, child_id, final_reason))

    def _schedule_session_close(self) -> None:
        now = self._clock.now_ns()
        close_ns = now - now % NS_PER_DAY + SESSION_CLOSE_NS
        if close_ns <= now:
            close_ns += NS_PER_DAY
        self._close_timer = self._clock.call_at(close_ns, self._expire_day_orders)

    def _expire_day_orders(self) -> None:
        """At the 16:00 close every resting DAY order expires (ChildExpired), as on a real exchange."""
        for record in self._children.values():
            if record.closed is None and record.order.tif is TimeInForce.DAY:
                self._on_withdrawn(record)
                record.closed = "expired"
                reason = f"DAY order expired at the close with {record.leaves} open"
                when = self._reports.arrival_ns()
                self._reports.send_at(when, ChildExpired(when, record.order.child_id, reason))
        self._schedule_session_close()

    # --- reports -----------------------------------------------------------------------------------

    def _report(self, make: Callable[[int], VenueOrderEvent]) -> None:
        """Send an order report, stamped with the time it reaches the engine."""
        when = self._reports.arrival_ns()
        self._reports.send_at(when, make(when))

    def _publish(self, make: Callable[[int], BookUpdated | TradePrinted]) -> None:
        """Send market data, stamped with the time it reaches the engine; none before connect."""
        if self._listener is None:
            return
        when = self._market_data.arrival_ns()
        self._market_data.send_at(when, make(when))

    def _report_fill(self, record: ChildRecord, quantity: int, price: Decimal, liquidity: Liquidity) -> None:
        """Report a fill of one of our orders; closes it when complete. Never over-fills."""
        if record.closed is not None or quantity <= 0 or quantity > record.leaves:
            raise AssertionError(
                f"{self.venue_id}: fill of {quantity} for {record.order.child_id} with leaves {record.leaves}"
                f" (closed: {record.closed})"
            )
        record.filled += quantity
        self._fill_seq += 1
        fill_id = FillId(f"{self.venue_id}-{self.session_tag}-F{self._fill_seq}")
        order = record.order
        fee = self._fees.fee(quantity, liquidity)
        self._report(
            lambda ts: ChildFilled(
                ts,
                fill_id,
                order.child_id,
                order.parent_id,
                self.venue_id,
                order.symbol,
                order.side,
                quantity,
                price,
                fee,
                liquidity,
            )
        )
        if record.filled == record.quantity:
            record.closed = "filled"

    def _close(self, record: ChildRecord, closed: str, reason: str) -> None:
        """End a live order's remaining quantity with a ChildCanceled."""
        record.closed = closed
        self._report(lambda ts: ChildCanceled(ts, record.order.child_id, reason))

    # --- delivery ----------------------------------------------------------------------------------

    def _require_connected(self) -> None:
        if self._listener is None:
            raise RuntimeError(f"venue {self.venue_id} is not connected")

    def _deliver_report(self, event: VenueOrderEvent | VenueStatusChanged) -> None:
        assert self._listener is not None
        if isinstance(event, VenueStatusChanged):
            self._listener.on_venue_status(event)
        else:
            self._listener.on_order_event(event)

    def _deliver_market_data(self, event: BookUpdated | TradePrinted) -> None:
        assert self._listener is not None
        self._listener.on_market_data(event)


def _run(request: Callable[[], None]) -> None:
    request()


_STATUS_OF_CLOSED = {"filled": OrdStatus.FILLED, "canceled": OrdStatus.CANCELED, "expired": OrdStatus.EXPIRED}


def session_tag(now_ns: int) -> str:
    """A venue session's id part: its start time in milliseconds, in hex (short, unique per start)."""
    return format(now_ns // 1_000_000, "x")
