"""ReplayVenue: one recorded LOBSTER symbol-day replayed on a clock, with our orders matched against it.

The venue keeps one timer at a time, for the next recorded message; when it fires, every message due by
then is applied in order (no look-ahead: nothing later is ever read). It publishes `TradePrinted` for
every recorded execution and `BookUpdated` from the recorded book (minus what we took), conflated to
at most one per `book_interval_ns` of replay time.

Fill rules (BENCH.md): an aggressive child (market, IOC, or a limit that crosses) takes the displayed
depth at its real prices, walking levels, never more than is shown and never shares we already took
(`ReplayBook` ledger); a passive child fills from recorded flow behind its queue position
(`RestingOrders`). Temporary impact is the walk itself. Prints are the recorded tape only: our own
aggressive fills are reported as `ChildFilled`, not as `TradePrinted`.

Requests arrive `latency_ns` after they are sent; reports and market data reach the listener
`latency_ns` after the venue produced them and are stamped with that arrival time (with the default
0 they are delivered at once, from inside a clock callback, never from inside `submit`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
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
    PriceLevel,
    TradePrinted,
    VenueOrderEvent,
    VenueStatusChanged,
)
from engine.marketdata.lobster import CENT, NS_PER_MS, LobsterDay, MessageType, lobster_price
from engine.model import ChildId, FillId, Instrument, Liquidity, OrdStatus, OrdType, Side, Symbol, TimeInForce, VenueId
from engine.venues.base import Venue, VenueListener
from engine.venues.replay.book import ASK, BID, ReplayBook
from engine.venues.replay.passive import RestingOrder, RestingOrders
from engine.venues.replay.rules import new_order_problem, replace_problem

REPLAY_TICK = Decimal("0.01")
REPLAY_VENUE = VenueId("REPLAY")
_NEW = int(MessageType.NEW)
_HIDDEN = int(MessageType.EXECUTE_HIDDEN)
_EXECUTIONS = frozenset({int(MessageType.EXECUTE_VISIBLE), _HIDDEN})
_REMOVALS = frozenset({int(MessageType.PARTIAL_CANCEL), int(MessageType.DELETE), int(MessageType.EXECUTE_VISIBLE)})


def replay_instrument(symbol: str) -> Instrument:
    """LOBSTER equities: $0.01 tick, 1-share lots."""
    return Instrument(Symbol(symbol), REPLAY_TICK, 1)


class ReplayVenue(Venue):
    """A venue that replays one LOBSTER symbol-day; see the module docstring for the rules."""

    def __init__(
        self,
        clock: Clock,
        day: LobsterDay,
        *,
        venue_id: VenueId = REPLAY_VENUE,
        book_interval_ns: int = 100 * NS_PER_MS,
        latency_ns: int = 0,
        taker_fee_per_share: Decimal = Decimal(0),
        maker_fee_per_share: Decimal = Decimal(0),
        midnight_epoch_ns: int | None = None,
    ) -> None:
        if book_interval_ns < 0 or latency_ns < 0:
            raise ValueError("book interval and latency must be >= 0")
        self.venue_id = venue_id
        self.instrument = replay_instrument(day.ticker)
        self._clock = clock
        self._day = day
        self._book_interval_ns = book_interval_ns
        self._latency_ns = latency_ns
        self._taker_fee = taker_fee_per_share
        self._maker_fee = maker_fee_per_share
        midnight = day.symbol_day.midnight_epoch_ns if midnight_epoch_ns is None else midnight_epoch_ns
        self._times = (day.time_ns + midnight).tolist()
        self._types = day.event_type.tolist()
        self._sizes = day.size.tolist()
        self._prices = day.price.tolist()
        self._directions = day.direction.tolist()
        self.session_end_ns = midnight + day.symbol_day.session_end_ns
        self._book = ReplayBook(day)
        self._resting = RestingOrders()
        self._orders: dict[ChildId, RestingOrder] = {}
        self._listener: VenueListener | None = None
        self._next = 0
        self._timer: TimerHandle | None = None
        self._flush_timer: TimerHandle | None = None
        self._close_timer: TimerHandle | None = None
        self._book_dirty = False
        self._last_book_ns: int | None = None
        self._last_book: tuple[tuple[PriceLevel, ...], tuple[PriceLevel, ...]] | None = None
        self._order_seq = 0
        self._fill_seq = 0
        self._price_cache: dict[int, Decimal] = {}
        self._closed = False

    # --- progress -------------------------------------------------------------------------------------

    @property
    def events_replayed(self) -> int:
        """Recorded messages applied so far."""
        return self._next

    @property
    def finished(self) -> bool:
        return self._next >= len(self._times)

    @property
    def book(self) -> ReplayBook:
        """The book at the replay cursor (read it, do not change it)."""
        return self._book

    # --- Venue ------------------------------------------------------------------------------------------

    def connect(self, listener: VenueListener) -> None:
        """Start replaying from the clock's current time (earlier messages set the book silently)."""
        self._listener = listener
        now = self._clock.now_ns()
        # nothing of ours can be affected yet: jump the cursor instead of applying messages one by one
        self._next = bisect.bisect_right(self._times, now, lo=self._next)
        self._book.row = self._next - 1
        self._deliver(VenueStatusChanged(self._stamp(), self.venue_id, True, self._describe()))
        self._book_dirty = self._book.row >= 0
        self._publish_book(now)
        self._schedule_next()
        self._close_timer = self._clock.call_at(self.session_end_ns, self._on_session_end)

    def submit(self, order: ChildSubmitted) -> None:
        self._require_connected()
        self._arrive(lambda: self._submit_arrived(order))

    def cancel(self, child_id: ChildId) -> None:
        self._require_connected()
        self._arrive(lambda: self._cancel_arrived(child_id))

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        self._require_connected()
        self._arrive(lambda: self._replace_arrived(child_id, quantity, price))

    def close(self) -> None:
        """Stop replaying and reporting; requests already in flight are dropped silently."""
        self._closed = True
        self._listener = None
        for timer in (self._timer, self._flush_timer, self._close_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._flush_timer = self._close_timer = None

    # --- the recording ------------------------------------------------------------------------------------

    def _schedule_next(self) -> None:
        if self._closed or self._next >= len(self._times):
            self._timer = None
            return
        self._timer = self._clock.call_at(self._times[self._next], self._on_timer)

    def _on_timer(self) -> None:
        now = self._clock.now_ns()
        self._catch_up(now)
        self._publish_book(now)
        self._schedule_next()

    def _catch_up(self, now: int) -> None:
        """Apply every recorded message stamped at or before `now`, in order."""
        times, types, sizes, prices, directions = (
            self._times, self._types, self._sizes, self._prices, self._directions,
        )
        book, resting = self._book, self._resting
        venue_id, symbol = self.venue_id, self.instrument.symbol
        count = len(times)
        i = self._next
        while i < count and times[i] <= now:
            kind, price, size, direction = types[i], prices[i], sizes[i], directions[i]
            book.row = i
            if kind in _EXECUTIONS:
                aggressor = Side.BUY if direction == ASK else Side.SELL
                self._deliver(TradePrinted(self._stamp(), venue_id, symbol, self._price(price), size, aggressor))
                if resting:  # before the queue cap below: this print is what moves our queue
                    for order, shares in resting.on_execution(direction, price, size):
                        self._fill(order, shares, order.price or price, Liquidity.ADDED)
            elif kind == _NEW and resting:
                for order, shares in resting.on_new_order(direction, price, size):
                    book.consume(direction, price, shares)
                    self._fill(order, shares, order.price or price, Liquidity.ADDED)
            if kind in _REMOVALS:
                if book.ledger:
                    book.refresh(direction, price)
                if resting:
                    shown = book.displayed(direction, price)
                    if shown is not None:
                        resting.cap_ahead(direction, price, shown)
            if kind != _HIDDEN:
                self._book_dirty = True
            i += 1
            self._next = i

    # --- market data ---------------------------------------------------------------------------------------

    def _publish_book(self, now: int) -> None:
        if not self._book_dirty or self._listener is None:
            return
        if self._last_book_ns is not None and now - self._last_book_ns < self._book_interval_ns:
            if self._flush_timer is None:
                self._flush_timer = self._clock.call_at(self._last_book_ns + self._book_interval_ns, self._flush)
            return
        self._book_dirty = False
        price = self._price
        bids = tuple([(price(p), s) for p, s in self._book.available(BID)])
        asks = tuple([(price(p), s) for p, s in self._book.available(ASK)])
        if (bids, asks) == self._last_book:
            return  # a change outside the displayed depth, or one undone within the interval
        self._last_book = (bids, asks)
        self._last_book_ns = now
        self._deliver(BookUpdated(self._stamp(), self.venue_id, self.instrument.symbol, bids, asks))

    def _flush(self) -> None:
        self._flush_timer = None
        if not self._closed:
            self._publish_book(self._clock.now_ns())

    def _price(self, lobster: int) -> Decimal:
        cached = self._price_cache.get(lobster)
        if cached is None:
            cached = self._price_cache[lobster] = lobster_price(lobster)
        return cached

    def request_status(self, orders: Sequence[ChildSubmitted]) -> None:
        """What this replay knows of each order (a replay restarted with the app knows none of the old ones)."""
        for order in orders:
            record = self._orders.get(order.child_id)
            if record is None:
                self._deliver(ChildStatusReported(self._stamp(), order.child_id, self.venue_id, False, None, 0,
                                                  "unknown order (the replay restarted with the app)"))
                continue
            status = (OrdStatus.FILLED if record.closed == "filled" else OrdStatus.CANCELED if record.closed
                      else OrdStatus.PARTIALLY_FILLED if record.filled else OrdStatus.NEW)
            self._deliver(ChildStatusReported(self._stamp(), order.child_id, self.venue_id, True, status, record.filled,
                                              record.closed or "working"))

    # --- our orders -------------------------------------------------------------------------------------------

    def _submit_arrived(self, order: ChildSubmitted) -> None:
        now = self._clock.now_ns()
        self._catch_up(now)
        known = order.child_id in self._orders
        problem = new_order_problem(order, self.venue_id, self.instrument, known, now >= self.session_end_ns)
        if problem is not None:
            self._deliver(ChildRejected(self._stamp(), order.child_id, problem))
            return
        self._order_seq += 1
        price = None if order.price is None else self.instrument.to_ticks(order.price) * CENT
        record = RestingOrder(order, f"{self.venue_id}-{self._order_seq}", price, self._order_seq)
        self._orders[order.child_id] = record
        self._deliver(ChildAccepted(self._stamp(), order.child_id, record.venue_order_id))
        self._take(record)
        if record.closed is None:
            if order.ord_type is OrdType.MARKET or order.tif is TimeInForce.IOC:
                what = "market order" if order.ord_type is OrdType.MARKET else "IOC"
                self._close(record, f"{what}: no more displayed liquidity within limit for the last {record.leaves}")
            else:
                self._rest(record)
        self._publish_book(now)

    def _take(self, record: RestingOrder) -> None:
        """Take displayed depth on the other side up to the order's limit (nothing if it does not cross)."""
        for price, shares in self._book.take(-record.direction, record.leaves, record.price):
            self._fill(record, shares, price, Liquidity.REMOVED)
            self._book_dirty = True

    def _rest(self, record: RestingOrder) -> None:
        assert record.price is not None
        shown = self._book.displayed(record.direction, record.price)
        record.ahead = shown or 0  # beyond the recorded depth the queue is unknown: assume empty
        self._resting.add(record)

    def _cancel_arrived(self, child_id: ChildId) -> None:
        self._catch_up(self._clock.now_ns())
        record = self._orders.get(child_id)
        if record is None:
            self._deliver(ChildCancelRejected(self._stamp(), child_id, f"unknown order {child_id}"))
        elif record.closed is not None:
            self._deliver(ChildCancelRejected(self._stamp(), child_id, f"too late to cancel: order {record.closed}"))
        else:
            self._resting.remove(record)
            self._close(record, "canceled on request")

    def _replace_arrived(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        now = self._clock.now_ns()
        self._catch_up(now)
        record = self._orders.get(child_id)
        problem = replace_problem(record, self.instrument, quantity, price)
        if problem is not None or record is None:
            self._deliver(ChildReplaceRejected(self._stamp(), child_id, f"{child_id}: {problem}"))
            return
        new_limit = price if price is not None else record.limit
        assert new_limit is not None
        new_price = self.instrument.to_ticks(new_limit) * CENT
        # a new price or more shares loses time priority; fewer shares keeps it
        requeue = new_price != record.price or quantity - record.filled > record.leaves
        record.quantity, record.limit = quantity, new_limit
        self._deliver(ChildReplaced(self._stamp(), child_id, quantity, new_limit))
        if requeue:
            self._resting.remove(record)
            record.price = new_price
            self._take(record)
            if record.closed is None:
                self._rest(record)
        self._publish_book(now)

    def _fill(self, record: RestingOrder, shares: int, price: int, liquidity: Liquidity) -> None:
        if record.closed is not None or shares <= 0 or shares > record.leaves:
            raise AssertionError(
                f"{self.venue_id}: fill of {shares} for {record.order.child_id} with leaves {record.leaves}"
                f" (closed: {record.closed})"
            )
        record.filled += shares
        self._fill_seq += 1
        order = record.order
        fee = (self._maker_fee if liquidity is Liquidity.ADDED else self._taker_fee) * shares
        self._deliver(ChildFilled(
            self._stamp(), FillId(f"{self.venue_id}-F{self._fill_seq}"), order.child_id, order.parent_id,
            self.venue_id, order.symbol, order.side, shares, self._price(price), fee, liquidity,
        ))
        if record.filled == record.quantity:
            record.closed = "filled"
            self._resting.remove(record)

    def _close(self, record: RestingOrder, reason: str) -> None:
        record.closed = "canceled"
        self._deliver(ChildCanceled(self._stamp(), record.order.child_id, reason))

    def _on_session_end(self) -> None:
        self._close_timer = None
        self._catch_up(self._clock.now_ns())
        for record in list(self._orders.values()):
            if record.closed is None:
                record.closed = "expired"
                self._resting.remove(record)
                self._deliver(ChildExpired(self._stamp(), record.order.child_id, "replayed session ended"))

    # --- delivery -------------------------------------------------------------------------------------------

    def _describe(self) -> str:
        sd = self._day.symbol_day
        return f"replaying {sd.key} ({sd.levels} level{'s' if sd.levels > 1 else ''}, {self._day.rows} messages)"

    def _require_connected(self) -> None:
        if self._listener is None:
            raise RuntimeError(f"venue {self.venue_id} is not connected")

    def _arrive(self, request: Callable[[], None]) -> None:
        self._clock.call_later(self._latency_ns, request)

    def _stamp(self) -> int:
        """When something the venue produces now reaches the engine."""
        return self._clock.now_ns() + self._latency_ns

    def _deliver(self, event: Report) -> None:
        listener = self._listener
        if listener is None:
            return
        if self._latency_ns == 0:
            _dispatch(listener, event)
        else:
            self._clock.call_at(event.ts_ns, lambda: _dispatch(listener, event))


Report = VenueOrderEvent | VenueStatusChanged | BookUpdated | TradePrinted


def _dispatch(listener: VenueListener, event: Report) -> None:
    if isinstance(event, VenueStatusChanged):
        listener.on_venue_status(event)
    elif isinstance(event, BookUpdated | TradePrinted):
        listener.on_market_data(event)
    else:
        listener.on_order_event(event)
