"""Parents after they are accepted: the trader's commands on them (cancel, amend, pause, resume, kill
switch) and their lifecycle (algo start and stop, end-time timer, resize, settle when nothing works).

It owns the parents' algos, end timers and start marks. It works through the unit of work it is
given (`Turns`: emit, record, send, refuse) and the venue gateway (child cancels); every command is
journaled first and either refused with a reason or applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from engine import commands as cmd
from engine import events as ev
from engine.algos.base import Algo, AlgoContext
from engine.clock import Clock, TimerHandle
from engine.market import MarketView, VolumeMark
from engine.model import Instrument, OrdStatus, ParentId, Symbol
from engine.pipeline.venue_gateway import VenueGateway
from engine.results import CommandResult
from engine.risk.child_checks import TRANSIENT
from engine.store import OrderStore
from engine.turns import Turns
from engine.validation import Invalid, check_end, check_limit, check_quantity, unrecordable_quantity
from engine.views import ParentView

log = logging.getLogger(__name__)
FIRM = ev.RiskScope.FIRM


class TicketSide(Protocol):
    """What the parent flow asks of the ticket flow."""

    def amend_parent(
        self, parent: ParentView, quantity: int, limit: Decimal | None, end_ns: int, *, trader_limit: bool
    ) -> CommandResult: ...

    def on_parent_done(self, parent_id: ParentId) -> None: ...

    def follow_block(self, parent_id: ParentId) -> None: ...


class Kills(Protocol):
    """What the parent flow asks of the kill switches (engine/risk/kill.py)."""

    def kill(self, scope: ev.RiskScope, key: str, reason: str, by: str) -> CommandResult: ...

    def reenable(self, scope: ev.RiskScope, key: str, reason: str, by: str) -> CommandResult: ...

    def resume_all(self, scope: ev.RiskScope, key: str, by: str) -> CommandResult: ...

    def halted_scope(self, parent_id: ParentId) -> str: ...


class ParentFlow:
    """The engine's parent operations and the algos that work them."""

    def __init__(
        self, uow: Turns, store: OrderStore, clock: Clock, market: MarketView, instruments: Mapping[Symbol, Instrument],
        algos: Mapping[str, type[Algo]], gateway: VenueGateway,
    ) -> None:
        self.uow = uow
        self.store = store
        self.clock = clock
        self.market = market
        self.instruments = instruments
        self.algos = algos
        self.gateway = gateway
        self.tickets: TicketSide | None = None
        self.algo_context: AlgoContext | None = None
        self.kills: Kills | None = None
        self.running: dict[ParentId, Algo] = {}
        self._end_timers: dict[ParentId, TimerHandle] = {}
        self._expiring: set[ParentId] = set()
        self._start_marks: dict[ParentId, VolumeMark] = {}

    def bind(self, tickets: TicketSide, algo_context: AlgoContext) -> None:
        """The two collaborators built after this flow (they call back into it)."""
        self.tickets = tickets
        self.algo_context = algo_context

    # --- trader commands ------------------------------------------------------------------------------

    def cancel(self, parent_id: ParentId, reason: str = "trader cancel") -> CommandResult:
        """Stop the algo and cancel every working child; the parent is CANCELED once they are all done."""
        uow = self.uow
        with uow.turn():
            uow.record(cmd.CancelParent(self.clock.now_ns(), parent_id, reason))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return uow.refuse("CancelParent", parent_id, problem)
            if self.store.parent(parent_id).status is OrdStatus.PENDING_CANCEL:
                return uow.refuse("CancelParent", parent_id, "cancel already pending")
            self.cancel_parent(parent_id, reason)
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
        unrecordable = unrecordable_quantity(quantity)
        if unrecordable:
            return CommandResult(False, unrecordable)
        uow = self.uow
        now = self.clock.now_ns()
        with uow.turn():
            uow.record(cmd.AmendParent(now, parent_id, quantity, limit_price, clear_limit, end_ns))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return uow.refuse("AmendParent", parent_id, problem)
            parent = self.store.parent(parent_id)
            if parent.status not in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
                return uow.refuse("AmendParent", parent_id, f"cannot amend while {parent.status.name}")
            instrument = self.instruments[parent.symbol]
            new_qty = check_quantity(parent.quantity if quantity is None else quantity, instrument,
                                     at_least=parent.cum_qty)
            new_limit = None if clear_limit else check_limit(
                parent.limit_price if limit_price is None else limit_price, instrument)
            new_end = check_end(parent.end_ns if end_ns is None else end_ns, parent.start_ns, now)
            for checked in (new_qty, new_limit, new_end):
                if isinstance(checked, Invalid):
                    return uow.refuse("AmendParent", parent_id, checked.reason)
            assert isinstance(new_qty, int) and isinstance(new_end, int) and not isinstance(new_limit, Invalid)
            return self._tickets().amend_parent(parent, new_qty, new_limit, new_end,
                                                trader_limit=limit_price is not None or clear_limit)

    def pause(self, parent_id: ParentId, reason: str = "trader pause") -> CommandResult:
        """Stop sending children and cancel the working ones; the parent keeps its place until resumed."""
        uow = self.uow
        with uow.turn():
            uow.record(cmd.PauseParent(self.clock.now_ns(), parent_id))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return uow.refuse("PauseParent", parent_id, problem)
            self.pause_parent(parent_id, reason)
            return CommandResult(True)

    def resume(self, parent_id: ParentId) -> CommandResult:
        uow = self.uow
        with uow.turn():
            uow.record(cmd.ResumeParent(self.clock.now_ns(), parent_id))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return uow.refuse("ResumeParent", parent_id, problem)
            halted = self._kills().halted_scope(parent_id)
            if halted:
                return uow.refuse("ResumeParent", parent_id, f"{halted}: re-enable first")
            parent = self.store.parent(parent_id)
            if not parent.paused:
                return uow.refuse("ResumeParent", parent_id, "not paused")
            if parent.status is OrdStatus.PENDING_CANCEL:
                return uow.refuse("ResumeParent", parent_id, "cancel pending")
            uow.emit(ev.ParentResumed(self.clock.now_ns(), parent_id))
            algo = self.running.get(parent_id) or self.make_algo(parent_id)
            uow.send(algo.wake if algo.running else algo.start)
            return CommandResult(True)

    def kill(self, reason: str = "kill switch", by: str = "trader", scope: ev.RiskScope = FIRM,
             key: str = "") -> CommandResult:
        """Block new orders in the scope, pause its live parents and cancel its working children, until
        `reenable` (engine/risk/kill.py)."""
        return self._kills().kill(scope, key, reason, by)

    def reenable(self, by: str = "trader", scope: ev.RiskScope = FIRM, key: str = "",
                 reason: str = "") -> CommandResult:
        """Release a kill (or a REDUCING state), with the reason. Paused parents stay paused (`resume_all`)."""
        return self._kills().reenable(scope, key, reason, by)

    def resume_all(self, scope: ev.RiskScope = FIRM, key: str = "", by: str = "trader") -> CommandResult:
        """Resume every paused parent in the scope together."""
        return self._kills().resume_all(scope, key, by)

    # --- lifecycle ------------------------------------------------------------------------------------

    def pause_parent(self, parent_id: ParentId, reason: str) -> None:
        """Pause (if not already) and cancel the working children: the algo sends nothing until resumed."""
        if not self.store.parent(parent_id).paused:
            self.uow.emit(ev.ParentPaused(self.clock.now_ns(), parent_id, reason))
        self.gateway.cancel_all(parent_id, f"paused: {reason}")

    def alert(self, severity: str, source: str, parent_id: str, text: str) -> None:
        """Raise an alert the trader sees; an error on a live parent also pauses it (and cancels its children)."""
        with self.uow.turn():
            self.uow.emit(ev.AlertRaised(self.clock.now_ns(), severity, source, parent_id, text))
            log.warning("alert (%s, %s, %s): %s", severity, source, parent_id or "-", text)
            if severity == "error" and self.store.has_parent(parent_id):
                pid = ParentId(parent_id)
                if self.store.parent(pid).status.is_live:
                    self.pause_parent(pid, f"alert: {text}")

    def settle(self, parent_id: ParentId) -> None:
        """Close a parent once nothing of it works any more: canceled, expired or filled."""
        parent = self.store.parent(parent_id)
        if parent.status.is_terminal:
            self.stop_algo(parent_id)
            with self.uow.turn():
                self._tickets().on_parent_done(parent_id)
            return
        if self.store.live_child_ids(parent_id):
            return
        with self.uow.turn():
            if parent.status is OrdStatus.PENDING_CANCEL:
                self.uow.emit(ev.ParentCanceled(self.clock.now_ns(), parent_id, parent.text or "canceled"))
            elif parent_id in self._expiring:
                self.uow.emit(ev.ParentExpired(self.clock.now_ns(), parent_id,
                                               f"end time reached with {parent.leaves_qty:,} unfilled"))
            else:
                return
            self._tickets().on_parent_done(parent_id)
        self.stop_algo(parent_id)

    def on_end_time(self, parent_id: ParentId) -> None:
        with self.uow.turn():
            parent = self.store.parent(parent_id)
            if parent.status.is_terminal:
                return
            self._expiring.add(parent_id)
            self.stop_algo(parent_id)
            self.gateway.cancel_all(parent_id, "parent end time")
            self.settle(parent_id)

    def arm_end_timer(self, parent_id: ParentId, end_ns: int) -> None:
        old = self._end_timers.pop(parent_id, None)
        if old is not None:
            old.cancel()
        self._end_timers[parent_id] = self.clock.call_at(end_ns, lambda: self.on_end_time(parent_id))

    def start_algo(self, parent_id: ParentId, params: Mapping[str, str]) -> None:
        parent = self.store.parent(parent_id)
        self._start_marks[parent_id] = self.market.mark(parent.symbol)
        algo = self.algos[parent.algo](parent_id, self._context(), params)
        self.running[parent_id] = algo
        self.arm_end_timer(parent_id, parent.end_ns)
        self.uow.send(algo.start)

    def cancel_parent(self, parent_id: ParentId, reason: str) -> None:
        self.uow.emit(ev.ParentCancelRequested(self.clock.now_ns(), parent_id, reason))
        self.stop_algo(parent_id)
        self.gateway.cancel_all(parent_id, reason)
        self.settle(parent_id)

    def resize_parent(
        self, parent_id: ParentId, quantity: int, limit: Decimal | None, end_ns: int, *, cancel_children: bool
    ) -> None:
        """Apply a new quantity / limit / end to a working parent; the algo recalibrates. With
        `cancel_children` the working children are cancelled (the parent keeps room for them until the
        venues confirm: see TicketFlow.follow_block)."""
        parent = self.store.parent(parent_id)
        self.uow.emit(ev.ParentAmended(self.clock.now_ns(), parent_id, quantity, limit, end_ns))
        if end_ns != parent.end_ns:
            self.arm_end_timer(parent_id, end_ns)
        if cancel_children or limit != parent.limit_price:
            self.gateway.cancel_all(parent_id, "parent amended")
        algo = self.running.get(parent_id)
        if algo is not None:
            self.uow.send(algo.on_amended)
        self.settle(parent_id)

    def stop_algo(self, parent_id: ParentId) -> None:
        algo = self.running.get(parent_id)
        if algo is not None:
            algo.stop()
        timer = self._end_timers.pop(parent_id, None) if self.store.parent(parent_id).status.is_terminal else None
        if timer is not None:
            timer.cancel()

    def stop_all(self) -> None:
        for algo in self.running.values():
            algo.stop()
        for timer in self._end_timers.values():
            timer.cancel()

    def make_algo(self, parent_id: ParentId) -> Algo:
        parent = self.store.parent(parent_id)
        algo = self.algos[parent.algo](parent_id, self._context(), dict(parent.params))
        self.running[parent_id] = algo
        return algo

    def adopt_recovered(self, parent_id: ParentId) -> None:
        parent = self.store.parent(parent_id)
        self.make_algo(parent_id)
        if parent.status is OrdStatus.PENDING_CANCEL:
            self.settle(parent_id)
            return
        self.arm_end_timer(parent_id, parent.end_ns)
        if not parent.paused:
            self.uow.emit(ev.ParentPaused(self.clock.now_ns(), parent_id, "recovered after restart: review and resume"))

    def pause_on_risk_block(self, event: ev.RiskBlocked) -> None:
        """A blocked child stops its algo (it would retry forever); the trader decides what next."""
        if event.rule in TRANSIENT or not self.store.has_parent(event.parent_id):
            return  # a rate, a session or a scope the kill already paused: the algo tries again on its next wake
        parent = self.store.parent(ParentId(event.parent_id))
        if parent.status.is_live and not parent.paused:
            with self.uow.turn():
                self.uow.emit(ev.ParentPaused(event.ts_ns, parent.parent_id, f"risk: {event.reason}"))

    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]:
        """Market volume and VWAP since the parent was accepted."""
        symbol = self.store.parent_symbol(parent_id)
        mark = self._start_marks.get(parent_id)
        if mark is None:
            mark = self._start_marks[parent_id] = self.market.mark(symbol)
        return self.market.volume_since(symbol, mark)

    def live_parent_problem(self, parent_id: ParentId) -> str:
        if not self.store.has_parent(parent_id):
            return f"unknown parent {parent_id}"
        status = self.store.parent_status(parent_id)
        return f"parent is {status.name}" if status.is_terminal else ""

    def _tickets(self) -> TicketSide:
        assert self.tickets is not None, "ParentFlow.bind() was not called"
        return self.tickets

    def _kills(self) -> Kills:
        assert self.kills is not None, "the engine binds the kill switches"
        return self.kills

    def _context(self) -> AlgoContext:
        assert self.algo_context is not None, "ParentFlow.bind() was not called"
        return self.algo_context

