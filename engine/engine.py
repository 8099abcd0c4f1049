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
from engine.recovery import RecoveryReport, replay_into
from engine.risk import PreTradeRisk, RiskLimits
from engine.store import OrderStore
from engine.ticket_flow import TicketFlow, TicketRequest
from engine.tickets.aggregation import AggregationRules
from engine.tickets.netting import CrossingPolicy
from engine.validation import Invalid, check_end, check_limit, check_quantity
from engine.venues.base import Venue
from engine.views import ChildView, FillView, ParentView, TicketRow

log = logging.getLogger(__name__)

Subscriber = Callable[[ev.Event], None]
_NOT_JOURNALED = (ev.BookUpdated, ev.TradePrinted, ev.AlgoProgress)
_CHILD_DONE = (ev.ChildCanceled, ev.ChildRejected, ev.ChildExpired)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    accepted: bool
    parent_id: ParentId | None = None
    reason: str = ""
    field: str | None = None
    ticket_id: TicketId | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    ok: bool
    reason: str = ""


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
                    self._adopt_recovered(parent_id)
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
        with self._turn():
            self._record(cmd.CancelParent(self.clock.now_ns(), parent_id, reason))
            problem = self._live_parent_problem(parent_id)
            if problem:
                return self._refuse("CancelParent", parent_id, problem)
            if self.store.parent(parent_id).status is OrdStatus.PENDING_CANCEL:
                return self._refuse("CancelParent", parent_id, "cancel already pending")
            self._cancel_parent(parent_id, reason)
            return CommandResult(True)

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
        now = self.clock.now_ns()
        with self._turn():
            self._record(cmd.AmendParent(now, parent_id, quantity, limit_price, clear_limit, end_ns))
            problem = self._live_parent_problem(parent_id)
            if problem:
                return self._refuse("AmendParent", parent_id, problem)
            parent = self.store.parent(parent_id)
            if parent.status not in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
                return self._refuse("AmendParent", parent_id, f"cannot amend while {parent.status.name}")
            instrument = self.instruments[parent.symbol]
            new_qty = check_quantity(parent.quantity if quantity is None else quantity, instrument,
                                     at_least=parent.cum_qty)
            new_limit = None if clear_limit else check_limit(
                parent.limit_price if limit_price is None else limit_price, instrument)
            new_end = check_end(parent.end_ns if end_ns is None else end_ns, parent.start_ns, now)
            for checked in (new_qty, new_limit, new_end):
                if isinstance(checked, Invalid):
                    return self._refuse("AmendParent", parent_id, checked.reason)
            assert isinstance(new_qty, int) and isinstance(new_end, int) and not isinstance(new_limit, Invalid)
            return self._flow.amend_parent(parent, new_qty, new_limit, new_end)

    def pause(self, parent_id: ParentId, reason: str = "trader pause") -> CommandResult:
        """Stop sending children and cancel the working ones; the parent keeps its place until resumed."""
        with self._turn():
            self._record(cmd.PauseParent(self.clock.now_ns(), parent_id))
            problem = self._live_parent_problem(parent_id)
            if problem:
                return self._refuse("PauseParent", parent_id, problem)
            if not self.store.parent(parent_id).paused:
                self._emit(ev.ParentPaused(self.clock.now_ns(), parent_id, reason))
            self._cancel_children(parent_id, f"paused: {reason}")
            return CommandResult(True)

    def resume(self, parent_id: ParentId) -> CommandResult:
        with self._turn():
            self._record(cmd.ResumeParent(self.clock.now_ns(), parent_id))
            problem = self._live_parent_problem(parent_id)
            if problem:
                return self._refuse("ResumeParent", parent_id, problem)
            if self.store.kill_engaged:
                return self._refuse("ResumeParent", parent_id, "kill switch engaged: re-enable first")
            parent = self.store.parent(parent_id)
            if not parent.paused:
                return self._refuse("ResumeParent", parent_id, "not paused")
            if parent.status is OrdStatus.PENDING_CANCEL:
                return self._refuse("ResumeParent", parent_id, "cancel pending")
            self._emit(ev.ParentResumed(self.clock.now_ns(), parent_id))
            algo = self._running_algos.get(parent_id)
            if algo is None:
                algo = self._make_algo(parent_id)
            if not algo.running:
                self._outbox.append(algo.start)
            else:
                self._outbox.append(algo.wake)
            return CommandResult(True)

    def kill(self, reason: str = "kill switch", by: str = "trader") -> CommandResult:
        """Block new parents, pause every live parent and cancel every working child, until `reenable`."""
        now = self.clock.now_ns()
        with self._turn():
            self._record(cmd.EngageKill(now, reason, by))
            if self.store.kill_engaged:
                return self._refuse("EngageKill", "", "kill switch already engaged")
            self._emit(ev.KillEngaged(now, reason, by))
            for parent_id in self.store.live_parent_ids():
                if not self.store.parent(parent_id).paused:
                    self._emit(ev.ParentPaused(now, parent_id, "kill switch"))
            for child_id in self.store.live_child_ids():
                self._cancel_child(child_id, "kill switch")
            return CommandResult(True)

    def reenable(self, by: str = "trader") -> CommandResult:
        """Release the kill switch. Paused parents stay paused until resumed one by one."""
        with self._turn():
            self._record(cmd.ReleaseKill(self.clock.now_ns(), by))
            if not self.store.kill_engaged:
                return self._refuse("ReleaseKill", "", "kill switch is not engaged")
            self._emit(ev.KillReleased(self.clock.now_ns(), by))
            return CommandResult(True)

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
            self._pause_on_risk_block(event)
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
        self._settle(parent_id)

    def _deliver(self, subscriber: Subscriber, event: ev.Event) -> None:
        try:
            subscriber(event)
        except Exception:
            log.exception("subscriber %r failed on %s", subscriber, type(event).__name__)

    def _settle(self, parent_id: ParentId) -> None:
        """Close a parent once nothing of it works any more: canceled, expired or filled."""
        parent = self.store.parent(parent_id)
        if parent.status.is_terminal:
            self._stop_algo(parent_id)
            with self._turn():
                self._flow.on_parent_done(parent_id)
            return
        if self.store.live_child_ids(parent_id):
            return
        with self._turn():
            if parent.status is OrdStatus.PENDING_CANCEL:
                self._emit(ev.ParentCanceled(self.clock.now_ns(), parent_id, parent.text or "canceled"))
            elif parent_id in self._expiring:
                self._emit(ev.ParentExpired(self.clock.now_ns(), parent_id,
                                            f"end time reached with {parent.leaves_qty:,} unfilled"))
            else:
                return
            self._flow.on_parent_done(parent_id)
        self._stop_algo(parent_id)

    def _on_end_time(self, parent_id: ParentId) -> None:
        with self._turn():
            parent = self.store.parent(parent_id)
            if parent.status.is_terminal:
                return
            self._expiring.add(parent_id)
            self._stop_algo(parent_id)
            self._cancel_children(parent_id, "parent end time")
            self._settle(parent_id)

    def _arm_end_timer(self, parent_id: ParentId, end_ns: int) -> None:
        old = self._end_timers.pop(parent_id, None)
        if old is not None:
            old.cancel()
        self._end_timers[parent_id] = self.clock.call_at(end_ns, lambda: self._on_end_time(parent_id))

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

    def _start_algo(self, parent_id: ParentId, params: Mapping[str, str]) -> None:
        parent = self.store.parent(parent_id)
        self._start_marks[parent_id] = self.market.mark(parent.symbol)
        algo = self.algos[parent.algo](parent_id, self.algo_gateway, params)
        self._running_algos[parent_id] = algo
        self._arm_end_timer(parent_id, parent.end_ns)
        self._outbox.append(algo.start)

    def _cancel_parent(self, parent_id: ParentId, reason: str) -> None:
        self._emit(ev.ParentCancelRequested(self.clock.now_ns(), parent_id, reason))
        self._stop_algo(parent_id)
        self._cancel_children(parent_id, reason)
        self._settle(parent_id)

    def _resize_parent(self, parent_id: ParentId, quantity: int, limit: Decimal | None, end_ns: int) -> None:
        """Apply a new quantity / limit / end to a working parent; the algo recalibrates."""
        parent = self.store.parent(parent_id)
        self._emit(ev.ParentAmended(self.clock.now_ns(), parent_id, quantity, limit, end_ns))
        if end_ns != parent.end_ns:
            self._arm_end_timer(parent_id, end_ns)
        if quantity < parent.cum_qty + parent.working_qty or limit != parent.limit_price:
            self._cancel_children(parent_id, "parent amended")
        algo = self._running_algos.get(parent_id)
        if algo is not None:
            self._outbox.append(algo.on_amended)
        self._settle(parent_id)

    def _stop_algo(self, parent_id: ParentId) -> None:
        algo = self._running_algos.get(parent_id)
        if algo is not None:
            algo.stop()
        timer = self._end_timers.pop(parent_id, None) if self.store.parent(parent_id).status.is_terminal else None
        if timer is not None:
            timer.cancel()

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

    def _live_parent_problem(self, parent_id: ParentId) -> str:
        if not self.store.has_parent(parent_id):
            return f"unknown parent {parent_id}"
        status = self.store.parent(parent_id).status
        return f"parent is {status.name}" if status.is_terminal else ""

    def _pause_on_risk_block(self, event: ev.RiskBlocked) -> None:
        """A blocked child stops its algo (it would retry forever); the trader decides what next."""
        if event.rule == "kill_switch" or not self.store.has_parent(event.parent_id):
            return
        parent = self.store.parent(ParentId(event.parent_id))
        if parent.status.is_live and not parent.paused:
            with self._turn():
                self._emit(ev.ParentPaused(event.ts_ns, parent.parent_id, f"risk: {event.reason}"))

    def _refuse(self, command: str, target: str, reason: str) -> CommandResult:
        self._emit(ev.CommandRejected(self.clock.now_ns(), command, target, reason))
        return CommandResult(False, reason)

    def _make_algo(self, parent_id: ParentId) -> Algo:
        parent = self.store.parent(parent_id)
        algo = self.algos[parent.algo](parent_id, self.algo_gateway, dict(parent.params))
        self._running_algos[parent_id] = algo
        return algo

    def _adopt_recovered(self, parent_id: ParentId) -> None:
        parent = self.store.parent(parent_id)
        self._make_algo(parent_id)
        if parent.status is OrdStatus.PENDING_CANCEL:
            self._settle(parent_id)
            return
        self._arm_end_timer(parent_id, parent.end_ns)
        if not parent.paused:
            self._emit(ev.ParentPaused(self.clock.now_ns(), parent_id, "recovered after restart: review and resume"))
