"""A simulated lit venue: one price-time-priority book per symbol, shared by our child orders and a
background crowd, publishing conflated L2 books and every trade print.

Our resting orders queue with background orders and are filled by background marketable flow;
our marketable orders take background liquidity. Everything runs on the injected clock and seeded
random streams, so a run is a pure function of (seed, clock, requests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from engine.clock import Clock, TimerHandle
from engine.events import BookUpdated, TradePrinted
from engine.model import Instrument, Liquidity, OrdType, Side, Symbol, TimeInForce, VenueId
from engine.venues.base import VenueListener
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.flow import BackgroundFlow, FlowConfig
from engine.venues.sim.gateway import ChildRecord, Fees, SimGateway
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.matching import Execution, OrderBook, Submission
from engine.venues.sim.seeding import derive_rng

NS_PER_MS = 1_000_000


class SimVenue(SimGateway):
    """A lit venue with price-time-priority books; background flow runs once connected.

    `fair_values` and `flow` together switch on background participants for the symbols that have a
    fair value (`flow_by_symbol` overrides the flow of some symbols: thinner or busier names); without
    them the books hold only what is placed (unit tests place background liquidity by hand with
    `place_background`). `add_book_listener` tells other participants (the cross-venue arbitrageur)
    of every change to a book, as it happens.
    """

    def __init__(
        self,
        venue_id: VenueId,
        clock: Clock,
        instruments: Mapping[Symbol, Instrument],
        *,
        seed: int,
        fees: Fees | None = None,
        latency: LatencyModel | None = None,
        md_levels: int = 5,
        md_interval_ms: float = 100.0,
        fair_values: Mapping[Symbol, FairValue] | None = None,
        flow: FlowConfig | None = None,
        flow_by_symbol: Mapping[Symbol, FlowConfig] | None = None,
    ) -> None:
        super().__init__(
            venue_id,
            clock,
            instruments,
            fees=fees or Fees(),
            latency=latency or LatencyModel(),
            rng=derive_rng(seed, "latency", venue_id),
        )
        if md_levels <= 0:
            raise ValueError(f"market data depth must be at least one level, got {md_levels}")
        self._books = {symbol: OrderBook() for symbol in self._instruments}
        self._ours: dict[Symbol, dict[int, ChildRecord]] = {symbol: {} for symbol in self._instruments}
        self._md_levels = md_levels
        self._md_interval_ns = int(md_interval_ms * NS_PER_MS)
        self._md_timers: dict[Symbol, TimerHandle] = {}
        self._md_last_ns: dict[Symbol, int] = {}
        self._md_last_book: dict[Symbol, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self._prices: dict[Symbol, dict[int, Decimal]] = {symbol: {} for symbol in self._instruments}
        self._flows: list[BackgroundFlow] = []
        self._book_listeners: list[Callable[[Symbol], None]] = []
        if flow is not None and fair_values:
            for symbol, instrument in self._instruments.items():
                if symbol in fair_values:
                    rng = derive_rng(seed, "flow", venue_id, symbol)
                    config = (flow_by_symbol or {}).get(symbol, flow)
                    self._flows.append(BackgroundFlow(self, instrument, fair_values[symbol], config, rng, clock))
        self.book_operations = 0
        """Book changes so far (ours and background), for measurement."""

    # --- Venue -------------------------------------------------------------------------------------

    def connect(self, listener: VenueListener) -> None:
        super().connect(listener)
        for flow in self._flows:
            flow.start()
        for symbol in self._books:
            self._book_changed(symbol)

    def close(self) -> None:
        for flow in self._flows:
            flow.stop()
        for timer in self._md_timers.values():
            timer.cancel()
        self._md_timers.clear()
        super().close()

    # --- the book, for background flow and tests ---------------------------------------------------

    def book(self, symbol: Symbol) -> OrderBook:
        """The live book of a symbol (read it; change it only through this venue)."""
        return self._books[symbol]

    def place_background(
        self, symbol: Symbol, side: Side, quantity: int, price_ticks: int | None, *, ioc: bool = False
    ) -> Submission:
        """A background participant's order; any of our orders it trades with are reported filled."""
        result = self._books[symbol].submit(side, quantity, price_ticks, ioc=ioc)
        self._executed(symbol, result.executions, None)
        self._book_changed(symbol)
        return result

    def cancel_background(self, symbol: Symbol, order_id: int) -> bool:
        """Cancel a background order; False if it is no longer resting (or is one of ours)."""
        if order_id in self._ours[symbol] or not self._books[symbol].cancel(order_id):
            return False
        self._book_changed(symbol)
        return True

    @property
    def flows(self) -> list[BackgroundFlow]:
        return self._flows

    def add_book_listener(self, listener: Callable[[Symbol], None]) -> None:
        """Call `listener(symbol)` after every change to a book of this venue (ours or background)."""
        self._book_listeners.append(listener)

    # --- our orders ----------------------------------------------------------------------------------

    def _on_accepted(self, record: ChildRecord) -> None:
        order = record.order
        is_market = order.ord_type is OrdType.MARKET
        result = self._books[order.symbol].submit(
            order.side, order.quantity, record.price_ticks, ioc=is_market or order.tif is TimeInForce.IOC, ours=True
        )
        record.book_id = result.order_id
        self._cancel_self_trades(order.symbol, record)
        self._executed(order.symbol, result.executions, record)
        if result.rested:
            self._ours[order.symbol][result.order_id] = record
        elif result.unfilled:
            kind = "market" if is_market else "IOC"
            self._close(record, "canceled", f"{kind} remainder of {result.unfilled} canceled: no more liquidity")
        self._book_changed(order.symbol)

    def _on_withdrawn(self, record: ChildRecord) -> None:
        symbol, book_id = record.order.symbol, record.book_id
        assert book_id is not None
        if not self._books[symbol].cancel(book_id):
            raise AssertionError(f"{self.venue_id}: live order {record.order.child_id} is not in the book")
        del self._ours[symbol][book_id]
        self._book_changed(symbol)

    def _on_amended(self, record: ChildRecord, requeue: bool) -> None:
        symbol, book_id, price = record.order.symbol, record.book_id, record.price_ticks
        assert book_id is not None and price is not None
        executions = self._books[symbol].replace(book_id, record.leaves, price)
        if executions is None:
            raise AssertionError(f"{self.venue_id}: live order {record.order.child_id} is not in the book")
        self._cancel_self_trades(symbol, record)
        self._executed(symbol, executions, record)
        if record.closed is not None:
            del self._ours[symbol][book_id]
        self._book_changed(symbol)

    def _cancel_self_trades(self, symbol: Symbol, incoming: ChildRecord) -> None:
        """Report our resting orders the book took off rather than trade them with `incoming` (ours too)."""
        ours = self._ours[symbol]
        for resting in self._books[symbol].take_self_trade_cancels():
            record = ours.pop(resting.order_id)
            self._close(record, "canceled", f"self-trade prevention: {resting.leaves} would have traded with "
                                            f"our own {incoming.order.child_id}")

    def _executed(self, symbol: Symbol, executions: list[Execution], taker: ChildRecord | None) -> None:
        """Report our side of each match and print every trade."""
        if not executions:
            return
        ours = self._ours[symbol]
        for execution in executions:
            price = self._price(symbol, execution.price)
            maker = ours.get(execution.maker_id)
            if maker is not None:
                self._report_fill(maker, execution.quantity, price, Liquidity.ADDED)
                if maker.closed is not None:
                    del ours[execution.maker_id]
            if taker is not None:
                self._report_fill(taker, execution.quantity, price, Liquidity.REMOVED)
            self._print(symbol, price, execution.quantity, execution.aggressor)

    def _print(self, symbol: Symbol, price: Decimal, quantity: int, aggressor: Side) -> None:
        self._publish(lambda ts: TradePrinted(ts, self.venue_id, symbol, price, quantity, aggressor))

    # --- conflated L2 ------------------------------------------------------------------------------

    def _book_changed(self, symbol: Symbol) -> None:
        self.book_operations += 1
        for listener in self._book_listeners:
            listener(symbol)
        if symbol in self._md_timers or self._listener is None:
            return
        when = max(self._clock.now_ns(), self._md_last_ns.get(symbol, 0) + self._md_interval_ns)
        self._md_timers[symbol] = self._clock.call_at(when, lambda: self._publish_book(symbol))

    def _publish_book(self, symbol: Symbol) -> None:
        del self._md_timers[symbol]
        self._md_last_ns[symbol] = self._clock.now_ns()
        book, levels = self._books[symbol], self._md_levels
        snapshot = (book.depth(Side.BUY, levels), book.depth(Side.SELL, levels))
        if snapshot == self._md_last_book.get(symbol):
            return
        self._md_last_book[symbol] = snapshot
        prices = self._prices[symbol]
        price = self._price
        bids = tuple((prices.get(ticks) or price(symbol, ticks), size) for ticks, size in snapshot[0])
        asks = tuple((prices.get(ticks) or price(symbol, ticks), size) for ticks, size in snapshot[1])
        self._publish(lambda ts: BookUpdated(ts, self.venue_id, symbol, bids, asks))

    def _price(self, symbol: Symbol, ticks: int) -> Decimal:
        """Decimal price of integer ticks, cached (Decimal quantize dominates market data otherwise)."""
        prices = self._prices[symbol]
        price = prices.get(ticks)
        if price is None:
            if len(prices) > 100_000:
                prices.clear()
            price = prices[ticks] = self._instruments[symbol].price(ticks)
        return price
