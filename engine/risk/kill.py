"""Kill switches at every scope (firm, desk, account, instrument, parent, venue), trading states, re-enable and
bulk resume.

A kill blocks new orders in its scope (the pre-trade checks read the state), pauses the live parents in it
(their algos send nothing), cancels every working child in it (lit and dark), and says what it did
(`ScopeKilled` + an alert). Re-enabling is explicit, with a reason, and journaled; the parents stay paused
until resumed (`resume_all` resumes a scope's paused parents together). Who may kill and who may re-enable
is the configuration's (`kill_users`, `reenable_users`); the automatic kills act as "risk".
"""

from __future__ import annotations

from collections.abc import Callable

from engine import commands as cmd
from engine import events as ev
from engine.clock import Clock
from engine.model import ChildId, ParentId
from engine.pipeline.venue_gateway import VenueGateway
from engine.results import CommandResult
from engine.risk.checks import RiskEngine
from engine.store import OrderStore
from engine.turns import Turns

S = ev.RiskScope
T = ev.TradingState
AUTOMATIC = "risk"


def scope_name(scope: ev.RiskScope, key: str) -> str:
    return "firm" if scope is S.FIRM else f"{scope.value} {key}"


class KillSwitches:
    """Kills, trading states and bulk resume, through the unit of work (everything journaled first)."""

    def __init__(self, uow: Turns, store: OrderStore, clock: Clock, gateway: VenueGateway, risk: RiskEngine,
                 resume: Callable[[ParentId], CommandResult]) -> None:
        self.uow = uow
        self.store = store
        self.clock = clock
        self.gateway = gateway
        self.risk = risk
        self._resume = resume

    # --- commands -----------------------------------------------------------------------------------------

    def kill(self, scope: ev.RiskScope, key: str, reason: str, by: str, *, automatic: bool = False) -> CommandResult:
        uow, now = self.uow, self.clock.now_ns()
        with uow.turn():
            if scope is S.FIRM:
                uow.record(cmd.EngageKill(now, reason, by))
            else:
                uow.record(cmd.KillScope(now, scope.value, key, reason, by))
            command = "EngageKill" if scope is S.FIRM else "KillScope"
            refused = self._refusal(scope, key, by, "kill", automatic)
            if refused:
                return uow.refuse(command, key, refused)
            if self.risk.state_of(scope, key) is T.HALTED:
                return uow.refuse(command, key, "kill switch already engaged" if scope is S.FIRM else
                                  f"{scope_name(scope, key)} is already halted")
            if scope is S.FIRM:
                uow.emit(ev.KillEngaged(now, reason, by))
            else:
                uow.emit(ev.TradingStateChanged(now, scope, key, T.HALTED, reason, by, automatic))
            label = "kill switch" if scope is S.FIRM else f"kill switch: {scope_name(scope, key)}"
            parents = self.parents_in(scope, key)
            paused = []
            for parent_id in parents:
                if not self.store.parent(parent_id).paused:
                    uow.emit(ev.ParentPaused(now, parent_id, label))
                    paused.append(parent_id)
            children = self.children_in(scope, key, parents)
            for child_id in children:
                self.gateway.cancel(child_id, label)
            uow.emit(ev.ScopeKilled(now, scope, key, reason, by, tuple(paused), tuple(children), automatic))
            what = "automatic kill" if automatic else f"kill by {by}"
            uow.emit(ev.AlertRaised(now, "error", "kill switch", key if scope is S.PARENT else "",
                                    f"{what}, {scope_name(scope, key)}: {reason}: {len(paused)} parent(s) paused, "
                                    f"{len(children)} child order(s) canceled; new orders blocked until re-enabled"
                                    + self._shared(scope, key, paused)))
            return CommandResult(True)

    def reenable(self, scope: ev.RiskScope, key: str, reason: str, by: str) -> CommandResult:
        """Back to ACTIVE (from HALTED or REDUCING); parents stay paused."""
        uow, now = self.uow, self.clock.now_ns()
        with uow.turn():
            uow.record(cmd.ReenableScope(now, scope.value, key, reason, by))
            command = "ReleaseKill" if scope is S.FIRM else "ReenableScope"
            refused = self._refusal(scope, key, by, "reenable", False)
            if refused:
                return uow.refuse(command, key, refused)
            if self.risk.state_of(scope, key) is T.ACTIVE:
                return uow.refuse(command, key, "kill switch is not engaged" if scope is S.FIRM else
                                  f"{scope_name(scope, key)} is not halted or reducing")
            if scope is S.FIRM and self.store.kill_engaged:
                uow.emit(ev.KillReleased(now, by))
            if self.store.risk.state(scope, key) is not T.ACTIVE:
                uow.emit(ev.TradingStateChanged(now, scope, key, T.ACTIVE, reason, by))
            waiting = [p for p in self.parents_in(scope, key) if self.store.parent(p).paused]
            uow.emit(ev.AlertRaised(now, "info", "kill switch", key if scope is S.PARENT else "",
                                    f"{scope_name(scope, key)} re-enabled by {by}: {reason or 'no reason given'}; "
                                    f"{len(waiting)} parent(s) stay paused until resumed (resume all in scope)"))
            return CommandResult(True)

    def set_state(self, scope: ev.RiskScope, key: str, state: ev.TradingState, reason: str, by: str) -> CommandResult:
        if state is T.HALTED:
            return self.kill(scope, key, reason, by)
        if state is T.ACTIVE:
            return self.reenable(scope, key, reason, by)
        uow, now = self.uow, self.clock.now_ns()
        with uow.turn():
            uow.record(cmd.SetTradingState(now, scope.value, key, state.value, reason, by))
            refused = self._refusal(scope, key, by, "kill", False)
            current = self.risk.state_of(scope, key)
            if not refused and current is not T.ACTIVE:
                refused = f"{scope_name(scope, key)} is {current.name}: re-enable it first"
            if refused:
                return uow.refuse("SetTradingState", key, refused)
            uow.emit(ev.TradingStateChanged(now, scope, key, state, reason, by))
            uow.emit(ev.AlertRaised(now, "warning", "risk", key if scope is S.PARENT else "",
                                    f"{scope_name(scope, key)} set to REDUCING by {by}: {reason}; only orders that "
                                    "reduce positions go out"))
            return CommandResult(True)

    def resume_all(self, scope: ev.RiskScope, key: str, by: str) -> CommandResult:
        """Resume every paused parent in the scope (each as a `ResumeParent`, refused where another scope of it
        is still halted)."""
        uow = self.uow
        with uow.turn():
            uow.record(cmd.ResumeParents(self.clock.now_ns(), scope.value, key, by))
            if self.risk.state_of(scope, key) is T.HALTED:
                return uow.refuse("ResumeParents", key, f"{scope_name(scope, key)} is halted: re-enable it first")
            paused = [p for p in self.parents_in(scope, key) if self.store.parent(p).paused]
            resumed = sum(self._resume(p).ok for p in paused)
            return CommandResult(True, f"{resumed} of {len(paused)} paused parent(s) resumed")

    # --- scopes -------------------------------------------------------------------------------------------

    def parents_in(self, scope: ev.RiskScope, key: str) -> list[ParentId]:
        """The live parents a scope holds (a parent of several accounts is in each account's and desk's)."""
        store = self.store
        live = store.live_parent_ids()
        if scope is S.FIRM:
            return live
        if scope is S.PARENT:
            return [p for p in live if p == key]
        if scope is S.INSTRUMENT:
            return [p for p in live if store.parent(p).symbol == key]
        if scope is S.VENUE:
            return list(dict.fromkeys(store.child(c).parent_id for c in self.risk.live_children_at(key)))
        accounts = self.store.risk.parent_accounts
        desk_of = self.risk.config.desk_of
        if scope is S.ACCOUNT:
            return [p for p in live if key in accounts.get(p, ())]
        return [p for p in live if any(desk_of(a) == key for a in accounts.get(p, ()))]

    def children_in(self, scope: ev.RiskScope, key: str, parents: list[ParentId]) -> list[ChildId]:
        if scope is S.FIRM:
            return self.store.live_child_ids()
        if scope is S.VENUE:
            return [c for c in self.risk.live_children_at(key) if self.store.has_child(c)]
        return [c for p in parents for c in self.store.live_child_ids(p)]

    def _shared(self, scope: ev.RiskScope, key: str, paused: list[ParentId]) -> str:
        """For an account or desk kill: the paused blocks that also work for accounts outside the scope (one
        block's children carry every account's shares, so they stop too), named with those accounts."""
        if scope not in (S.ACCOUNT, S.DESK):
            return ""
        desk_of, accounts = self.risk.config.desk_of, self.store.risk.parent_accounts
        shared = []
        for parent_id in paused:
            others = sorted(a for a in accounts.get(parent_id, ()) if (a if scope is S.ACCOUNT else desk_of(a)) != key)
            if others:
                shared.append(f"{parent_id} (also {', '.join(others)})")
        if not shared:
            return ""
        listed = "; ".join(shared[:5]) + (f"; {len(shared) - 5} more" if len(shared) > 5 else "")
        return f". {len(shared)} paused block(s) also work for other accounts, paused with it: {listed}"

    def halted_scope(self, parent_id: ParentId) -> str:
        """The first halted scope of a parent, in words ("" when none)."""
        store = self.store
        if store.kill_engaged:
            return "kill switch engaged"
        states = store.risk.states
        if not states:
            return ""
        symbol = store.parent(parent_id).symbol
        accounts = store.risk.parent_accounts.get(parent_id, ())
        desk_of = self.risk.config.desk_of
        scopes = [(S.INSTRUMENT, symbol), (S.PARENT, parent_id), (S.FIRM, "")]
        scopes += [(S.ACCOUNT, a) for a in accounts] + [(S.DESK, desk_of(a)) for a in accounts if desk_of(a)]
        for scope, key in scopes:
            if store.risk.state(scope, key) is T.HALTED:
                return f"{scope_name(scope, key)} is halted"
        return ""

    def _refusal(self, scope: ev.RiskScope, key: str, by: str, action: str, automatic: bool) -> str:
        if scope is not S.FIRM and not key:
            return f"a {scope.value} kill names the {scope.value}"
        if scope is S.FIRM and key:
            return "the firm scope takes no key"
        if scope is S.PARENT and not self.store.has_parent(key):
            return f"unknown parent {key}"
        if not automatic and not self.risk.config.may(by, action):
            return f"{by} may not {'re-enable' if action == 'reenable' else action} (risk.{action}_users)"
        return ""
