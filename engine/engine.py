"""The engine facade: the only thing the app and the GUI call.

Every entry point (a command, a venue report, a timer) runs as one *turn*. Inside a turn, events are
applied to the order store at once (so later logic sees them) and collected; when the turn ends the
batch is written to the journal in one transaction, and only then are venue requests sent and events
published to algos and subscribers. A crash before the commit leaves nothing sent and nothing shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from engine import commands as cmd
from engine import events as ev
from engine.algo_gateway import AlgoGateway
from engine.algos.base import Algo
from engine.algos.registry import ALGOS
from engine.clock import Clock, TimerHandle
from engine.desk import TicketDesk
from engine.journal import Journal
from engine.market import MarketView, VolumeMark
from engine.model import (
    ChildId,
    Instrument,
    OrdStatus,
    ParentId,
    Side,
    Symbol,
    TicketId,
    VenueId,
)
from engine.parent_flow import ParentFlow
from engine.recovery import RecoveryReport, replay_into
from engine.results import CommandResult, SubmitResult
from engine.risk import PreTradeRisk, RiskLimits
from engine.store import OrderStore
from engine.ticket_flow import TicketFlow, TicketRequest
from engine.tickets.aggregation import AggregationRules
from engine.tickets.netting import CrossingPolicy
from engine.venues.base import Venue
from engine.views import ChildView, FillView, ParentView, TicketRow

log = logging.getLogger(__name__)

Subscriber = Callable[[ev.Event], None]
_NOT_JOURNALED = (ev.BookUpdated, ev.TradePrinted, ev.AlgoProgress)
_CHILD_DONE = (ev.ChildCanceled, ev.ChildRejected, ev.ChildExpired)


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    now_ns: int
    parents: tuple[ParentView, ...]
    children: tuple[ChildView, ...]
    fills: tuple[FillView, ...]
    kill_engaged: bool
    kill_reason: str
    venues: tuple[tuple[VenueId, bool], ...]
    progress: tuple[ev.AlgoProgress, ...]


class Engine:
    """Order lifecycle owner: tickets in, children out, fills back, everything journaled first."""

    def __init__(
        self,
        *,
        clock: Clock,
        journal: Journal,
        instruments: Mapping[Symbol, Instrument],
        venues: Sequence[Venue],
        risk_limits: RiskLimits | None = None,
        algos: Mapping[str, type[Algo]] | None = None,
        aggregation: AggregationRules | None = None,
        crossing: CrossingPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.journal = journal
        self.instruments = dict(instruments)
        self.venues: dict[VenueId, Venue] = {v.venue_id: v for v in venues}
        self.risk = PreTradeRisk(risk_limits or RiskLimits())
        self.algos = dict(algos or ALGOS)
        self.market = MarketView()
        self.store = OrderStore()
        self.desk = TicketDesk(self.instruments, aggregation, crossing)
        self._flow = TicketFlow(self)
        self._parents = ParentFlow(self)
        self.algo_gateway = AlgoGateway(self)
        """What algos may see and do (the `AlgoContext`); they never get the engine itself."""
        self._running_algos: dict[ParentId, Algo] = {}
        self._end_timers: dict[ParentId, TimerHandle] = {}
        self._expiring: set[ParentId] = set()
        self._start_marks: dict[ParentId, VolumeMark] = {}
        self._progress: dict[ParentId, ev.AlgoProgress] = {}
        self._venue_up: dict[VenueId, bool] = dict.fromkeys(self.venues, False)
        self._subscribers: list[Subscriber] = []
        self._market_subscribers: list[Subscriber] = []
        self._batch: list[ev.Event | cmd.Command] = []
        self._outbox: list[Callable[[], None]] = []
        self._depth = 0
        self._next_parent = 1
        self._next_child = 1
        self.events_processed = 0

    # --- lifecycle ----------------------------------------------------------------------------------------

    def recover(self, *, reconcile: bool = True) -> RecoveryReport:
        """Rebuild order state from the journal; with `reconcile`, orders the venues no longer know are
        closed out and live parents are paused for the trader to review."""
        report = replay_into(self.store, self.journal, self.desk)
        self._next_parent = report.next_parent
        self._next_child = report.next_child
        if reconcile:
            with self._turn():
                for child_id in self.store.live_child_ids():
                    self._emit(ev.ChildCanceled(self.clock.now_ns(), child_id, "venue session lost in restart"))
                for parent_id in self.store.live_parent_ids():
                    self._parents.adopt_recovered(parent_id)
        return report

    def start(self) -> None:
        """Connect every venue; reports flow in from then on."""
        for venue in self.venues.values():
            venue.connect(self)

    def close(self) -> None:
        for algo in self._running_algos.values():
            algo.stop()
        for timer in self._end_timers.values():
            timer.cancel()
        for venue in self.venues.values():
            venue.close()
        self.journal.close()

    # --- commands -------------------------------------------------------------------------------------------

    def submit_ticket(
        self,
        *,
        symbol: str,
        side: Side,
        quantity: int,
        limit_price: Decimal | None,
        algo: str,
        end_ns: int,
        start_ns: int | None = None,
        params: Mapping[str, str] | None = None,
        account: str = "DESK",
        source: str = "gui",
        urgency: str = "MEDIUM",
        allow_cross: bool = True,
        client_order_id: str = "",
    ) -> SubmitResult:
        """A client ticket: validated, then joined to a compatible working parent (or a new one)."""
        return self._flow.submit(TicketRequest(
            symbol, side, quantity, limit_price, algo, end_ns, start_ns, tuple(sorted((params or {}).items())),
            account, source, urgency, allow_cross, client_order_id,
        ))

    def submit_basket(self, requests: Sequence[TicketRequest]) -> list[SubmitResult]:
        """Many tickets at once, all or nothing, in one journal transaction."""
        return self._flow.submit_basket(requests)

    def cancel_ticket(self, ticket_id: TicketId, reason: str = "client cancel") -> CommandResult:
        """Cancel a ticket's unallocated quantity; its parent shrinks accordingly."""
        return self._flow.cancel(ticket_id, reason)

    def amend_ticket(
        self, ticket_id: TicketId, quantity: int, limit_price: Decimal | None = None, end_ns: int | None = None
    ) -> CommandResult:
        """Change a ticket's quantity (never below what is allocated to it) and, when it is its parent's only
        open ticket, its limit price (a limit ticket) and end time (None keeps them). All or nothing."""
        return self._flow.amend(ticket_id, quantity, limit_price, end_ns)

    def tickets(self) -> list[TicketRow]:
        return self.desk.rows()

    def ticket(self, ticket_id: TicketId) -> TicketRow | None:
        return self.desk.row(ticket_id) if self.desk.has_ticket(ticket_id) else None

    def cancel(self, parent_id: ParentId, reason: str = "trader cancel") -> CommandResult:
        """Stop the algo and cancel every working child; the parent is CANCELED once they are all done."""
        return self._parents.cancel(parent_id, reason)

    def amend(
        self,
        parent_id: ParentId,
        *,
        quantity: int | None = None,
        limit_price: Decimal | None = None,
        clear_limit: bool = False,
        end_ns: int | None = None,
    ) -> CommandResult:
        """Change quantity (never below filled), limit and/or end time of a working parent."""
        return self._parents.amend(parent_id, quantity=quantity, limit_price=limit_price, clear_limit=clear_limit,
                                   end_ns=end_ns)

    def pause(self, parent_id: ParentId, reason: str = "trader pause") -> CommandResult:
        """Stop sending children and cancel the working ones; the parent keeps its place until resumed."""
        return self._parents.pause(parent_id, reason)

    def resume(self, parent_id: ParentId) -> CommandResult:
        """Send children again (refused while the kill switch is engaged)."""
        return self._parents.resume(parent_id)

    def kill(self, reason: str = "kill switch", by: str = "trader") -> CommandResult:
        """Block new parents, pause every live parent and cancel every working child, until `reenable`."""
        return self._parents.kill(reason, by)

    def reenable(self, by: str = "trader") -> CommandResult:
        """Release the kill switch. Paused parents stay paused until resumed one by one."""
        return self._parents.reenable(by)

    # --- reading ----------------------------------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        store = self.store
        return EngineSnapshot(
            self.clock.now_ns(), tuple(store.parents()), tuple(store.children()), tuple(store.fills()),
            store.kill_engaged, store.kill_reason, tuple(self._venue_up.items()), tuple(self._progress.values()),
        )

    def subscribe(self, callback: Subscriber, *, market: bool = False) -> Callable[[], None]:
        """Order, risk and algo events (or market data with `market=True`), after they are journaled."""
        target = self._market_subscribers if market else self._subscribers
        target.append(callback)
        return lambda: target.remove(callback) if callback in target else None

    async def events(self, *, market: bool = False) -> AsyncIterator[ev.Event]:
        """The same events as an async stream (unbounded queue: consume promptly)."""
        queue: asyncio.Queue[ev.Event] = asyncio.Queue()
        unsubscribe = self.subscribe(queue.put_nowait, market=market)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()

    # --- venue listener ---------------------------------------------------------------------------------------

    def on_order_event(self, event: ev.VenueOrderEvent) -> None:
        with self._turn():
            self._emit(event)

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        if isinstance(event, ev.BookUpdated):
            self.market.on_book(event)
        else:
            self.market.on_trade(event)
        self.events_processed += 1
        for subscriber in self._market_subscribers:
            self._deliver(subscriber, event)

    def on_venue_status(self, event: ev.VenueStatusChanged) -> None:
        self._venue_up[event.venue] = event.connected
        with self._turn():
            self._emit(event)

    # --- internals ----------------------------------------------------------------------------------------------

    @contextmanager
    def _turn(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def _emit(self, event: ev.Event) -> None:
        self._batch.append(event)
        for problem in self.store.apply(event):
            log.error("%s", problem)
            self._batch.append(problem)

    def _record(self, command: cmd.Command) -> None:
        self._batch.append(command)

    def _flush(self) -> None:
        """Commit the turn's batch, then act (venue requests) and show (algos, subscribers)."""
        self._depth += 1
        try:
            while self._batch or self._outbox:
                batch, self._batch = self._batch, []
                self.journal.append([r for r in batch if not isinstance(r, _NOT_JOURNALED)])
                outbox, self._outbox = self._outbox, []
                for action in outbox:
                    action()
                for record in batch:
                    if isinstance(record, ev.Event):
                        self._dispatch(record)
        finally:
            self._depth -= 1

    def _dispatch(self, event: ev.Event) -> None:
        self.events_processed += 1
        if isinstance(event, ev.ChildFilled):
            self._after_child_event(event.parent_id, event.child_id, fill=event)
        elif isinstance(event, _CHILD_DONE) and self.store.has_child(event.child_id):
            child = self.store.child(event.child_id)
            if child.status.is_terminal:
                self._after_child_event(child.parent_id, child.child_id, fill=None)
        elif isinstance(event, ev.RiskBlocked):
            self._parents.pause_on_risk_block(event)
        for subscriber in self._subscribers:
            self._deliver(subscriber, event)

    def _after_child_event(self, parent_id: ParentId, child_id: ChildId, fill: ev.ChildFilled | None) -> None:
        if fill is not None:
            with self._turn():
                self._flow.on_fill(fill)
        algo = self._running_algos.get(parent_id)
        if algo is not None and algo.running:
            try:
                if fill is not None:
                    algo.on_fill(fill)
                if self.store.child(child_id).status.is_terminal:
                    algo.on_child_done(child_id)
            except Exception as exc:  # an algo bug must not take the desk down: stop it, show it
                log.exception("algo %s failed on %s", algo.name, parent_id)
                algo.stop()
                with self._turn():
                    self._emit(ev.ParentPaused(self.clock.now_ns(), parent_id, f"algo error: {exc}"))
                    self._cancel_children(parent_id, "algo error")
        self._parents.settle(parent_id)

    def _deliver(self, subscriber: Subscriber, event: ev.Event) -> None:
        try:
            subscriber(event)
        except Exception:
            log.exception("subscriber %r failed on %s", subscriber, type(event).__name__)


    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]:
        """Market volume and VWAP since the parent was accepted."""
        symbol = self.store.parent(parent_id).symbol
        mark = self._start_marks.get(parent_id)
        if mark is None:
            mark = self._start_marks[parent_id] = self.market.mark(symbol)
        return self.market.volume_since(symbol, mark)

    def _publish_progress(self, progress: ev.AlgoProgress) -> None:
        self._progress[progress.parent_id] = progress
        with self._turn():
            self._emit(progress)

    def _new_child_id(self) -> ChildId:
        child_id = ChildId(f"C{self._next_child:07d}")
        self._next_child += 1
        return child_id

    def _new_parent_id(self) -> ParentId:
        parent_id = ParentId(f"P{self._next_parent:06d}")
        self._next_parent += 1
        return parent_id


    def _cancel_child(self, child_id: ChildId, reason: str) -> None:
        child = self.store.child(child_id)
        if child.status.is_terminal or child.status is OrdStatus.PENDING_CANCEL:
            return
        self._emit(ev.ChildCancelRequested(self.clock.now_ns(), child_id, reason))
        target = self.venues[child.venue]
        self._outbox.append(lambda: target.cancel(child_id))

    def _cancel_children(self, parent_id: ParentId, reason: str) -> None:
        for child_id in self.store.live_child_ids(parent_id):
            self._cancel_child(child_id, reason)


    def _refuse(self, command: str, target: str, reason: str) -> CommandResult:
        self._emit(ev.CommandRejected(self.clock.now_ns(), command, target, reason))
        return CommandResult(False, reason)


