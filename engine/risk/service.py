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
from engine.market import MarketView
from engine.model import Instrument, ParentId, Side, Symbol, TicketId
from engine.pipeline.venue_gateway import VenueGateway
from engine.results import CommandResult
from engine.risk.automatic import AutomaticKills
from engine.risk.checks import RiskEngine
from engine.risk.config import RiskConfig
from engine.risk.kill import KillSwitches
from engine.risk.snapshot import RiskSnapshot, snapshot
from engine.store import OrderStore
from engine.turns import Turns

WINDOW_EVENTS = ("ChildSubmitted", "ChildRejected", "ChildCancelRequested", "ChildReplaceRequested", "TicketAccepted")
"""The journaled events the sliding windows count."""
REWARM_LIMIT = 200_000
"""At most this many of them are read back after a restart (bounded restart work; each window holds fewer)."""


class Parents(Protocol):
    kills: Any

    def resume(self, parent_id: ParentId) -> CommandResult: ...


class RiskService:
    """Controls, kill switches and automatic kills, wired to one engine."""

    def __init__(self, config: RiskConfig, store: OrderStore, desk: TicketDesk, market: MarketView,
                 instruments: Mapping[Symbol, Instrument], clock: Clock, uow: Turns, gateway: VenueGateway,
                 parents: Parents) -> None:
        self.config = config
        self.desk = desk
        self.uow = uow
        self.clock = clock
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

    def rebuild(self) -> None:
        """After a recovery: what is in flight, from the store's live children and the desk's open tickets."""
        self.checks.rebuild(self._open_tickets())

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
                       if desk.row(t).source == source and desk.row(t).leaves > 0]
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
