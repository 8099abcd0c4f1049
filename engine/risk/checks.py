"""The risk owner at run time: pre-trade checks on tickets (`check_ticket`) and on children (`child_batch`),
what is in flight, the rates, and the decisions' journal records.

Positions and trading states are the store's (`engine.risk.state`, checkpointed with it); what this object
keeps is live (in flight, rates, marks) and rebuilt from the store and desk after a restart (`rebuild`). It
sees every applied event in its turn (`on_event`), so an order counts against the limits the moment it is
journaled, before it is sent. Cancels are never checked, only counted as messages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from engine import events as ev
from engine.clock import Clock
from engine.market import MarketView
from engine.model import ChildId, Instrument, Side, Symbol, TicketId, VenueId
from engine.quick_init import quick_init
from engine.risk.child_checks import ChildBatch
from engine.risk.config import RiskConfig
from engine.risk.exposure import Exposure
from engine.risk.marks import Marks
from engine.risk.state import Position
from engine.risk.throttles import FIRM_KEY, REJECT_WINDOW_NS, Rate, Recent
from engine.risk.ticket_checks import order_verdicts, ticket_verdicts
from engine.risk.verdict import RiskVerdict
from engine.store import OrderStore
from engine.turns import Turns
from engine.views import ParentView

FIRM = ev.RiskScope.FIRM
PASSES_PER_RECORD = 1_000
"""Passed checks are journaled as one `RiskChecksPassed` per this many (and before each warning or block)."""
RECENT = 200
DECISION_TYPES = (ev.RiskBlocked, ev.RiskWarned, ev.ScopeKilled, ev.TradingStateChanged, ev.RiskLimitChanged)
"""The events the recent list holds (`RiskEngine.recall` brings them back after a restart)."""
_RATE_CAP = 100_000
"""Timestamps a window keeps per key: past it a count reads "at least this many" (bounded memory in a storm)."""
_ZERO = Decimal(0)


@quick_init
@dataclass(frozen=True, slots=True)
class TicketCheck:
    """A ticket's verdict: the hard control that blocks it (None: none), and the soft ones it breaches."""

    block: RiskVerdict | None
    warnings: tuple[RiskVerdict, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """One warning, block, kill or state change, for the risk panel's recent list."""

    ts_ns: int
    kind: str  # "block", "warn", "kill", "state"
    target: str
    rule: str
    text: str


class RiskEngine:
    """Pre-trade controls and in-flight tallies; positions and states read from the store."""

    def __init__(self, config: RiskConfig, store: OrderStore, market: MarketView,
                 instruments: Mapping[Symbol, Instrument], clock: Clock, uow: Turns) -> None:
        self.config = config
        self.store = store
        self.market = market
        self.instruments = instruments
        self.clock = clock
        self.uow = uow
        self.exposure = Exposure()
        self.marks = Marks(store.risk, market)
        self.disconnected: set[VenueId] = set()
        self.child_warned: dict[tuple[str, str], int] = {}
        c = config
        self.ticket_rate = Rate(c.ticket_rate.window_ns, _RATE_CAP)
        self.child_rate = Rate(c.child_rate.window_ns, _RATE_CAP)
        self.message_rate = Rate(c.message_rate.window_ns, _RATE_CAP)
        self.repeated = Rate(c.repeated_execution.window_ns, _RATE_CAP)
        self.duplicates = Recent(c.duplicate_order.window_ns)
        self.desk_accounts: dict[str, tuple[str, ...]] = {}
        for account, desk in c.desks.items():
            self.desk_accounts[desk] = (*self.desk_accounts.get(desk, ()), account)
        self.recent: deque[Decision] = deque(maxlen=RECENT)
        self._passed = [0, 0]  # tickets, children
        self._passed_since = clock.now_ns()
        self._tentative: int | None = None  # rows checked in a basket so far (None: not checking a basket)
        self._tentative_keys: set[tuple[object, ...]] = set()
        self._tentative_in_flight: dict[tuple[object, ...], list[TicketId]] = {}  # by what each will be accepted as
        self._listeners: list[Callable[[ev.Event], None]] = []
        self._handlers: dict[type[ev.Event], Callable[[ev.Event], None]] = {
            ev.ChildSubmitted: self._child_submitted, ev.ChildFilled: self._child_filled,  # type: ignore[dict-item]
            ev.ChildCanceled: self._child_done, ev.ChildRejected: self._child_done,  # type: ignore[dict-item]
            ev.ChildExpired: self._child_done, ev.TicketAccepted: self._ticket_accepted,  # type: ignore[dict-item]
            ev.TicketJoined: self._ticket_joined, ev.TicketsAllocated: self._allocated,  # type: ignore[dict-item]
            ev.TicketAmended: self._ticket_amended, ev.BlockReconciled: self._closed,  # type: ignore[dict-item]
            ev.ChildCancelRequested: self._message, ev.ChildReplaceRequested: self._message,  # type: ignore[dict-item]
            ev.RiskBlocked: self._remember, ev.RiskWarned: self._remember,  # type: ignore[dict-item]
            ev.ScopeKilled: self._remember, ev.TradingStateChanged: self._remember,  # type: ignore[dict-item]
            ev.RiskLimitChanged: self._remember, ev.ChildFillBusted: self._child_busted,  # type: ignore[dict-item]
        }

    def set_limits(self, config: RiskConfig) -> None:
        """New limits from the next check on (what is in flight and the rates so far are kept; a window's length
        is not); `RiskService` hands over the file's limits with the journaled edits on top."""
        self.config = config

    # --- the event feed (in the turn) ---------------------------------------------------------------------

    def on_event(self, event: ev.Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)
        for listener in self._listeners:
            listener(event)

    def listen(self, listener: Callable[[ev.Event], None]) -> None:
        """Also tell `listener` every applied event (the automatic kills)."""
        self._listeners.append(listener)

    def on_trade(self, trade: ev.TradePrinted) -> None:
        self.marks.last_trade[trade.symbol] = trade.price

    def _child_submitted(self, e: ev.ChildSubmitted) -> None:
        valued = e.price if e.price is not None else (self.reference(e.symbol) or _ZERO)
        self.exposure.child_sent(e.child_id, e.parent_id, e.symbol, e.side, e.venue, e.quantity, e.price, valued)
        self._count_child(e)

    def _count_child(self, e: ev.ChildSubmitted) -> None:
        now = e.ts_ns
        self.child_rate.add(FIRM_KEY, now)
        self.child_rate.add(e.venue, now)
        self.message_rate.add(FIRM_KEY, now)
        self.message_rate.add(e.venue, now)
        self.repeated.add(e.parent_id, now)

    def _child_filled(self, e: ev.ChildFilled) -> None:
        self.exposure.child_filled(e.child_id, e.quantity)
        child = self.exposure.children.get(e.child_id)
        if child is not None and child.leaves <= 0:
            self.exposure.child_done(e.child_id)
        self.marks.refresh_symbol(e.symbol)

    def _child_busted(self, e: ev.ChildFillBusted) -> None:
        """A busted execution of a child still working is in flight again (the venue works its leaves)."""
        fill = self.store.booked_fill(e.venue, e.fill_id)
        if fill is not None:
            self.exposure.child_unfilled(e.child_id, fill.quantity)
            self.marks.refresh_symbol(fill.symbol)

    def _child_done(self, e: ev.ChildCanceled | ev.ChildRejected | ev.ChildExpired) -> None:
        self.exposure.child_done(e.child_id)

    def _message(self, e: ev.ChildCancelRequested | ev.ChildReplaceRequested) -> None:
        child = self.exposure.children.get(e.child_id)
        self._count_message(e.ts_ns, None if child is None else child.venue)

    def _count_message(self, ts_ns: int, venue: str | None) -> None:
        self.message_rate.add(FIRM_KEY, ts_ns)
        if venue is not None:
            self.message_rate.add(venue, ts_ns)

    def _ticket_accepted(self, e: ev.TicketAccepted) -> None:
        price = e.limit_price or self.reference(e.symbol) or _ZERO
        waiting = self._tentative_in_flight.get((e.account, e.symbol, e.side, e.quantity, price))
        if waiting:  # a basket row checked as exactly this: its shares are in flight already, under its new name
            self.exposure.rename_ticket(waiting.pop(0), e.ticket_id)
        else:
            self.exposure.ticket_accepted(e.ticket_id, e.account, e.symbol, e.side, e.quantity, price)
        self._count_ticket(e)

    def _count_ticket(self, e: ev.TicketAccepted) -> None:
        desk = self.config.desk_of(e.account)
        for key in (FIRM_KEY, ("account", e.account), ("desk", desk) if desk else None):
            if key is not None:
                self.ticket_rate.add(key, e.ts_ns)
        self.duplicates.add((e.account, e.symbol, e.side, e.quantity, e.limit_price), e.ts_ns)

    def _ticket_joined(self, e: ev.TicketJoined) -> None:
        self.exposure.ticket_joined(e.ticket_id, e.parent_id)

    def _allocated(self, e: ev.TicketsAllocated) -> None:
        for ticket_id, quantity in zip(e.ticket_ids, e.quantities, strict=True):
            self.exposure.ticket_executed(ticket_id, quantity)
        self.marks.refresh_accounts(e.ticket_ids)

    def _ticket_amended(self, e: ev.TicketAmended) -> None:
        self.exposure.ticket_resized(e.ticket_id, e.old_quantity, e.new_quantity)

    def _closed(self, e: ev.BlockReconciled) -> None:
        self.exposure.parent_closed(e.parent_id)

    def _remember(self, e: ev.Event) -> None:
        if isinstance(e, ev.RiskBlocked):
            self.recent.append(Decision(e.ts_ns, "block", e.parent_id, e.rule, e.reason))
        elif isinstance(e, ev.RiskWarned):
            self.recent.append(Decision(e.ts_ns, "warn", e.target, e.rule, f"{e.reason} ({e.outcome})"))
        elif isinstance(e, ev.ScopeKilled):
            self.recent.append(Decision(e.ts_ns, "kill", f"{e.scope.value} {e.key}".strip(), "kill",
                                        f"{len(e.children_canceled)} child(ren) canceled, "
                                        f"{len(e.parents_paused)} parent(s) paused: {e.reason} (by {e.by})"))
        elif isinstance(e, ev.TradingStateChanged):
            self.recent.append(Decision(e.ts_ns, "state", f"{e.scope.value} {e.key}".strip(), e.state.value,
                                        f"{e.state.name} by {e.by}: {e.reason}"))
        elif isinstance(e, ev.RiskLimitChanged):
            self.recent.append(Decision(e.ts_ns, "limit", f"{e.scope} {e.key}".strip(), e.control,
                                        f"{e.old_value} -> {e.new_value}, mode {e.old_mode} -> {e.new_mode} by "
                                        f"{e.by}: {e.reason}"))

    # --- after a restart --------------------------------------------------------------------------------

    def recall(self, records: Iterable[ev.Event]) -> int:
        """After a restart: the recent decisions from the journal's newest such events (oldest first), in
        place of whatever the list held. Returns how many it holds."""
        self.recent.clear()
        for e in records:
            if isinstance(e, DECISION_TYPES):
                self._remember(e)
        return len(self.recent)

    def rebuild(self, tickets: Iterator[tuple[TicketId, str, Symbol, Side, int, Decimal | None, str]]) -> None:
        """What is in flight, from the store's live children and the open tickets (ticket id, account, symbol,
        side, leaves, limit, parent id) the desk holds."""
        self.exposure = Exposure()
        store = self.store
        for child_id in store.live_child_ids():
            c = store.child(child_id)
            valued = c.price if c.price is not None else (self.reference(c.symbol) or _ZERO)
            self.exposure.child_sent(child_id, c.parent_id, c.symbol, c.side, c.venue, c.leaves_qty, c.price, valued)
        for ticket_id, account, symbol, side, leaves, limit, parent_id in tickets:
            self.exposure.ticket_accepted(ticket_id, account, symbol, side, leaves, limit or _ZERO)
            self.exposure.ticket_joined(ticket_id, parent_id)  # type: ignore[arg-type]
        self.marks.refresh_all()

    def rewarm(self, records: Iterable[ev.Event]) -> int:
        """After a restart: refill the sliding windows (ticket, child and message rates, duplicate orders,
        repeated executions) from the journal's most recent events, so a restart does not reset a throttle
        or forget a duplicate. Only the windows are fed (what is in flight comes from `rebuild`); returns how
        many events were counted."""
        counted = 0
        for e in records:
            if isinstance(e, ev.ChildSubmitted):
                self._count_child(e)
            elif isinstance(e, ev.TicketAccepted):
                self._count_ticket(e)
            elif isinstance(e, ev.ChildCancelRequested | ev.ChildReplaceRequested):
                self._count_message(e.ts_ns, self.venue_of(e.child_id))
            else:
                continue
            counted += 1
        return counted

    def venue_of(self, child_id: ChildId) -> VenueId | None:
        """Where a child the store knows was sent (None: not ours, or not known)."""
        store = self.store
        return store.submitted(child_id).venue if store.has_child(child_id) else None

    def window_span_ns(self) -> int:
        """The longest sliding window any control uses (how far back `rewarm` must look)."""
        c = self.config
        return max(c.ticket_rate.window_ns, c.child_rate.window_ns, c.message_rate.window_ns,
                   c.repeated_execution.window_ns, c.duplicate_order.window_ns, c.message_storm.window_ns,
                   (c.reject_rate.window_ns or REJECT_WINDOW_NS) if c.reject_rate.on else 0)

    # --- references -----------------------------------------------------------------------------------------

    def reference(self, symbol: Symbol) -> Decimal | None:
        """A price to value an unpriced order at: the consolidated mid, else the last trade, else the previous
        close."""
        mid = self.market.mid(symbol)
        if mid is not None:
            return mid
        last = self.marks.last_trade.get(symbol)
        return last if last is not None else self.config.previous_close.get(symbol)

    def state_of(self, scope: ev.RiskScope, key: str) -> ev.TradingState:
        if scope is FIRM and self.store.kill_engaged:
            return ev.TradingState.HALTED
        return self.store.risk.state(scope, key)

    def position(self, symbol: Symbol) -> int:
        p = self.store.risk.instruments.get(symbol)
        return 0 if p is None else p.buy_qty - p.sell_qty

    def account_positions(self, accounts: tuple[str, ...], symbol: Symbol) -> Position:
        """The summed position of some accounts in one instrument (a desk's)."""
        total = Position()
        for account in accounts:
            p = self.store.risk.account_position(account, symbol)
            if p is not None:
                total.buy_qty += p.buy_qty
                total.sell_qty += p.sell_qty
                total.buy_notional += p.buy_notional
                total.sell_notional += p.sell_notional
                total.fees += p.fees
        return total

    # --- decisions --------------------------------------------------------------------------------------------

    def passed(self, children: int = 0, tickets: int = 0) -> None:
        """Count passes; every `PASSES_PER_RECORD` they are journaled as one record."""
        passed = self._passed
        passed[0] += tickets
        passed[1] += children
        if passed[0] + passed[1] >= PASSES_PER_RECORD:
            self.flush_passes()

    def flush_passes(self) -> None:
        tickets, children = self._passed
        if tickets or children:
            now = self.clock.now_ns()
            self._passed = [0, 0]
            self.uow.emit(ev.RiskChecksPassed(now, self._passed_since, tickets, children))
            self._passed_since = now

    def warn(self, verdict: RiskVerdict, target: str, outcome: str, parent_id: str = "") -> None:
        """Journal a soft breach (and what became of the order) and raise it as an alert."""
        self.flush_passes()
        now = self.clock.now_ns()
        self.uow.emit(verdict.warned(now, target, outcome))
        self.uow.emit(ev.AlertRaised(now, "warning", "risk", parent_id,
                                     f"{target}: {verdict.rule}: {verdict.reason} ({outcome})"))

    def block(self, verdict: RiskVerdict, target: str) -> None:
        """Journal a block (the alerts panel shows `RiskBlocked` as it is)."""
        self.flush_passes()
        self.uow.emit(verdict.blocked(self.clock.now_ns(), target))

    # --- tickets ------------------------------------------------------------------------------------------------

    @contextmanager
    def tentative(self) -> Iterator[None]:
        """Tickets checked inside count against the limits of the ones checked after them (a basket is checked
        whole before any row is accepted). A row accepted inside becomes the ticket its TicketAccepted names (what
        it has in flight is already counted); the others are taken out again at the end."""
        self._tentative, self._tentative_keys, self._tentative_in_flight = 0, set(), {}
        try:
            yield
        finally:
            for waiting in self._tentative_in_flight.values():
                for ticket_id in waiting:
                    self.exposure.remove_ticket(ticket_id)
            self._tentative, self._tentative_keys, self._tentative_in_flight = None, set(), {}

    def check_ticket(self, *, account: str, symbol: Symbol, side: Side, quantity: int, limit: Decimal | None,
                     instrument: Instrument) -> TicketCheck:
        """Every ticket control, in order; the first hard breach blocks, soft ones are collected."""
        warnings: list[RiskVerdict] = []
        for verdict in ticket_verdicts(self, account, symbol, side, quantity, limit, instrument):
            if verdict.hard:
                return TicketCheck(verdict, tuple(warnings))
            warnings.append(verdict)
        if self._tentative is not None:
            ticket_id = TicketId(f"tentative-{self._tentative}")
            price = limit or self.reference(symbol) or _ZERO
            self.exposure.ticket_accepted(ticket_id, account, symbol, side, quantity, price)
            self._tentative += 1
            self._tentative_keys.add((account, symbol, side, quantity, limit))
            self._tentative_in_flight.setdefault((account, symbol, side, quantity, price), []).append(ticket_id)
        return TicketCheck(None, tuple(warnings))

    def tentative_count(self) -> int:
        return self._tentative or 0

    def tentative_duplicate(self, key: tuple[object, ...]) -> bool:
        return key in self._tentative_keys

    def check_amend(self, *, symbol: Symbol, side: Side, quantity: int, limit: Decimal | None,
                    instrument: Instrument) -> RiskVerdict | None:
        """A parent's or ticket's new terms: the per-order controls (quantity, notional, collar); the first hard
        breach (soft ones pass: the trader is amending on purpose)."""
        verdicts = order_verdicts(self, "", "", symbol, side, quantity, limit, instrument)
        return next((v for v in verdicts if v.hard), None)

    def child_batch(self, parent: ParentView) -> ChildBatch:
        """The checks of one intent's children (`ChildBatch.check` per routed child)."""
        return ChildBatch(self, parent)

    def live_children_at(self, venue: str) -> list[ChildId]:
        return [cid for cid, child in self.exposure.children.items() if child.venue == venue]

