"""What every scheduled algo shares: the common parameters, urgency, and the placement policy.

An algo says how much should be done by a time (`target_qty`); this shell works the parent towards it.
Re-evaluated on its one-second grid, after every fill and when a child ends; an algo whose schedule only
grows with time (`monotone_schedule`, e.g. TWAP) sleeps over the grid seconds on which it would do nothing
and is woken by a touch change that moves where its passive child belongs (engine/algos/wakes.py):
- keep one passive child on our side of the spread (capped by the limit) sized to what the schedule
  wants done by the end of the next slice; re-peg when the desired price moved, but not before the child
  rested `min_rest_seconds` (chasing every tick churns orders and throws away queue priority);
- behind by more than the catch-up tolerance (`catch_up_slices` slices, by urgency when blank), or, for
  an algo that must complete, inside the final slice: cancel the passive child and sweep the far side
  (up to the limit, and a few ticks through the touch for HIGH urgency) for the shortfall; when the limit
  keeps the far side out of reach, keep working passively instead;
- post no passive slice smaller than `min_slice_qty` (default half a slice) unless it is all that is left;
- sweep at most once every `cross_interval_seconds`, so a sweep that finds nothing is not resent in a loop;
- never more out than the parent's leaves (filled + everything live <= quantity), so a fill racing a
  cancel can never overfill; never more filled than `max_participation` x market volume since start;
- with `randomize` r > 0, each passive slice is resized by a factor in [1 - r, 1 + r] and the next post
  waits a random 0..r slice (seeded `random.Random`, deterministic for a given seed and parent).

Schedules re-plan from the current position when the parent is amended or resumed after a pause: the
quantity still to do is spread over what is left of the window (`Anchor`), so a pause does not end in
a burst of crossing and an amended quantity or end time takes effect smoothly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.algos.base import Algo, AlgoContext, ParamSpec
from engine.algos.observed import MarketSamples
from engine.algos.schedules import floor_lots
from engine.algos.wakes import ReachCheck, plan_next_tick
from engine.clock import NS_PER_S
from engine.events import AlgoProgress, DecisionReason
from engine.market import Quote
from engine.model import OrdStatus, ParentId, Side, TimeInForce
from engine.views import ChildView, ParentView

URGENCIES = ("LOW", "MEDIUM", "HIGH")
ROUTING_CHOICES = ("AUTO", "SEQUENTIAL", "PARALLEL", "LIQUIDITY")  # engine.routing.policy.RoutingPolicy


@dataclass(frozen=True, slots=True)
class Aggressiveness:
    """How an urgency level places orders (algos add their own meaning, e.g. IS risk aversion)."""

    catch_up_slices: float
    """Behind the schedule by more than this many slices: cross the spread."""
    improve_ticks: int
    """Passive orders sit this many ticks inside the spread when it is wide enough (0 = join the touch)."""
    through_ticks: int
    """A sweep may take liquidity up to this many ticks past the far touch."""


AGGRESSIVENESS = {
    "LOW": Aggressiveness(catch_up_slices=2.0, improve_ticks=0, through_ticks=0),
    "MEDIUM": Aggressiveness(catch_up_slices=1.0, improve_ticks=1, through_ticks=0),
    "HIGH": Aggressiveness(catch_up_slices=0.5, improve_ticks=1, through_ticks=2),
}

COMMON_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec("urgency", "Urgency", str, "MEDIUM", choices=URGENCIES),
    ParamSpec("slice_seconds", "Slice (s)", int, "60", minimum=1, maximum=3600),
    ParamSpec("catch_up_slices", "Catch-up after (slices behind; blank = by urgency)", float, "",
              minimum=0, maximum=100, optional=True),
    ParamSpec("max_participation", "Max participation (0 = no cap)", float, "0", minimum=0, maximum=1),
    ParamSpec("min_slice_qty", "Min passive slice (0 = half a slice)", int, "0", minimum=0),
    ParamSpec("min_rest_seconds", "Min resting time before re-peg (s)", int, "5", minimum=0, maximum=600),
    ParamSpec("cross_interval_seconds", "Min time between sweeps (s)", int, "2", minimum=0, maximum=600),
    ParamSpec("randomize", "Randomize slice size and timing (0 = off, up to 0.5)", float, "0",
              minimum=0, maximum=0.5),
    ParamSpec("seed", "Random seed", int, "0", minimum=0),
    # read by the smart router, not the algo (engine/routing/policy.py); blank: the desk's [routing] policy
    ParamSpec("routing", "Routing (blank = desk default)", str, "", choices=ROUTING_CHOICES, optional=True),
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where the schedule (re)starts: at `time_ns`, `filled` done and the market at `volume`."""

    time_ns: int
    filled: int
    volume: int


class ScheduledAlgo(Algo):
    """Works a parent towards `target_qty` with the placement policy in the module docstring."""

    must_complete = True
    """Sweep everything left in the final slice (POV does not: it follows the market)."""

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        super().__init__(parent_id, ctx, params)
        self.samples = MarketSamples()
        self.instrument = ctx.instrument_of(parent_id)
        self._volume_now: tuple[int, int] | None = None  # (clock ns, volume) within one evaluation
        self.aggressiveness = AGGRESSIVENESS[self.param_choice("urgency")]
        catch_up = self.param_optional_float("catch_up_slices")
        self.catch_up_slices = self.aggressiveness.catch_up_slices if catch_up is None else catch_up
        self.slice_ns = self.param_int("slice_seconds") * NS_PER_S
        # read on every tick and dry run (the parameters are fixed once the algo is built)
        self.min_rest_ns = self.param_int("min_rest_seconds") * NS_PER_S
        self._randomize = self.param_float("randomize")
        self._min_slice_qty = self.param_int("min_slice_qty")
        self.rng = random.Random(f"{self.param_int('seed')}/{parent_id}")
        self._anchor: Anchor | None = None
        self._start_volume: int | None = None
        self._replan = False
        self._next_cross_ns = 0
        self._next_post_ns = 0
        self._next_reason: DecisionReason | None = None  # why the next passive child goes (None: a slice)
        self.reach_check: ReachCheck | None = None
        """What the last plan assumed of the quote (engine/algos/wakes.py); None: nothing (not sleeping)."""
        self._prices_seen: tuple[Quote, ParentView, tuple[Decimal | None, Decimal | None, bool]] | None = None
        self._plans_wakes = self.monotone_schedule and self._randomize <= 0 \
            and self.param_float("max_participation") <= 0

    # --- market observations ----------------------------------------------------------------------------

    def observe(self, now_ns: int) -> None:
        volume, vwap = self.ctx.market_since_start(self.parent_id)
        self.samples.record(now_ns, volume, vwap, self.ctx.quote_of(self.parent_id).mid)

    def market_volume(self) -> int:
        """Market volume since the parent was accepted, as of now."""
        cached = self._volume_now
        if cached is not None and cached[0] == self.ctx.clock.now_ns():
            return cached[1]
        return self.ctx.market_since_start(self.parent_id)[0]

    def volume_since_start(self, parent: ParentView) -> int:
        if self._start_volume is None:
            self._start_volume = self.samples.volume_at(parent.start_ns)
        return self.market_volume() - self._start_volume

    # --- anchors: re-plan on amend and resume ----------------------------------------------------------------

    def anchor(self, parent: ParentView) -> Anchor:
        if self._anchor is None:
            now = self.ctx.clock.now_ns()
            if parent.cum_qty > 0 or now > parent.start_ns + self.slice_ns:
                # joining late (e.g. adopted after a restart): plan what is left from here
                self._anchor = Anchor(now, parent.cum_qty, self.market_volume())
                self._next_reason = DecisionReason.RECOVERY
            else:
                self._anchor = Anchor(parent.start_ns, 0, self.samples.volume_at(parent.start_ns))
            self.replanned(parent, self._anchor)
        return self._anchor

    def replan(self, parent: ParentView, now_ns: int) -> None:
        """Spread what is left over what is left of the window, from now."""
        self._anchor = Anchor(now_ns, parent.cum_qty, self.market_volume())
        self.replanned(parent, self._anchor)

    def replanned(self, parent: ParentView, anchor: Anchor) -> None:
        """Hook: the schedule restarts at `anchor` (e.g. recompute a trajectory)."""

    def on_amended(self) -> None:
        self._replan = True
        self._next_reason = DecisionReason.AMEND
        self.wake()

    def on_resumed(self, parent: ParentView, now_ns: int) -> None:
        self._replan = True
        self._next_reason = DecisionReason.RESUME

    # --- the schedule ---------------------------------------------------------------------------------------

    def schedule_fraction(self, parent: ParentView, anchor: Anchor, t_ns: int) -> float:
        """Share (0..1) of the quantity left at the anchor that is due by `t_ns`."""
        raise NotImplementedError

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        lot = self.instrument.lot_size
        if now_ns >= parent.end_ns:
            return parent.quantity
        anchor = self.anchor(parent)
        if now_ns <= anchor.time_ns:
            return min(parent.quantity, anchor.filled)
        left = parent.quantity - anchor.filled
        fraction = min(1.0, max(0.0, self.schedule_fraction(parent, anchor, now_ns)))
        return min(parent.quantity, anchor.filled + floor_lots(int(fraction * left + 1e-9), lot))

    def forecast_qty(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int:
        """What the schedule will want done by `horizon_ns` (a future time), as best known now."""
        return self.target_qty(parent, horizon_ns)

    def crossing_floor(self, parent: ParentView, now_ns: int, due_now: int, slice_qty: int) -> float:
        """Filled below this, cross the spread."""
        return due_now - self.catch_up_slices * slice_qty

    def fill_cap(self, parent: ParentView, now_ns: int, horizon_ns: int) -> int | None:
        """Most we may have filled by `horizon_ns` (None: no cap besides the quantity)."""
        max_rate = self.param_float("max_participation")
        if max_rate <= 0:
            return None
        volume = self.volume_since_start(parent)
        if horizon_ns > now_ns:
            rate = self.samples.rate(now_ns, 5 * 60 * NS_PER_S) or 0.0
            volume += int(rate * (horizon_ns - now_ns) / NS_PER_S)
        return int(max_rate * volume)

    # --- placement --------------------------------------------------------------------------------------------

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        if now_ns >= parent.end_ns:
            return  # the engine expires the parent at its end time: nothing new may go out
        self._volume_now = (now_ns, self.ctx.market_since_start(self.parent_id)[0])
        try:
            self._work(parent, now_ns, self.ctx.live_children(self.parent_id), self.ctx.quote_of(self.parent_id))
        finally:
            self._volume_now = None

    def _work(self, parent: ParentView, now_ns: int, live: list[ChildView], quote: Quote, *, dry: bool = False) -> bool:
        """Work the parent at `now_ns`; True when something was (or, `dry`, would be) sent or canceled.

        `dry` changes nothing and answers whether a tick at `now_ns` (a future time, as things stand)
        would act (send or cancel).
        """
        if self._replan:
            if dry:
                return True
            self._replan = False
            self.replan(parent, now_ns)
        instrument = self.instrument
        lot = instrument.lot_size
        exposure = parent.cum_qty + sum(c.leaves_qty for c in live)
        room = parent.quantity - exposure  # what may still be sent without any risk of overfill
        passive = [c for c in live if c.tif is TimeInForce.DAY]
        horizon = min(parent.end_ns, now_ns + self.slice_ns)
        due_now = self.target_qty(parent, now_ns)
        due_next = self.forecast_qty(parent, now_ns, horizon)
        slice_qty = max(lot, self.typical_slice(parent, now_ns, due_now, due_next))
        in_final_slice = self.must_complete and now_ns >= parent.end_ns - self.slice_ns
        behind = due_now - parent.cum_qty

        catching_up = in_final_slice or parent.cum_qty < self.crossing_floor(parent, now_ns, due_now, slice_qty)
        price, sweep_limit, can_cross = self._prices(parent, quote)
        if catching_up and can_cross:
            acted = False
            for child in passive:
                if child.status is not OrdStatus.PENDING_CANCEL:
                    if dry:
                        return True
                    self.ctx.cancel_child(child.child_id, f"{self.name} catching up: crossing the spread")
                    acted = True
            shortfall = parent.leaves_qty if in_final_slice else behind
            cross = self._capped(parent, now_ns, now_ns, min(shortfall, room), exposure)
            cross -= cross % lot
            if cross > 0 and now_ns >= self._next_cross_ns and self._sendable(parent, cross):
                if dry:
                    return True
                # an unanswered sweep comes back at once; without a pause it would be resent in a loop
                self._next_cross_ns = now_ns + self.param_int("cross_interval_seconds") * NS_PER_S
                why = DecisionReason.FINAL_SWEEP if in_final_slice else DecisionReason.CATCH_UP_SWEEP
                self.ctx.send_aggressive(self.parent_id, cross, sweep_limit, reason=why, target_qty=due_now)
                acted = True
            return acted
        # on or ahead of schedule, or behind with the far side out of reach of the limit: work passively

        iocs = sum(c.leaves_qty for c in live if c.tif is TimeInForce.IOC)
        want = max(0, min(due_next - parent.cum_qty - iocs, parent.leaves_qty))
        most = self._capped(parent, now_ns, horizon, room, parent.cum_qty + iocs)
        want = min(want, most)
        want -= want % lot
        working = [c for c in passive if c.status is not OrdStatus.PENDING_CANCEL]
        if working:
            child = working[0]
            rested = now_ns - child.created_ns >= self.min_rest_ns
            stale_price = rested and price is not None and child.price != price
            too_big = child.leaves_qty > want + slice_qty
            if stale_price or too_big or want == 0:
                if dry:
                    return True
                self.ctx.cancel_child(child.child_id, f"{self.name} re-pegging")
                self._next_reason = self._next_reason or DecisionReason.REPEG
                return True
            return False
        if any(c.status is OrdStatus.PENDING_CANCEL for c in passive) or now_ns < self._next_post_ns:
            return False  # wait for the cancel to land (or the randomized pause to pass) before re-posting
        quantity = min(want, room)
        randomize = self._randomize
        if randomize > 0:  # never past the leaves or the participation cap
            if dry:
                return True  # the draw below is made on every tick: never skip one
            quantity = min(most, int(quantity * (1.0 + self.rng.uniform(-randomize, randomize))))
        quantity -= quantity % lot
        min_post = self._min_slice_qty or slice_qty // 2
        if quantity < min(max(lot, min_post), room, parent.leaves_qty):
            return False  # top up once a worthwhile slice is due, not share by share
        if price is None or not self._sendable(parent, quantity):
            return False
        if dry:
            return True
        self.ctx.send_passive(self.parent_id, quantity, price, reason=self._next_reason or
                              DecisionReason.PASSIVE_SLICE, target_qty=due_now)
        self._next_reason = None
        if randomize > 0:
            self._next_post_ns = now_ns + int(self.rng.uniform(0.0, randomize) * self.slice_ns)
        return True

    # --- wake planning (engine/algos/wakes.py) -----------------------------------------------------------------

    @property
    def plans_wakes(self) -> bool:
        """Schedules that only grow with time, with no draw per tick and no volume cap, can say when they
        next have something to do (`monotone_schedule`); the others tick every second."""
        return self._plans_wakes

    monotone_schedule = False
    """True when, with the parent, its children and the quote unchanged, whether a tick would act only
    goes from no to yes as time passes (target and forecast non-decreasing, slice size constant)."""

    def next_tick_ns(self, now_ns: int) -> int | None:
        return plan_next_tick(self, now_ns)

    def progress_due(self, now_ns: int) -> bool:  # a sleeping algo reports on each slice boundary
        return self._plans_wakes and now_ns >= self._start_ns and (now_ns - self._start_ns) % self.slice_ns == 0

    def plan_holds(self, now_ns: int) -> bool:
        check = self.reach_check
        return check is not None and check.holds(self.ctx.quote_of(self.parent_id))

    def _sendable(self, parent: ParentView, quantity: int) -> bool:
        """Whether the child pipeline would send anything for `quantity` (below the desk's round lot or
        minimum child it sends nothing). Asked only when planning wakes: an algo that ticks every second
        keeps calling the pipeline as it always did (a refused sweep then starts the sweep pause)."""
        if not self._plans_wakes:
            return True
        return self.ctx.child_size(quantity, parent.leaves_qty - parent.working_qty, self.instrument.lot_size) > 0

    def would_act(self, parent: ParentView, t_ns: int, live: list[ChildView], quote: Quote) -> bool:
        """Whether a tick at `t_ns` (as things stand now) would send, cancel or catch up (changes nothing)."""
        if t_ns >= parent.end_ns:
            return False
        return self._work(parent, t_ns, live, quote, dry=True)

    def reach(self, parent: ParentView, quote: Quote) -> tuple[Decimal | None, bool]:
        """Under `quote`: where a passive child of this parent belongs, and whether a sweep may cross."""
        price, _, can_cross = self._prices(parent, quote)
        return price, can_cross

    def _prices(self, parent: ParentView, quote: Quote) -> tuple[Decimal | None, Decimal | None, bool]:
        """(passive price, sweep limit, whether a sweep may cross) under `quote`. The same for every dry run of
        one wake plan, so kept while the quote and the parent view are the same objects (both are immutable,
        and new objects when the book or the parent changes)."""
        seen = self._prices_seen
        if seen is not None and seen[0] is quote and seen[1] is parent:
            return seen[2]
        tick = self.instrument.tick_size
        sweep_limit = self._sweep_limit(parent, quote, tick)
        found = (self._passive_price(parent.side, quote, parent.limit_price, tick), sweep_limit,
                 self._can_cross(parent.side, quote, sweep_limit))
        self._prices_seen = (quote, parent, found)
        return found

    def typical_slice(self, parent: ParentView, now_ns: int, due_now: int, due_next: int) -> int:
        """The quantity one slice usually carries: sets the catch-up tolerance and the minimum post."""
        return due_next - due_now

    def _capped(self, parent: ParentView, now_ns: int, horizon_ns: int, quantity: int, committed: int) -> int:
        cap = self.fill_cap(parent, now_ns, horizon_ns)
        if cap is None:
            return quantity
        return max(0, min(quantity, cap - committed))

    @staticmethod
    def _can_cross(side: Side, quote: Quote, sweep_limit: Decimal | None) -> bool:
        far = quote.ask if side is Side.BUY else quote.bid
        if far is None:
            return False
        return sweep_limit is None or (far <= sweep_limit if side is Side.BUY else far >= sweep_limit)

    def _sweep_limit(self, parent: ParentView, quote: Quote, tick: Decimal) -> Decimal | None:
        through = tick * self.aggressiveness.through_ticks
        far = quote.ask if parent.side is Side.BUY else quote.bid
        limit = parent.limit_price
        if far is None:
            return limit
        reach = far + through if parent.side is Side.BUY else far - through
        if limit is None:
            return reach
        return min(reach, limit) if parent.side is Side.BUY else max(reach, limit)

    def _passive_price(self, side: Side, quote: Quote, limit: Decimal | None, tick: Decimal) -> Decimal | None:
        """Join the touch, or sit `improve_ticks` inside the spread when it is at least three ticks wide;
        never past the limit."""
        touch, far = (quote.bid, quote.ask) if side is Side.BUY else (quote.ask, quote.bid)
        sign = side.sign  # +1 buy: better for us = higher
        if touch is None:
            if far is None:
                return limit
            touch = far - sign * tick
        elif far is not None:
            improved = touch + sign * tick * self.aggressiveness.improve_ticks
            inside = far - sign * 2 * tick  # stay two ticks off the far touch: never cross, never hand a cheap cross
            touch = max(touch, min(improved, inside)) if side is Side.BUY else min(touch, max(improved, inside))
        if limit is None:
            return touch
        return min(touch, limit) if side is Side.BUY else max(touch, limit)

    # --- progress ----------------------------------------------------------------------------------------------

    def progress(self, parent: ParentView, now_ns: int) -> AlgoProgress:
        """Market volume and VWAP since the parent's start (the engine counts from acceptance)."""
        volume, vwap = self.ctx.market_since_start(self.parent_id)
        start_volume = self.samples.volume_at(parent.start_ns)
        start_notional = self.samples.notional_at(parent.start_ns)
        since = volume - start_volume
        market_vwap = None
        if since > 0 and vwap is not None:
            market_vwap = (vwap * volume - start_notional) / since
        return AlgoProgress(
            now_ns, self.parent_id, self.target_qty(parent, now_ns), parent.cum_qty, parent.working_qty,
            since, market_vwap, parent.arrival_mid, parent.avg_price, parent.arrival_slippage_bps,
        )
