"""When an algo next has something to do, so that it sleeps instead of ticking every second.

A scheduled algo with a monotone schedule (`ScheduledAlgo.monotone_schedule`) is idle on most ticks:
its passive child rests at the touch while the schedule target grows towards the next worthwhile
slice. As long as its parent, its children and the quote stay as they are, whether a tick would act
only goes from no to yes as time passes, so the first grid second on which it would act is found by
bisection over a dry run of the placement policy (`ScheduledAlgo.would_act`). What can change that
answer sooner wakes the algo: a fill, a child done, an amend or a resume (the engine calls it), and a
change of the touch prices that moves where its passive child belongs (`QuoteWatch`, per symbol: a
book update that leaves the touch prices alone costs one comparison, whatever the number of parents).

Nothing of this is state to recover: after a restart the algo is rebuilt, ticks once and plans again
from the order store and the market.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.market import MarketView, Quote
from engine.model import OrdStatus, ParentId, Symbol, TimeInForce
from engine.views import ParentView

if TYPE_CHECKING:
    from engine.algos.common import ScheduledAlgo


def plan_next_tick(algo: ScheduledAlgo, now_ns: int) -> int | None:
    """The grid second on which `algo` next ticks, after a wake at `now_ns` (None: only an event wakes it).

    Every grid second while it would act or is catching up (as without planning), or while a cancel is
    pending (it may be refused); otherwise the first grid second on which it would act, at the latest on
    the next slice boundary, `max_idle_ns` on and before the end time; none while paused (resume wakes it)."""
    ctx, parent_id = algo.ctx, algo.parent_id
    parent = ctx.parent(parent_id)
    first = algo.tick_at_or_after(now_ns + 1)
    algo.reach_check = None
    if parent.paused and not parent.status.is_terminal:
        ctx.watch_quote(parent_id, None)
        return None
    if now_ns < parent.start_ns:
        return algo.tick_at_or_after(parent.start_ns)  # samples before the start are not needed
    interval = algo.wake_interval_ns
    # and on the next slice boundary, reporting progress there: the schedule is seen at every boundary
    boundary = parent.start_ns + max(0, (now_ns - parent.start_ns) // algo.slice_ns + 1) * algo.slice_ns
    last = min(algo.tick_at_or_after(now_ns + algo.max_idle_ns), algo.tick_at_or_after(boundary),
               algo.tick_at_or_after(parent.end_ns) - interval)
    live = ctx.live_children(parent_id)
    if parent.status.is_terminal or last <= first or any(c.status is OrdStatus.PENDING_CANCEL for c in live):
        ctx.watch_quote(parent_id, None)
        return first
    quote = ctx.quote_of(parent_id)
    if algo.would_act(parent, last, live, quote):  # most plans sleep to `last`: one dry run
        if algo.would_act(parent, first, live, quote):
            ctx.watch_quote(parent_id, None)
            return first
        lo, hi = 0, (last - first) // interval  # would not act at lo, would at hi
        # half of these plans act on the very next grid second (a sweep waits out `cross_interval_seconds`)
        if hi > 1:
            if algo.would_act(parent, first + interval, live, quote):
                hi = 1
            else:
                lo = 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if algo.would_act(parent, first + mid * interval, live, quote):
                hi = mid
            else:
                lo = mid
        last = first + hi * interval
    price, can_cross = algo.reach(parent, quote)
    working = [c for c in live if c.tif is TimeInForce.DAY]
    if working:  # a re-peg waits until the child rested
        check = ReachCheck(algo, parent, working[0].price, can_cross, working[0].created_ns + algo.min_rest_ns)
    else:  # the next post takes the price of its time: only whether there is one matters now
        check = ReachCheck(algo, parent, None, can_cross, now_ns, priced=price is not None)
    algo.reach_check = check
    ctx.watch_quote(parent_id, check)
    return last


class ReachCheck:
    """What a plan assumed of the quote. With a resting child at `price`: tick when the passive price moves
    off it (on the grid, not before `repeg_after`); without one (`price` None): when a passive price
    appears or goes (`priced`). Either way, at the next grid second when whether a sweep may cross changes."""

    __slots__ = ("algo", "assumed", "can_cross", "parent", "price", "priced", "repeg_after", "rule")

    def __init__(self, algo: ScheduledAlgo, parent: ParentView, price: Decimal | None, can_cross: bool,
                 repeg_after: int, *, priced: bool = True) -> None:
        self.algo, self.parent, self.price, self.can_cross = algo, parent, price, can_cross
        self.repeg_after, self.priced = repeg_after, priced
        aggressiveness = algo.aggressiveness
        # values whose hash is computed in C (an Enum's or a dataclass's __hash__ is Python code, asked on
        # every watch and touch change)
        self.rule: Hashable = (type(algo), parent.side.value, parent.limit_price, aggressiveness.improve_ticks,
                               aggressiveness.through_ticks, algo.instrument.tick_size)
        """What `reach` depends on besides the quote: checks with equal rules reach the same under any quote."""
        self.assumed: Hashable = (price, can_cross, priced)
        """What the plan assumed: checks with equal rules and assumptions agree on whether a quote moved."""

    def reach(self, quote: Quote) -> tuple[Decimal | None, bool]:
        return self.algo.reach(self.parent, quote)

    def moved(self, reach: tuple[Decimal | None, bool]) -> int | None:
        """From when a tick under a quote with this `reach` may act differently than planned (None: never)."""
        price, can_cross = reach
        if can_cross != self.can_cross:
            return 0
        if self.price is None:
            return None if (price is not None) == self.priced else 0
        return None if price == self.price else self.repeg_after

    def holds(self, quote: Quote) -> bool:
        """Whether `quote` changes nothing of what the plan assumed."""
        return self.moved(self.reach(quote)) is None


class QuoteWatch:
    """Per symbol, the algos to wake when the consolidated touch prices change, grouped so that a touch
    change costs one `reach` per rule and one comparison per distinct assumption, plus one wake per algo
    it concerns: not a computation per parent on the book."""

    def __init__(self, market: MarketView) -> None:
        self._market = market
        self._checks: dict[Symbol, dict[ParentId, ReachCheck]] = {}
        # symbol -> rule -> assumption -> the checks
        self._groups: dict[Symbol, dict[Hashable, dict[Hashable, dict[ParentId, ReachCheck]]]] = {}
        self._touch: dict[Symbol, tuple[Decimal | None, Decimal | None]] = {}

    def watch(self, symbol: Symbol, parent_id: ParentId, check: ReachCheck | None) -> None:
        """Wake `check`'s algo on the next touch change of `symbol` that moves what it assumed (None: stop)."""
        checks = self._checks.setdefault(symbol, {})
        old = checks.pop(parent_id, None)
        if old is not None:
            rules = self._groups[symbol]
            assumptions = rules[old.rule]
            members = assumptions[old.assumed]
            del members[parent_id]
            if not members:
                del assumptions[old.assumed]
                if not assumptions:
                    del rules[old.rule]
        if check is not None:
            checks[parent_id] = check
            rules = self._groups.setdefault(symbol, {})
            rules.setdefault(check.rule, {}).setdefault(check.assumed, {})[parent_id] = check

    def watching(self, symbol: Symbol) -> int:
        """How many algos watch `symbol` (diagnostics and tests)."""
        return len(self._checks.get(symbol, ()))

    def on_book(self, symbol: Symbol) -> None:
        """A book of `symbol` changed: wake the algos whose assumptions the new touch prices move (kept up to
        date with or without watchers: one registered since compares against the touch it was planned on)."""
        quote = self._market.quote(symbol)
        touch = (quote.bid, quote.ask)
        if self._touch.get(symbol) == touch:
            return
        self._touch[symbol] = touch
        moved: list[tuple[ReachCheck, int]] = []
        for assumptions in self._groups.get(symbol, {}).values():
            reach: tuple[Decimal | None, bool] | None = None
            for members in assumptions.values():
                first = next(iter(members.values()))
                if reach is None:
                    reach = first.reach(quote)
                if first.moved(reach) is None:
                    continue  # every member assumed the same: none moved
                for check in members.values():
                    when = check.moved(reach)
                    if when is not None:
                        moved.append((check, when))
        for check, when in moved:  # after the walk: a woken algo plans again and may watch anew
            check.algo.wake_at(when)
