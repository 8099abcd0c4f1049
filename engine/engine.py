"""The engine facade: the only thing the app and the GUI call.

Every entry point (a command, a venue report, a timer) runs as one *turn* (engine/turns.py): events
are applied to the order store at once and staged; when the turn ends, in-turn followers (the OMS
gateway) stage their rows, the ledger commits everything in one transaction, and only then are
venue requests sent and events published to algos and subscribers.

Where a fill goes, in one walk: a venue calls `on_order_event(ChildFilled)` -> `Turns.emit` applies
it to `OrderStore` (deduplicated by venue and execution id; booked even against the order's state,
with an alert) -> `_on_applied` allocates it to the tickets (`TicketFlow.on_fill`, same transaction)
-> the turn commits (journal + FIX reports + OMS order map) -> `_dispatch` tells the algo, shrinks a
parent whose tickets were cut (`TicketFlow.follow_block`), settles a finished parent, and publishes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal

from engine import alert_acks, failpoints
from engine import events as ev
from engine.algo_gateway import AlgoGateway
from engine.algos.base import Algo
from engine.algos.registry import ALGOS
from engine.background_checkpoints import BackgroundCheckpoints
from engine.checkpoint import CheckpointError, counters_at, recover_with_checkpoint, write_checkpoint
from engine.clock import NS_PER_S, Clock
from engine.desk import TicketDesk
from engine.journal import RECALL_SPAN, Journal
from engine.market import MarketView
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
from engine.pipeline.pipeline import ChildPipeline
from engine.pipeline.sizing import ChildSizing
from engine.pipeline.venue_gateway import VenueGateway
from engine.recovery import Counters, RecoveryReport
from engine.results import CommandResult, SubmitResult
from engine.risk import RiskConfig, RiskLimits, from_limits
from engine.risk.limits import LimitsView
from engine.risk.service import RiskService
from engine.risk.snapshot import RiskSnapshot
from engine.routing.router import SmartRouter
from engine.store import OrderStore
from engine.ticket_flow import TicketFlow, TicketRequest
from engine.tickets.aggregation import AggregationRules
from engine.tickets.netting import CrossingPolicy
from engine.turns import Turns
from engine.venues.base import Venue
from engine.views import ChildView, FillView, ParentView, TicketRow

log = logging.getLogger(__name__)

Subscriber = Callable[[ev.Event], None]
_CHILD_DONE = (ev.ChildCanceled, ev.ChildRejected, ev.ChildExpired)
STATUS_WAIT_NS = 5 * NS_PER_S
"""How long recovery waits for the venues' status answers before the restart notice lists the rest
as unconfirmed."""


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
        checkpoint_on_close: bool = False,
        checkpoint_every_records: int = 0,
        child_sizing: ChildSizing | None = None,
        risk_config: RiskConfig | None = None,
        router: SmartRouter | None = None,
    ) -> None:
        self.clock = clock
        self.checkpoint_on_close = checkpoint_on_close
        self.checkpoints = BackgroundCheckpoints(journal, checkpoint_every_records)
        self.journal = journal
        self.instruments = dict(instruments)
        self.venues: dict[VenueId, Venue] = {v.venue_id: v for v in venues}
        self.algos = dict(algos or ALGOS)
        self.market = MarketView()
        self.store = OrderStore()
        self.desk = TicketDesk(self.instruments, aggregation, crossing)
        self.turns = Turns(self.store, journal, now_ns=clock.now_ns, on_applied=self._on_applied,
                           on_problem=self._on_problem, dispatch=self._dispatch, between_turns=self._between_turns)
        """The unit of work the flows get (emit, record, send, refuse)."""
        uow = self.turns
        self.gateway = VenueGateway(uow, self.store, clock, self.venues)
        self._parents = ParentFlow(uow, self.store, clock, self.market, self.instruments, self.algos, self.gateway)
        self.risk = RiskService(risk_config or from_limits(risk_limits or RiskLimits()), self.store, self.desk,
                                self.market, self.instruments, clock, uow, self.gateway, self._parents)
        """Pre-trade controls, positions and P&L, kill switches at every scope (engine/risk/, docs/risk.md)."""
        self._flow = TicketFlow(uow, self.store, self.desk, clock, self.market, self.instruments, self.algos,
                                self.risk.checks, self._parents)
        pipeline = ChildPipeline(uow, self.store, clock, self.market, self.instruments, self.risk.checks, self.gateway,
                                 list(self.venues), held=self._flow.has_pending_cuts, sizing=child_sizing,
                                 router=router)
        self.algo_gateway = AlgoGateway(uow, self.store, clock, self.market, self.instruments, pipeline, self.gateway,
                                        self._parents.market_since_start, self._publish_progress)
        """What algos may see and do (the `AlgoContext`); they never get the engine itself."""
        self._parents.bind(self._flow, self.algo_gateway)
        self._market_subscribers: list[Subscriber] = [self.algo_gateway.on_market_data]  # algos' touch watch
        self._progress: dict[ParentId, ev.AlgoProgress] = {}
        self._venue_up: dict[VenueId, bool] = dict.fromkeys(self.venues, False)
        self._subscribers: list[Subscriber] = []
        self._recovery: _Recovery | None = None
        self._journaled_events = 0
        self.events_processed = 0
        self.router = router
        """The smart order router (engine/routing/); None: the plain best-price router."""
        if router is not None:  # it follows its children and learns its scorecard from committed events
            router.attach(self.algo_gateway, self.market, self._fill_as_booked)
            self.subscribe(router.on_event)
            self.subscribe(router.on_market_data, market=True)

    # --- lifecycle ----------------------------------------------------------------------------------------

    def recover(self, *, reconcile: bool = True) -> RecoveryReport:
        """Rebuild order state from the journal. With `reconcile`, live parents come back paused for the
        trader to review, and `start()` asks each venue what it knows of the children the journal holds
        live: fills made while we were down arrive once (deduplicated by execution id), children a venue
        does not know or has closed are closed, the rest keep working. A `RestartRecovered` event (the
        GUI's restart notice) follows the venues' answers."""
        started = time.perf_counter()
        outcome = recover_with_checkpoint(self.journal, self.store, self.desk, freeze=False, also=self._flow.replay)
        for why in outcome.refused:
            log.warning("checkpoint not used: %s", why)
        report = outcome.report
        if self.router is not None:  # before this session journals anything: the scorecard's missed span
            self.router.catch_up(self._child_as_sent)
        self.risk.rebuild()  # positions came back with the store; what is in flight is rebuilt
        self.risk.rewarm(self.journal.recent)  # and the throttles' windows from the last window span
        self.risk.recall(self.journal.latest)  # and the risk panel's recent blocks, warnings and kills
        self._journaled_events = report.events
        self.checkpoints.recovered_at(report.records)
        self._flow.continue_numbering(report.next_parent)
        self.gateway.continue_numbering(report.next_child)
        if reconcile:
            with self.turns.turn():
                for parent_id in self.store.live_parent_ids():
                    self._parents.adopt_recovered(parent_id)
                for parent_id in self.desk.open_parent_ids():  # not every parent: restart time stays bounded
                    if self.store.parent(parent_id).status.is_terminal:
                        self._flow.on_parent_done(parent_id)  # the kill came between fill and close
                    elif self._flow.has_pending_cuts(parent_id):
                        self._flow.apply_pending_cuts(parent_id)  # (waits while children are live)
            if report.records:  # a fresh journal has nothing to report back on
                self._recovery = _Recovery(report, set(self.store.live_child_ids()), started)
        return report

    def start(self) -> None:
        """Connect every venue; reports flow in from then on. After a recovery, ask the venues about the
        children the journal holds live."""
        for venue in self.venues.values():
            venue.connect(self)
        recovery = self._recovery
        if recovery is not None:
            if recovery.asked:
                with self.turns.turn():
                    self.gateway.ask_status()
                self.clock.call_later(STATUS_WAIT_NS, self._finish_recovery)
            else:
                self._finish_recovery()

    def close(self) -> None:
        with self.turns.turn():
            self.risk.checks.flush_passes()  # the passes counted since the last record
        self._parents.stop_all()
        for venue in self.venues.values():
            venue.close()
        if self.router is not None:
            self.router.close()  # writes the venue scorecard
        self.checkpoints.wait()
        if self.checkpoint_on_close:
            self.checkpoint()
        self.journal.close()

    def _between_turns(self) -> None:
        """After each outermost turn (store, desk and journal agree): a background checkpoint when due."""
        if self.checkpoints.due() and not self._flow.any_pending_cuts():
            seq, counters = self._counters_now()
            self.checkpoints.start(seq, self.store, self.desk, counters)

    def _counters_now(self) -> tuple[int, Counters]:
        """The journal's last seq and the replay counters the state stands for (between turns)."""
        seq = self.journal.last_seq()
        return seq, counters_at(seq, self.store, self._journaled_events + self.turns.events_journaled)

    def checkpoint(self) -> int:
        """Write a checkpoint of the state at the journal's last record (between turns), so the next start
        restores it and replays only what follows; returns its size in bytes (0: not taken, and why is
        logged). Not while a ticket cut waits for its venues (that wait is the flows' own state)."""
        if self._flow.any_pending_cuts():
            log.warning("no checkpoint: a ticket cut waits for its venues")
            return 0
        seq, counters = self._counters_now()
        try:
            return write_checkpoint(self.journal.ledger.conn, seq, self.store, self.desk, counters)
        except CheckpointError as why:  # the journal stays the truth: the next start replays more
            log.warning("no checkpoint: %s", why)
            return 0

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
        confirmed: bool = False,
    ) -> SubmitResult:
        """A client ticket: validated, risk-checked, then joined to a compatible working parent (or a new one).
        A ticket breaching only soft limits comes back `needs_confirmation`; `confirmed=True` accepts it."""
        return self._flow.submit(TicketRequest(
            symbol, side, quantity, limit_price, algo, end_ns, start_ns, tuple(sorted((params or {}).items())),
            account, source, urgency, allow_cross, client_order_id, confirmed,
        ))

    def submit_basket(self, requests: Sequence[TicketRequest]) -> list[SubmitResult]:
        """Many tickets at once, all or nothing, in one journal transaction."""
        return self._flow.submit_basket(requests)

    def alert(self, severity: str, source: str, text: str, parent_id: str = "") -> None:
        """Raise an alert the trader sees (journaled, in the alerts panel): for gateways and adapters that
        meet a problem of their own (a FIX session closed on an error). An error about a live parent pauses it."""
        self._parents.alert(severity, source, parent_id, text)

    def acknowledge_alerts(self, keys: Sequence[str], through_ns: int = 0, by: str = "trader") -> CommandResult:
        """Journal the trader's acknowledgement of alerts (the alerts panel's keys, and with `through_ns` every
        alert raised at or before it), so the panel recalled after a restart shows them acknowledged."""
        return alert_acks.acknowledge(self.turns, self.clock.now_ns, keys, through_ns, by)

    def recent_events(self, types: Collection[type[ev.Event]], limit: int) -> list[ev.Event]:
        """The newest `limit` journaled events of these types among the journal's last `RECALL_SPAN` records,
        oldest first: what a panel lists again after a restart (bounded work whatever the day's size)."""
        return self.journal.latest([t.__name__ for t in types], limit, RECALL_SPAN)

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

    def kill(self, reason: str = "kill switch", by: str = "trader", *, scope: ev.RiskScope = ev.RiskScope.FIRM,
             key: str = "") -> CommandResult:
        """Kill a scope (the firm, a desk, account, instrument, parent or venue): new orders in it are blocked,
        its parents paused and its working children canceled, until `reenable`."""
        return self._parents.kill(reason, by, scope, key)

    def reenable(self, by: str = "trader", *, scope: ev.RiskScope = ev.RiskScope.FIRM, key: str = "",
                 reason: str = "") -> CommandResult:
        """Release a scope's kill (or REDUCING state), with the reason. Paused parents stay paused (`resume_all`)."""
        return self._parents.reenable(by, scope, key, reason)

    def resume_all(self, *, scope: ev.RiskScope = ev.RiskScope.FIRM, key: str = "",
                   by: str = "trader") -> CommandResult:
        """Resume every paused parent of a scope together (after a re-enable)."""
        return self._parents.resume_all(scope, key, by)

    def set_trading_state(self, scope: ev.RiskScope, key: str, state: ev.TradingState, reason: str,
                          by: str = "trader") -> CommandResult:
        """ACTIVE, REDUCING (only risk-reducing orders) or HALTED (a kill) for one scope."""
        return self.risk.kills.set_state(scope, key, state, reason, by)

    def set_limit(self, control: str, scope: str, key: str, value: Decimal | None, *, mode: str | None = None,
                  by: str = "trader", reason: str) -> CommandResult:
        """Change a risk control's value at one scope (firm, instrument, account, desk, venue; None: remove that
        scope's override, or at the firm keep its value) and/or its mode (hard, soft, off). For `[risk]
        limit_editors` only, with a reason; validated like the `[risk]` table; journaled, and in force from the
        next check and after a restart (on top of the file's limits)."""
        return self.risk.set_limit(control, scope, key, value, mode, by, reason)

    def risk_limits(self) -> LimitsView:
        """Every control's mode and values in force, and who may edit them (the limits editor)."""
        return self.risk.limits()

    def on_session_lost(self, source: str) -> CommandResult:
        """An order source's session dropped (the FIX acceptor: `fix:<client>`); with `[risk]
        cancel_on_oms_disconnect` its open tickets are canceled, else they keep working (an alert says so)."""
        return self.risk.session_lost(source, self._flow.cancel)

    def risk_snapshot(self) -> RiskSnapshot:
        """Positions and P&L, limit utilization, trading states and recent risk decisions (the risk panel)."""
        return self.risk.snapshot()

    # --- reading ----------------------------------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        store = self.store
        return EngineSnapshot(
            self.clock.now_ns(), tuple(store.parents()), tuple(store.children()), tuple(store.fills()),
            store.kill_engaged, store.kill_reason, tuple(self._venue_up.items()), tuple(self._progress.values()),
        )

    def parent(self, parent_id: ParentId) -> ParentView | None:
        return self.store.parent(parent_id) if self.store.has_parent(parent_id) else None

    def child(self, child_id: ChildId) -> ChildView | None:
        return self.store.child(child_id) if self.store.has_child(child_id) else None

    def children(self, parent_id: ParentId) -> list[ChildView]:
        return self.store.children(parent_id) if self.store.has_parent(parent_id) else []

    def fills_since(self, count: int) -> list[FillView]:
        """Fills after the first `count` (what a viewer that has seen `count` has not seen yet)."""
        return self.store.fills_since(count)

    def booked_fill(self, venue: str, fill_id: str) -> FillView | None:
        """One booked execution as it stands (a bust marks it)."""
        return self.store.booked_fill(venue, fill_id)

    @property
    def fill_count(self) -> int:
        return self.store.fill_count

    def kill_state(self) -> tuple[bool, str]:
        """(engaged, reason) of the kill switch."""
        return self.store.kill_engaged, self.store.kill_reason

    def ticket_ids(self, parent_id: ParentId) -> list[TicketId]:
        return self.desk.ticket_ids(parent_id)

    def algo(self, parent_id: ParentId) -> Algo | None:
        """The algo working `parent_id` (diagnostics and tests)."""
        return self._parents.running.get(parent_id)

    def subscribe(self, callback: Subscriber, *, market: bool = False) -> Callable[[], None]:
        """Order, risk and algo events (or market data with `market=True`), after they are journaled."""
        target = self._market_subscribers if market else self._subscribers
        target.append(callback)
        return lambda: target.remove(callback) if callback in target else None

    def follow_in_turn(self, callback: Subscriber) -> Callable[[], None]:
        """Every applied event as it is emitted, BEFORE its turn commits, for a gateway that stages its own
        rows in the same ledger transaction (the OMS gateway's reports and order map). It must not act on
        the world."""
        return self.turns.follow(callback)

    def turn(self) -> AbstractContextManager[None]:
        """Open (or join) a turn: everything done inside commits in one transaction when it closes (a
        gateway wraps each batch of a socket read's messages in it, so a message, the ticket it makes and its
        answer commit together)."""
        return self.turns.turn()

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
        if type(event) is ev.ChildFilled:
            failpoints.hit("venue.fill")
        elif type(event) is ev.ChildFillBusted:
            failpoints.hit("venue.bust")
        with self.turns.turn():
            self.turns.emit(event)

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        if isinstance(event, ev.BookUpdated):
            self.market.on_book(event)
        else:
            self.market.on_trade(event)
        self.risk.on_market(event)
        self.events_processed += 1
        for subscriber in self._market_subscribers:
            self._deliver(subscriber, event)

    def on_venue_status(self, event: ev.VenueStatusChanged) -> None:
        self._venue_up[event.venue] = event.connected
        with self.turns.turn():
            self.turns.emit(event)
            self.risk.automatic.venue_status(event)  # cancel-on-disconnect

    # --- internals ----------------------------------------------------------------------------------------------

    def _on_applied(self, event: ev.Event) -> None:
        """In-turn consequences that must commit with the event itself."""
        if isinstance(event, ev.ChildFilled):
            self._flow.on_fill(event)
        elif isinstance(event, ev.ChildStatusReported):
            self._on_status(event)
        elif isinstance(event, ev.ChildFillBusted):
            self._on_bust(event)
        self.risk.checks.on_event(event)  # in flight, rates, automatic kills

    def _on_bust(self, bust: ev.ChildFillBusted) -> None:
        """An execution busted by its venue: an error alert, which pauses the parent while it is live."""
        fill = self.store.booked_fill(bust.venue, bust.fill_id)
        if fill is None:
            return
        parent = self.store.parent(fill.parent_id)
        booked = f"{fill.quantity:,} @ {fill.price}"
        head = (f"{bust.venue} busted execution {bust.fill_id} ({booked}) of child {bust.child_id}"
                f"{': ' + bust.text if bust.text else ''}. Filled now {parent.cum_qty:,} of {parent.quantity:,}; "
                "the tickets keep their allocations (as the OMS was told)")
        if parent.status.is_live:
            tail = f"; resume the parent to work the {fill.quantity:,} shares again, or cancel it"
        else:
            tail = f"; the parent is {parent.status.name.lower()}: the {fill.quantity:,} shares are owed at the street"
        self._parents.alert("error", f"venue {bust.venue}", fill.parent_id, head + tail)

    def _fill_as_booked(self, venue: str, fill_id: str) -> tuple[FillView, ev.ChildSubmitted] | None:
        """A booked execution and its child's order as sent (the scorecard unlearns a busted one)."""
        fill = self.store.booked_fill(venue, fill_id)
        return None if fill is None else (fill, self.store.submitted(fill.child_id))

    def _child_as_sent(self, child_id: ChildId) -> tuple[ev.ChildSubmitted, int] | None:
        """A child's order as sent and what it has executed (the scorecard's catch-up)."""
        if not self.store.has_child(child_id):
            return None
        return self.store.submitted(child_id), self.store.child(child_id).cum_qty

    def _on_problem(self, severity: str, source: str, parent_id: str, text: str) -> None:
        self._parents.alert(severity, source, parent_id, text)

    def _on_status(self, report: ev.ChildStatusReported) -> None:
        """A venue's answer about a child after a restart: close what it does not know or has closed."""
        recovery = self._recovery
        if not self.store.has_child(report.child_id):
            self._parents.alert("warning", f"venue {report.venue}", "",
                                f"status of an order this engine never sent: {report.child_id}")
            return
        was_live = self.store.child(report.child_id).status.is_live
        reason = ""
        if was_live and not report.known:
            reason = f"{report.venue} does not know the order after the restart: {report.text or 'closed'}"
        elif was_live and report.status is not None and report.status.is_terminal \
                and report.status is not OrdStatus.FILLED:
            reason = f"{report.venue} reports it {report.status.name.lower()}: {report.text}"
        if reason:
            self.turns.emit(ev.ChildCanceled(report.ts_ns, report.child_id, reason))
        if recovery is not None:
            recovery.asked.discard(report.child_id)
            if reason:
                recovery.closed.append((report.child_id, reason))
            elif was_live:
                recovery.live.append(report.child_id)
            if not recovery.asked:
                self.clock.call_later(0, self._finish_recovery)

    def _finish_recovery(self) -> None:
        recovery, self._recovery = self._recovery, None
        if recovery is None:
            return
        if self.router is not None:  # the venues have answered: the store holds what is still live
            followed = self.router.resume(self.store.followed_decisions(), self.store.child)
            log.info("recovery: the router follows %d live children again", followed)
        unconfirmed = sorted(recovery.asked)
        parents = tuple(
            (p.parent_id, f"{'paused' if p.paused else 'working'}, {p.status.name.lower().replace('_', ' ')}, "
                          f"{p.symbol} {p.side.name} {p.cum_qty:,} of {p.quantity:,} filled")
            for p in map(self.store.parent, self.store.live_parent_ids())
        )
        live = tuple(recovery.live) + tuple(ChildId(c) for c in unconfirmed)
        with self.turns.turn():
            self.turns.emit(ev.RestartRecovered(
                self.clock.now_ns(), recovery.report.records, recovery.report.from_checkpoint, parents, live,
                tuple(recovery.closed), round(time.perf_counter() - recovery.started, 3)))
            for child_id in unconfirmed:
                parent_id = self.store.child(child_id).parent_id
                self._parents.alert("warning", "recovery", parent_id,
                                    f"child {child_id}: its venue has not confirmed its status since the restart")

    def _dispatch(self, event: ev.Event) -> None:
        self.events_processed += 1
        if isinstance(event, ev.ChildFilled):
            self._after_child_event(event.parent_id, event.child_id, fill=event)
        elif isinstance(event, _CHILD_DONE) and self.store.has_child(event.child_id):
            if self.store.child_status(event.child_id).is_terminal:
                self._after_child_event(self.store.child_parent(event.child_id), event.child_id, fill=None)
        elif isinstance(event, ev.RiskBlocked):
            self._parents.pause_on_risk_block(event)
        for subscriber in self._subscribers:
            self._deliver(subscriber, event)

    def _after_child_event(self, parent_id: ParentId, child_id: ChildId, fill: ev.ChildFilled | None) -> None:
        if self.store.child_status(child_id).is_terminal:
            with self.turns.turn():
                self._flow.apply_pending_cuts(parent_id)  # ticket cuts waiting for the venues to confirm
                self._flow.follow_block(parent_id)  # a parent held up for this child's shares may shrink now
        algo = self._parents.running.get(parent_id)
        if algo is not None and algo.running:
            try:
                if fill is not None:
                    algo.on_fill(fill)
                if self.store.child_status(child_id).is_terminal:
                    algo.on_child_done(child_id)
            except Exception as exc:  # an algo bug must not take the desk down: stop it, show it
                log.exception("algo %s failed on %s", algo.name, parent_id)
                algo.stop()
                self._parents.alert("error", f"algo {algo.name}", parent_id, f"algo error: {exc}")
        self._parents.settle(parent_id)

    def _deliver(self, subscriber: Subscriber, event: ev.Event) -> None:
        try:
            subscriber(event)
        except Exception:
            log.exception("subscriber %r failed on %s", subscriber, type(event).__name__)

    def _publish_progress(self, progress: ev.AlgoProgress) -> None:
        self._progress[progress.parent_id] = progress
        with self.turns.turn():
            self.turns.emit(progress)


@dataclass(slots=True)
class _Recovery:
    """What a recovery is waiting for: the venues' answers about the children the journal holds live."""

    report: RecoveryReport
    asked: set[ChildId]
    started: float
    live: list[ChildId] = field(default_factory=list)
    closed: list[tuple[ChildId, str]] = field(default_factory=list)
