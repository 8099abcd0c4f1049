"""Feeds the scorecard from the engine's events (after each turn commits) and measures markouts.

A child's submission, acknowledgement, fills, fees and reject update its (venue, order type, size
bucket) row; each fill's markout is the mid +1, +5 and +60 s later, against the fill price, taken by a
clock timer per horizon (fills arrive in time order, so each horizon is a queue). Today's rows go to the
`ScorecardStore` every `flush_s` of market time and at `close`, each snapshot with the journal position it
reaches. After a restart (a `kill -9` between two snapshots), `catch_up` folds the journal's records past
that position, so nothing learned is lost or counted twice; only the markouts of the fills in that span
are not taken (the mids they need were never journaled).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from engine import events as ev
from engine.clock import NS_PER_DAY, NS_PER_S, Clock, TimerHandle
from engine.model import ChildId, Side, Symbol
from engine.quick_init import quick_init
from engine.routing.scorecard import MARKOUT_HORIZONS_S, Scorecard, ScoreKey, order_type, size_bucket
from engine.routing.scorecard_store import Folded, ScorecardStore
from engine.views import FillView

log = logging.getLogger(__name__)

CATCH_UP_LIMIT = 500_000
"""Records folded at most after a restart (the span is one flush interval unless snapshots failed)."""
LEARNED_FROM = frozenset({ev.ChildSubmitted, ev.ChildAccepted, ev.ChildFilled, ev.ChildFillBusted, ev.ChildRejected,
                          ev.ChildCanceled, ev.ChildExpired})
"""The events the feed learns from (most events are none of these: one set lookup each)."""
_FOLDED_TYPES = tuple(sorted(kind.__name__ for kind in LEARNED_FROM))

ChildLookup = Callable[[ChildId], "tuple[ev.ChildSubmitted, int] | None"]
"""A child's submission and its executed quantity now, from the order store (None: not known)."""
FillLookup = Callable[[str, str], "tuple[FillView, ev.ChildSubmitted] | None"]
"""A booked execution (by venue and execution id) and its child's submission, from the order store."""


class JournalTail(Protocol):
    """What the feed reads of the journal: where it is, and the records after a position."""

    def identity(self) -> str: ...

    def last_seq(self) -> int: ...

    def after(self, seq: int, types: Collection[str], limit: int) -> list[Any]: ...


def score_key(order: ev.ChildSubmitted) -> ScoreKey:
    """The scorecard row an order as sent counts in: its venue, order type and size bucket."""
    return ScoreKey(order.venue, order_type(order.ord_type, order.tif), size_bucket(order.quantity))


def clock_day(ts_ns: int) -> dt.date:
    """The trading day of a clock timestamp (clock ns are exchange-local wall time as epoch ns)."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=ts_ns // NS_PER_DAY)


@dataclass(slots=True)
class _Child:
    key: ScoreKey
    symbol: Symbol
    side: Side
    quantity: int
    submitted_ns: int
    filled: int = 0


@quick_init
@dataclass(frozen=True, slots=True)
class _Markout:
    due_ns: int
    key: ScoreKey
    symbol: Symbol
    side: Side
    price: Decimal
    quantity: int


class ScorecardFeed:
    """Engine events in, scorecard sums out; owns the markout and flush timers."""

    def __init__(self, scorecard: Scorecard, clock: Clock, mid: Callable[[Symbol], Decimal | None] | None = None,
                 store: ScorecardStore | None = None, flush_s: float = 30.0,
                 journal: JournalTail | None = None) -> None:
        self.scorecard = scorecard
        self._journal = journal
        self._catching_up = False
        self._clock = clock
        self.mid = mid
        """The consolidated mid of a symbol now (markouts); None: no markouts are taken."""
        self.fills: FillLookup | None = None
        """Booked executions, to unlearn one a venue busts (the engine's order store); None: busts are kept."""
        self._store = store
        self._flush_ns = max(1, int(flush_s * NS_PER_S))
        self._children: dict[ChildId, _Child] = {}
        self._markouts: dict[int, deque[_Markout]] = {h: deque() for h in MARKOUT_HORIZONS_S}
        self._markout_timers: dict[int, TimerHandle] = {}
        self._flush_timer: TimerHandle | None = None
        self._day = clock_day(clock.now_ns())

    def start(self) -> None:
        if self._store is not None and self._flush_timer is None:
            self._flush_timer = self._clock.call_later(self._flush_ns, self._on_flush_timer)

    def close(self) -> None:
        """Stop the timers and write today's sums (blocks until written: call at shutdown)."""
        for timer in (*self._markout_timers.values(), self._flush_timer):
            if timer is not None:
                timer.cancel()
        self._markout_timers.clear()
        self._flush_timer = None
        self.flush()
        if self._store is not None:
            self._store.close()

    def flush(self) -> None:
        """Hand today's sums to the store's writer thread (nothing when unchanged)."""
        day = clock_day(self._clock.now_ns())
        card = self.scorecard
        if self._store is not None and card.dirty:
            journal = self._journal  # every committed record is folded by now: the flush runs between turns
            folded = None if journal is None else Folded(self._day.isoformat(), journal.identity(), journal.last_seq())
            self._store.write(self._day, list(card.today.items()), folded)
        card.dirty = False
        if day != self._day:  # a new trading day: today's sums become history
            card.roll_over()
            self._day = day

    def catch_up(self, opened: ChildLookup) -> int:
        """Fold the journal's records that today's loaded snapshot has not seen (call once, after the order
        store is recovered and before the engine's first turn); returns how many were folded."""
        journal, store = self._journal, self._store
        if journal is None or store is None:
            return 0
        folded = store.folded(self._day)
        if folded is None or folded.journal != journal.identity():
            return 0  # no snapshot of today on this journal: what it holds was never folded from it
        records = journal.after(folded.seq, _FOLDED_TYPES, CATCH_UP_LIMIT)
        if len(records) == CATCH_UP_LIMIT:
            log.warning("venue scorecard: more than %d records to catch up; the rest is not learned", CATCH_UP_LIMIT)
        later: dict[ChildId, int] = {}  # shares each child fills within the span, to know what it had before
        for record in records:
            if isinstance(record, ev.ChildFilled):
                later[record.child_id] = later.get(record.child_id, 0) + record.quantity
        self._catching_up = True
        try:
            for record in records:
                child_id = None if isinstance(record, ev.ChildSubmitted) else getattr(record, "child_id", None)
                if child_id is not None and child_id not in self._children:
                    self._adopt(child_id, opened, later.get(child_id, 0))
                self.on_event(record)
        finally:
            self._catching_up = False
        return len(records)

    def _adopt(self, child_id: ChildId, opened: ChildLookup, filled_later: int) -> None:
        """A child submitted before the snapshot and still open then: followed from what the store knows."""
        found = opened(child_id)
        if found is None:
            return
        order, executed = found
        filled = executed - filled_later
        if filled < order.quantity:
            key = score_key(order)
            self._children[child_id] = _Child(key, order.symbol, order.side, order.quantity, order.ts_ns, filled)

    def on_event(self, event: ev.Event) -> None:
        if type(event) not in LEARNED_FROM:
            return
        if isinstance(event, ev.ChildSubmitted):
            key = score_key(event)
            self._children[event.child_id] = _Child(key, event.symbol, event.side, event.quantity, event.ts_ns)
            stats = self.scorecard.stats(key)
            stats.orders += 1
            stats.shares_sent += event.quantity
        elif isinstance(event, ev.ChildAccepted):
            child = self._children.get(event.child_id)
            if child is not None:
                stats = self.scorecard.stats(child.key)
                stats.ack_us += max(0, event.ts_ns - child.submitted_ns) / 1_000
                stats.acks += 1
        elif isinstance(event, ev.ChildFilled):
            self._on_fill(event)
        elif isinstance(event, ev.ChildFillBusted):
            self._on_bust(event)
        elif isinstance(event, ev.ChildRejected):
            child = self._children.pop(event.child_id, None)
            if child is not None:
                self.scorecard.stats(child.key).rejects += 1
        elif isinstance(event, ev.ChildCanceled | ev.ChildExpired):
            self._children.pop(event.child_id, None)

    def _on_fill(self, fill: ev.ChildFilled) -> None:
        child = self._children.get(fill.child_id)
        if child is None:
            return  # a child sent before this session (recovery): nothing to learn its timing from
        stats = self.scorecard.stats(child.key)
        stats.shares_filled += fill.quantity
        if child.filled == 0:
            stats.orders_filled += 1
            stats.fill_seconds += max(0, fill.ts_ns - child.submitted_ns) / NS_PER_S
        if fill.fee > 0:
            stats.fees_paid += fill.fee
        elif fill.fee < 0:
            stats.rebates_earned -= fill.fee
        child.filled += fill.quantity
        if child.filled >= child.quantity:
            del self._children[fill.child_id]
        if self._catching_up:
            return  # the mids of the span were not journaled: no markouts for its fills
        for horizon in MARKOUT_HORIZONS_S:
            pending = self._markouts[horizon]
            pending.append(_Markout(fill.ts_ns + horizon * NS_PER_S, child.key, child.symbol, child.side,
                                    fill.price, fill.quantity))
            if horizon not in self._markout_timers:
                self._arm(horizon)

    def _on_bust(self, bust: ev.ChildFillBusted) -> None:
        """A busted execution did not happen: its shares and fee come off its row (its markouts, taken or
        due, stay: the price moved as it did)."""
        found = self.fills(bust.venue, bust.fill_id) if self.fills is not None else None
        if found is None:
            return
        fill, order = found
        stats = self.scorecard.stats(score_key(order))
        stats.shares_filled -= fill.quantity
        if fill.fee > 0:
            stats.fees_paid -= fill.fee
        elif fill.fee < 0:
            stats.rebates_earned += fill.fee
        child = self._children.get(bust.child_id)
        if child is not None:
            child.filled -= fill.quantity

    def _arm(self, horizon: int) -> None:
        pending = self._markouts[horizon]
        if pending:
            self._markout_timers[horizon] = self._clock.call_at(pending[0].due_ns, lambda: self._markout_due(horizon))

    def _markout_due(self, horizon: int) -> None:
        self._markout_timers.pop(horizon, None)
        pending, now = self._markouts[horizon], self._clock.now_ns()
        while pending and pending[0].due_ns <= now:
            due = pending.popleft()
            mid = self.mid(due.symbol) if self.mid is not None else None
            if mid is None or not due.price:
                continue  # no two-sided market then: no markout to take
            bps = float((mid - due.price) * due.side.sign / due.price) * 10_000
            stats = self.scorecard.stats(due.key)
            total, shares = f"markout_{horizon}s_bps", f"markout_{horizon}s_shares"
            setattr(stats, total, getattr(stats, total) + bps * due.quantity)
            setattr(stats, shares, getattr(stats, shares) + due.quantity)
        self._arm(horizon)

    def _on_flush_timer(self) -> None:
        self._flush_timer = self._clock.call_later(self._flush_ns, self._on_flush_timer)
        self.flush()
