"""Feeds the scorecard from the engine's events (after each turn commits) and measures markouts.

A child's submission, acknowledgement, fills, fees and reject update its (venue, order type, size
bucket) row; each fill's markout is the mid +1, +5 and +60 s later, against the fill price, taken by a
clock timer per horizon (fills arrive in time order, so each horizon is a queue). Today's rows go to the
`ScorecardStore` every `flush_s` of market time and at `close`.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from engine import events as ev
from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.model import ChildId, Side, Symbol
from engine.routing.scorecard import MARKOUT_HORIZONS_S, Scorecard, ScoreKey, order_type, size_bucket
from engine.routing.scorecard_store import ScorecardStore

NS_PER_DAY = 86_400 * NS_PER_S


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
                 store: ScorecardStore | None = None, flush_s: float = 30.0) -> None:
        self.scorecard = scorecard
        self._clock = clock
        self.mid = mid
        """The consolidated mid of a symbol now (markouts); None: no markouts are taken."""
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
            self._store.write(self._day, list(card.today.items()))
        card.dirty = False
        if day != self._day:  # a new trading day: today's sums become history
            card.roll_over()
            self._day = day

    def on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.ChildSubmitted):
            key = ScoreKey(event.venue, order_type(event.ord_type, event.tif), size_bucket(event.quantity))
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
        for horizon in MARKOUT_HORIZONS_S:
            pending = self._markouts[horizon]
            pending.append(_Markout(fill.ts_ns + horizon * NS_PER_S, child.key, child.symbol, child.side,
                                    fill.price, fill.quantity))
            if horizon not in self._markout_timers:
                self._arm(horizon)

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
