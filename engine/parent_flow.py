"""Parents after they are accepted: the trader's commands on them (cancel, amend, pause, resume, kill
switch) and their lifecycle (algo start and stop, end-time timer, resize, settle when nothing works).

Runs inside the engine's turns and uses its internals, like `TicketFlow`; only `Engine` and the flows
call it. Every command is journaled first and either refused with a reason or applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from engine import commands as cmd
from engine import events as ev
from engine.algos.base import Algo
from engine.model import OrdStatus, ParentId
from engine.results import CommandResult
from engine.validation import Invalid, check_end, check_limit, check_quantity

if TYPE_CHECKING:
    from engine.engine import Engine

log = logging.getLogger(__name__)


class ParentFlow:
    """The engine's parent operations."""

    def __init__(self, engine: Engine) -> None:
        self.e = engine

    def cancel(self, parent_id: ParentId, reason: str = "trader cancel") -> CommandResult:
        """Stop the algo and cancel every working child; the parent is CANCELED once they are all done."""
        with self.e._turn():
            self.e._record(cmd.CancelParent(self.e.clock.now_ns(), parent_id, reason))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return self.e._refuse("CancelParent", parent_id, problem)
            if self.e.store.parent(parent_id).status is OrdStatus.PENDING_CANCEL:
                return self.e._refuse("CancelParent", parent_id, "cancel already pending")
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
        now = self.e.clock.now_ns()
        with self.e._turn():
            self.e._record(cmd.AmendParent(now, parent_id, quantity, limit_price, clear_limit, end_ns))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return self.e._refuse("AmendParent", parent_id, problem)
            parent = self.e.store.parent(parent_id)
            if parent.status not in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
                return self.e._refuse("AmendParent", parent_id, f"cannot amend while {parent.status.name}")
            instrument = self.e.instruments[parent.symbol]
            new_qty = check_quantity(parent.quantity if quantity is None else quantity, instrument,
                                     at_least=parent.cum_qty)
            new_limit = None if clear_limit else check_limit(
                parent.limit_price if limit_price is None else limit_price, instrument)
            new_end = check_end(parent.end_ns if end_ns is None else end_ns, parent.start_ns, now)
            for checked in (new_qty, new_limit, new_end):
                if isinstance(checked, Invalid):
                    return self.e._refuse("AmendParent", parent_id, checked.reason)
            assert isinstance(new_qty, int) and isinstance(new_end, int) and not isinstance(new_limit, Invalid)
            return self.e._flow.amend_parent(parent, new_qty, new_limit, new_end,
                                             trader_limit=limit_price is not None or clear_limit)

    def pause(self, parent_id: ParentId, reason: str = "trader pause") -> CommandResult:
        """Stop sending children and cancel the working ones; the parent keeps its place until resumed."""
        with self.e._turn():
            self.e._record(cmd.PauseParent(self.e.clock.now_ns(), parent_id))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return self.e._refuse("PauseParent", parent_id, problem)
            if not self.e.store.parent(parent_id).paused:
                self.e._emit(ev.ParentPaused(self.e.clock.now_ns(), parent_id, reason))
            self.e._cancel_children(parent_id, f"paused: {reason}")
            return CommandResult(True)

    def resume(self, parent_id: ParentId) -> CommandResult:
        with self.e._turn():
            self.e._record(cmd.ResumeParent(self.e.clock.now_ns(), parent_id))
            problem = self.live_parent_problem(parent_id)
            if problem:
                return self.e._refuse("ResumeParent", parent_id, problem)
            if self.e.store.kill_engaged:
                return self.e._refuse("ResumeParent", parent_id, "kill switch engaged: re-enable first")
            parent = self.e.store.parent(parent_id)
            if not parent.paused:
                return self.e._refuse("ResumeParent", parent_id, "not paused")
            if parent.status is OrdStatus.PENDING_CANCEL:
                return self.e._refuse("ResumeParent", parent_id, "cancel pending")
            self.e._emit(ev.ParentResumed(self.e.clock.now_ns(), parent_id))
            algo = self.e._running_algos.get(parent_id)
            if algo is None:
                algo = self.make_algo(parent_id)
            if not algo.running:
                self.e._outbox.append(algo.start)
            else:
                self.e._outbox.append(algo.wake)
            return CommandResult(True)

    def kill(self, reason: str = "kill switch", by: str = "trader") -> CommandResult:
        """Block new parents, pause every live parent and cancel every working child, until `reenable`."""
        now = self.e.clock.now_ns()
        with self.e._turn():
            self.e._record(cmd.EngageKill(now, reason, by))
            if self.e.store.kill_engaged:
                return self.e._refuse("EngageKill", "", "kill switch already engaged")
            self.e._emit(ev.KillEngaged(now, reason, by))
            for parent_id in self.e.store.live_parent_ids():
                if not self.e.store.parent(parent_id).paused:
                    self.e._emit(ev.ParentPaused(now, parent_id, "kill switch"))
            for child_id in self.e.store.live_child_ids():
                self.e._cancel_child(child_id, "kill switch")
            return CommandResult(True)

    def reenable(self, by: str = "trader") -> CommandResult:
        """Release the kill switch. Paused parents stay paused until resumed one by one."""
        with self.e._turn():
            self.e._record(cmd.ReleaseKill(self.e.clock.now_ns(), by))
            if not self.e.store.kill_engaged:
                return self.e._refuse("ReleaseKill", "", "kill switch is not engaged")
            self.e._emit(ev.KillReleased(self.e.clock.now_ns(), by))
            return CommandResult(True)

    def settle(self, parent_id: ParentId) -> None:
        """Close a parent once nothing of it works any more: canceled, expired or filled."""
        parent = self.e.store.parent(parent_id)
        if parent.status.is_terminal:
            self.stop_algo(parent_id)
            with self.e._turn():
                self.e._flow.on_parent_done(parent_id)
            return
        if self.e.store.live_child_ids(parent_id):
            return
        with self.e._turn():
            if parent.status is OrdStatus.PENDING_CANCEL:
                self.e._emit(ev.ParentCanceled(self.e.clock.now_ns(), parent_id, parent.text or "canceled"))
            elif parent_id in self.e._expiring:
                self.e._emit(ev.ParentExpired(self.e.clock.now_ns(), parent_id,
                                            f"end time reached with {parent.leaves_qty:,} unfilled"))
            else:
                return
            self.e._flow.on_parent_done(parent_id)
        self.stop_algo(parent_id)

    def on_end_time(self, parent_id: ParentId) -> None:
        with self.e._turn():
            parent = self.e.store.parent(parent_id)
            if parent.status.is_terminal:
                return
            self.e._expiring.add(parent_id)
            self.stop_algo(parent_id)
            self.e._cancel_children(parent_id, "parent end time")
            self.settle(parent_id)

    def arm_end_timer(self, parent_id: ParentId, end_ns: int) -> None:
        old = self.e._end_timers.pop(parent_id, None)
        if old is not None:
            old.cancel()
        self.e._end_timers[parent_id] = self.e.clock.call_at(end_ns, lambda: self.on_end_time(parent_id))

    def start_algo(self, parent_id: ParentId, params: Mapping[str, str]) -> None:
        parent = self.e.store.parent(parent_id)
        self.e._start_marks[parent_id] = self.e.market.mark(parent.symbol)
        algo = self.e.algos[parent.algo](parent_id, self.e.algo_gateway, params)
        self.e._running_algos[parent_id] = algo
        self.arm_end_timer(parent_id, parent.end_ns)
        self.e._outbox.append(algo.start)

    def cancel_parent(self, parent_id: ParentId, reason: str) -> None:
        self.e._emit(ev.ParentCancelRequested(self.e.clock.now_ns(), parent_id, reason))
        self.stop_algo(parent_id)
        self.e._cancel_children(parent_id, reason)
        self.settle(parent_id)

    def resize_parent(self, parent_id: ParentId, quantity: int, limit: Decimal | None, end_ns: int) -> None:
        """Apply a new quantity / limit / end to a working parent; the algo recalibrates."""
        parent = self.e.store.parent(parent_id)
        self.e._emit(ev.ParentAmended(self.e.clock.now_ns(), parent_id, quantity, limit, end_ns))
        if end_ns != parent.end_ns:
            self.arm_end_timer(parent_id, end_ns)
        if quantity < parent.cum_qty + parent.working_qty or limit != parent.limit_price:
            self.e._cancel_children(parent_id, "parent amended")
        algo = self.e._running_algos.get(parent_id)
        if algo is not None:
            self.e._outbox.append(algo.on_amended)
        self.settle(parent_id)

    def stop_algo(self, parent_id: ParentId) -> None:
        algo = self.e._running_algos.get(parent_id)
        if algo is not None:
            algo.stop()
        timer = self.e._end_timers.pop(parent_id, None) if self.e.store.parent(parent_id).status.is_terminal else None
        if timer is not None:
            timer.cancel()

    def make_algo(self, parent_id: ParentId) -> Algo:
        parent = self.e.store.parent(parent_id)
        algo = self.e.algos[parent.algo](parent_id, self.e.algo_gateway, dict(parent.params))
        self.e._running_algos[parent_id] = algo
        return algo

    def adopt_recovered(self, parent_id: ParentId) -> None:
        parent = self.e.store.parent(parent_id)
        self.make_algo(parent_id)
        if parent.status is OrdStatus.PENDING_CANCEL:
            self.settle(parent_id)
            return
        self.arm_end_timer(parent_id, parent.end_ns)
        if not parent.paused:
            self.e._emit(ev.ParentPaused(self.e.clock.now_ns(), parent_id,
                                         "recovered after restart: review and resume"))

    def pause_on_risk_block(self, event: ev.RiskBlocked) -> None:
        """A blocked child stops its algo (it would retry forever); the trader decides what next."""
        if event.rule == "kill_switch" or not self.e.store.has_parent(event.parent_id):
            return
        parent = self.e.store.parent(ParentId(event.parent_id))
        if parent.status.is_live and not parent.paused:
            with self.e._turn():
                self.e._emit(ev.ParentPaused(event.ts_ns, parent.parent_id, f"risk: {event.reason}"))

    def live_parent_problem(self, parent_id: ParentId) -> str:
        if not self.e.store.has_parent(parent_id):
            return f"unknown parent {parent_id}"
        status = self.e.store.parent(parent_id).status
        return f"parent is {status.name}" if status.is_terminal else ""
