"""The risk pieces as the engine wires them: the controls (`checks`), the kill switches (`kills`) and the
automatic kills (`automatic`), fed by the engine's turns, market data and venue sessions."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from decimal import Decimal
from typing import Any, Protocol

from engine import commands as cmd
from engine import events as ev
from engine.clock import Clock
from engine.desk import TicketDesk
from engine.journal import RECALL_SPAN
from engine.market import MarketView
from engine.model import Instrument, ParentId, Side, Symbol, TicketId
from engine.pipeline.venue_gateway import VenueGateway
from engine.results import CommandResult
from engine.risk.automatic import AutomaticKills
from engine.risk.checks import DECISION_TYPES, RECENT, RiskEngine
from engine.risk.config import RiskConfig, RiskConfigError
from engine.risk.kill import KillSwitches
from engine.risk.limits import MAX_KEY, MAX_REASON, LimitsView, apply_edits, check_edit, limit_rows
from engine.risk.snapshot import RiskSnapshot, snapshot
from engine.store import OrderStore
from engine.turns import Turns

WINDOW_EVENTS = ("ChildSubmitted", "ChildRejected", "ChildCancelRequested", "ChildReplaceRequested", "TicketAccepted")
"""The journaled events the sliding windows count."""
REWARM_LIMIT = 200_000
"""At most this many of them are read back after a restart (bounded restart work; each window holds fewer)."""
DECISION_EVENTS = tuple(t.__name__ for t in DECISION_TYPES)
"""The journaled events the risk panel lists as recent decisions (blocks, warnings, kills, state and limit changes)."""


class Parents(Protocol):
    kills: Any

    def resume(self, parent_id: ParentId) -> CommandResult: ...


class RiskService:
    """Controls, kill switches and automatic kills, wired to one engine."""

    def __init__(self, config: RiskConfig, store: OrderStore, desk: TicketDesk, market: MarketView,
                 instruments: Mapping[Symbol, Instrument], clock: Clock, uow: Turns, gateway: VenueGateway,
                 parents: Parents) -> None:
        self.base = config
        """The configuration file's limits; the journaled edits (the store's) apply on top (`config`)."""
        self.store = store
        self.desk = desk
        self.uow = uow
        self.clock = clock
        self.instruments = instruments
        self.checks = RiskEngine(config, store, market, instruments, clock, uow)
        self.kills = KillSwitches(uow, store, clock, gateway, self.checks, parents.resume)
        self.automatic = AutomaticKills(self.checks, self.kills, gateway)
        parents.kills = self.kills

    def on_market(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        """Market data (outside any turn): last trades, and marks for the loss limits at most every interval."""
        if isinstance(event, ev.TradePrinted):
            self.checks.on_trade(event)
        else:
            self.automatic.on_market(event.ts_ns)

    @property
    def config(self) -> RiskConfig:
        """The limits in force: the file's, with the journaled edits on top."""
        return self.checks.config

    def rebuild(self) -> None:
        """After a recovery: the limits in force (edits came back with the store), and what is in flight, from
        the store's live children and the desk's open tickets."""
        self._apply_edits()
        self.checks.rebuild(self._open_tickets())

    # --- limit edits ----------------------------------------------------------------------------------------

    def set_limit(self, control: str, scope: str, key: str, value: Decimal | None, mode: str | None, by: str,
                  reason: str) -> CommandResult:
        """A permitted user's edit of one control (see `engine.risk.limits.check_edit`), journaled with its
        reason in one turn; the next check uses it. Refused, changing nothing, when not permitted, without a
        reason, or invalid."""
        if value is not None and not isinstance(value, Decimal):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"a limit is a Decimal, got {type(value).__name__}")
            value = Decimal(value)
        uow, now = self.uow, self.clock.now_ns()
        with uow.turn():
            journaled = value if value is None or len(str(value)) <= 40 else None  # a bounded record
            uow.record(cmd.ChangeRiskLimit(now, str(control)[:MAX_KEY + 1], str(scope)[:16], str(key)[:MAX_KEY + 1],
                                           journaled, mode or "", by, reason[:MAX_REASON + 1]))
            target = f"{control} {scope} {key}".strip()[:2 * MAX_KEY]
            if not self.config.may(by, "edit_limits"):
                return uow.refuse("ChangeRiskLimit", target, f"{by} may not edit limits (risk.limit_editors)")
            if not reason.strip() or len(reason) > MAX_REASON:
                return uow.refuse("ChangeRiskLimit", target, f"a limit change needs a reason (1 to {MAX_REASON} "
                                  f"characters), got {len(reason.strip())}")
            try:
                change = check_edit(self.config, control, scope, key, value, mode, self.instruments)
            except RiskConfigError as why:
                return uow.refuse("ChangeRiskLimit", target, str(why))
            uow.emit(change.event(now, by, reason))  # the store's risk state folds it (checkpointed with it)
            self._apply_edits()
            uow.emit(ev.AlertRaised(now, "info", "risk", "", f"limit changed by {by}: {change.describe()}: {reason}"))
            return CommandResult(True, change.describe())

    def limits(self) -> LimitsView:
        """Every control's limits in force (the file's with the edits on top) and who may edit them."""
        edits = self.store.risk.limit_edits
        return LimitsView(limit_rows(self.config, edits), self.base.limit_editors)

    def _apply_edits(self) -> None:
        config = apply_edits(self.base, self.store.risk.limit_edits)
        self.checks.set_limits(config)
        self.automatic.limits_changed()

    def rewarm(self, recent: Callable[[int, Collection[str], int], list[Any]]) -> int:
        """After a recovery: the sliding windows (rates, duplicates, repeated executions, storms, reject rates)
        refilled from the journal's events of the last window span. `recent(since_ns, type names, limit)` reads
        them (`Journal.recent`); at most `REWARM_LIMIT` events are read, the newest. Returns how many."""
        span = self.checks.window_span_ns()
        if span <= 0:
            return 0
        records = recent(self.clock.now_ns() - span, WINDOW_EVENTS, REWARM_LIMIT)
        self.automatic.rewarm(records)
        return self.checks.rewarm(records)

    def recall(self, latest: Callable[[Collection[str], int, int], list[Any]]) -> int:
        """After a recovery: the risk panel's recent decisions again, the newest `RECENT` among the journal's
        last `RECALL_SPAN` records (`Journal.latest(types, limit, within)`), where a restart left the list
        empty. Returns how many."""
        return self.checks.recall(latest(DECISION_EVENTS, RECENT, RECALL_SPAN))

    def _open_tickets(self) -> Iterator[tuple[TicketId, str, Symbol, Side, int, Decimal | None, str]]:
        desk = self.desk
        for parent_id in desk.open_parent_ids():
            for ticket_id in desk.ticket_ids(parent_id):
                row = desk.row(ticket_id)
                if row.leaves > 0:
                    yield ticket_id, row.account, row.symbol, row.side, row.leaves, row.limit_price, parent_id

    def session_lost(self, source: str, cancel_ticket: Callable[[TicketId, str], CommandResult]) -> CommandResult:
        """An order source's session dropped: with `cancel_on_oms_disconnect`, its open tickets are canceled."""
        uow = self.uow
        with uow.turn():
            now = self.clock.now_ns()
            uow.record(cmd.SessionLost(now, source))
            desk = self.desk
            tickets = [t for p in desk.open_parent_ids() for t in desk.ticket_ids(p)
                       if (row := desk.row(t)).source == source and row.leaves > 0]
            if not self.config.cancel_on_oms_disconnect:
                uow.emit(ev.AlertRaised(now, "warning", source, "", f"session lost: {len(tickets)} open ticket(s) "
                                        "keep working ([risk] cancel_on_oms_disconnect is off)"))
                return CommandResult(True)
            canceled = sum(cancel_ticket(t, f"{source} session lost").ok for t in tickets)
            uow.emit(ev.AlertRaised(now, "warning", source, "", f"session lost: {canceled} of {len(tickets)} open "
                                    "ticket(s) canceled (cancel on disconnect)"))
            return CommandResult(True)

    def snapshot(self) -> RiskSnapshot:
        return snapshot(self.checks)
