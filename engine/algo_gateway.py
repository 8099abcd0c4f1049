"""The engine as an algo sees it (`AlgoContext`): its parent, the market, its children, and the two ways
to act — send a child (through the child pipeline: routed, risk-checked, journaled) or cancel one.
Algos never hold the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from engine import events as ev
from engine.algos.heartbeats import ProgressHeartbeats
from engine.algos.wakes import QuoteWatch, ReachCheck
from engine.clock import Clock
from engine.events import DecisionReason
from engine.market import MarketView, Quote
from engine.model import ChildId, Instrument, ParentId, Symbol
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.pipeline.pipeline import ChildPipeline
from engine.pipeline.venue_gateway import VenueGateway
from engine.store import OrderStore
from engine.turns import Turns
from engine.views import ChildView, ParentView


class AlgoGateway:
    """Implements `engine.algos.base.AlgoContext` with exactly what an algo may see and do."""

    def __init__(
        self, uow: Turns, store: OrderStore, clock: Clock, market: MarketView, instruments: Mapping[Symbol, Instrument],
        pipeline: ChildPipeline, gateway: VenueGateway,
        market_since_start: Callable[[ParentId], tuple[int, Decimal | None]],
        publish_progress: Callable[[ev.AlgoProgress], None],
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._market = market
        self._instruments = instruments
        self._pipeline = pipeline
        self._gateway = gateway
        self._market_since_start = market_since_start
        self._publish_progress = publish_progress
        self._quote_watch = QuoteWatch(market)
        self._reports = ProgressHeartbeats(clock, uow.turn)

    @property
    def clock(self) -> Clock:
        return self._clock

    def parent(self, parent_id: ParentId) -> ParentView:
        return self._store.parent(parent_id)

    def instrument_of(self, parent_id: ParentId) -> Instrument:
        return self._instruments[self._store.parent_symbol(parent_id)]

    def quote_of(self, parent_id: ParentId) -> Quote:
        return self._market.quote(self._store.parent_symbol(parent_id))

    def live_children(self, parent_id: ParentId) -> list[ChildView]:
        store = self._store
        return [store.child(cid) for cid in store.live_child_ids(parent_id)]

    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]:
        return self._market_since_start(parent_id)

    def send_passive(self, parent_id: ParentId, quantity: int, price: Decimal, *,
                     reason: DecisionReason | None = None, target_qty: int | None = None) -> ChildId | None:
        sent = self._pipeline.send(ChildIntent(parent_id, IntentKind.PASSIVE, quantity, price, reason, target_qty))
        return sent[0] if sent else None

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None, *,
                        reason: DecisionReason | None = None, target_qty: int | None = None) -> list[ChildId]:
        return self._pipeline.send(ChildIntent(parent_id, IntentKind.SWEEP, quantity, limit, reason, target_qty))

    def cancel_child(self, child_id: ChildId, reason: str) -> None:
        with self._uow.turn():
            self._gateway.cancel(child_id, reason)

    def publish_progress(self, progress: ev.AlgoProgress) -> None:
        self._publish_progress(progress)

    def child_size(self, quantity: int, room: int, instrument_lot: int) -> int:
        return self._pipeline.sizing.plan(quantity, room, instrument_lot).quantity

    def watch_quote(self, parent_id: ParentId, check: ReachCheck | None) -> None:
        self._quote_watch.watch(self._store.parent_symbol(parent_id), parent_id, check)

    def report_at(self, parent_id: ParentId, t_ns: int | None, beat: Callable[[int], None]) -> None:
        self._reports.beat_at(parent_id, t_ns, beat)

    @property
    def progress_reports(self) -> ProgressHeartbeats:
        """Sleeping algos' pending progress reports (diagnostics and tests)."""
        return self._reports

    def quote_watchers(self, symbol: Symbol) -> int:
        """How many algos wait on a touch change of `symbol` (diagnostics and tests)."""
        return self._quote_watch.watching(symbol)

    def on_market_data(self, event: ev.Event) -> None:
        """Market data, after the engine's market view took it: algos waiting on a touch change hear of it."""
        if isinstance(event, ev.BookUpdated):
            self._quote_watch.on_book(event.symbol)
