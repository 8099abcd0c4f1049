"""The algo shell: what an algo may ask of the engine, and the lifecycle every algo follows.

Algos hold no order state of their own: they read the parent and its children from the engine,
compute a target with a pure schedule function, and send or cancel children through the context.
Risk checks, routing and journaling happen on the engine side of `AlgoContext`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.events import AlgoProgress, ChildFilled, DecisionReason
from engine.market import Quote
from engine.model import ChildId, Instrument, ParentId
from engine.views import ChildView, ParentView

if TYPE_CHECKING:
    from engine.algos.wakes import ReachCheck


class AlgoContext(Protocol):
    """The engine as an algo sees it."""

    @property
    def clock(self) -> Clock: ...

    def parent(self, parent_id: ParentId) -> ParentView: ...

    def instrument_of(self, parent_id: ParentId) -> Instrument: ...

    def quote_of(self, parent_id: ParentId) -> Quote: ...

    def live_children(self, parent_id: ParentId) -> list[ChildView]: ...

    def send_passive(self, parent_id: ParentId, quantity: int, price: Decimal, *,
                     reason: DecisionReason | None = None, target_qty: int | None = None) -> ChildId | None: ...

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None, *,
                        reason: DecisionReason | None = None, target_qty: int | None = None) -> list[ChildId]: ...

    def cancel_child(self, child_id: ChildId, reason: str) -> None: ...

    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]: ...

    def publish_progress(self, progress: AlgoProgress) -> None: ...

    def child_size(self, quantity: int, room: int, instrument_lot: int) -> int:
        """What the child pipeline would send for `quantity` with `room` left to send (0: nothing yet)."""
        ...

    def watch_quote(self, parent_id: ParentId, check: ReachCheck | None) -> None:
        """Wake the check's algo when the touch prices of the parent's symbol move what it assumed (None: stop)."""
        ...

    def report_at(self, parent_id: ParentId, t_ns: int | None, beat: Callable[[int], None]) -> None:
        """Call `beat(now)` at the first whole market second at or after `t_ns`, in a turn shared with every
        sleeping algo's report due then (None: no report pending)."""
        ...


class ParamError(ValueError):
    """An algo parameter that is missing, malformed or out of range; the message names it."""


ParamValue = float | int | Decimal | str | None


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter an algo takes: for validation and for the ticket form.

    `kind` is int, float, Decimal or str. With `choices` the value must be one of them (compared in
    upper case). An `optional` parameter may be left blank: its value is then None, meaning "derive
    it" (from the urgency, or from the market data seen so far), as the label says. `at_most` relates
    two numeric parameters (e.g. min rate <= rate).
    """

    name: str
    label: str
    kind: type  # int, float, Decimal or str
    default: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    at_most: str | None = None
    """Name of another parameter this one must not exceed (when both are given)."""


def parse_params(specs: tuple[ParamSpec, ...], raw: Mapping[str, str]) -> dict[str, ParamValue]:
    """Validate raw string parameters against specs; unknown names and bad values raise ParamError."""
    known = {s.name: s for s in specs}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ParamError(f"unknown parameter(s) {', '.join(unknown)}; this algo takes {', '.join(known) or 'none'}")
    values: dict[str, ParamValue] = {}
    for spec in specs:
        values[spec.name] = _parse_one(spec, raw.get(spec.name, spec.default))
    for spec in specs:
        other = known.get(spec.at_most) if spec.at_most else None
        value, bound = values[spec.name], values[other.name] if other else None
        if other and isinstance(value, int | float | Decimal) and isinstance(bound, int | float | Decimal) \
                and value > bound:
            raise ParamError(f"{spec.label}: {value:g} is above {other.label} {bound:g}")
    return values


def _parse_one(spec: ParamSpec, raw: str) -> ParamValue:
    text = raw.strip()
    if not text and spec.optional:
        return None
    if spec.choices:
        choice = text.upper()
        if choice not in spec.choices:
            raise ParamError(f"{spec.label}: {text!r} is not one of {', '.join(spec.choices)}")
        return choice
    if spec.kind is str:
        return text
    try:
        value: float | int | Decimal = spec.kind(text)
    except (ValueError, ArithmeticError):
        raise ParamError(f"{spec.label}: {text!r} is not a valid {spec.kind.__name__}") from None
    if not _finite(value):
        raise ParamError(f"{spec.label}: {text!r} is not a finite number")
    if spec.minimum is not None and float(value) < spec.minimum:
        raise ParamError(f"{spec.label}: {text} is below the minimum {spec.minimum:g}")
    if spec.maximum is not None and float(value) > spec.maximum:
        raise ParamError(f"{spec.label}: {text} is above the maximum {spec.maximum:g}")
    return value


def _finite(value: float | int | Decimal) -> bool:
    try:
        return math.isfinite(float(value))
    except (ValueError, ArithmeticError):
        return False


class Algo(ABC):
    """Thin reactive shell around a pure schedule: wakes on a timer, on fills and on child completion.

    Timer ticks fall on a one-second grid from the first tick (from the start time once it is reached).
    By default an algo ticks on every grid second. An algo that can tell when it next has something to
    do (`plans_wakes`, `next_tick_ns`) sleeps over the grid seconds on which it would do nothing: it
    evaluates at least every `max_idle_ns`, and every wake re-plans its next tick. While asleep it
    reports progress every `progress_heartbeat_ns` (rounded up to a whole market second: the reports of
    every sleeping algo due in one second share one timer and one turn, `engine/algos/heartbeats.py`).
    """

    name: str = ""
    params_spec: tuple[ParamSpec, ...] = ()
    wake_interval_ns: int = NS_PER_S
    progress_interval_ns: int = NS_PER_S
    max_idle_ns: int = 60 * NS_PER_S
    """A sleeping algo still ticks (evaluates) this often (market samples)."""
    progress_heartbeat_ns: int = 5 * NS_PER_S
    """A sleeping algo reports its progress this long after its last report, on the next whole second (a
    report only, no evaluation)."""

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        self.parent_id = parent_id
        self.ctx = ctx
        self.params = parse_params(self.params_spec, params)
        self._timer: TimerHandle | None = None
        self._running = False
        self._paused_seen = False
        self._last_progress_ns = -(1 << 62)
        self._grid_origin_ns = 0
        self._start_ns = 0
        self._planned_ns: int | None = None  # the tick the last plan chose (a touch change may bring one sooner)

    # --- typed parameter access (values were validated against `params_spec`) ---------------------------

    def param_int(self, name: str) -> int:
        value = self.params[name]
        assert isinstance(value, int), name
        return value

    def param_float(self, name: str) -> float:
        value = self.params[name]
        assert isinstance(value, int | float), name
        return float(value)

    def param_optional_float(self, name: str) -> float | None:
        value = self.params[name]
        if value is None:
            return None
        assert isinstance(value, int | float), name
        return float(value)

    def param_choice(self, name: str) -> str:
        value = self.params[name]
        assert isinstance(value, str), name
        return value

    # --- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Begin ticking now (observing the market); working starts at the parent's start time."""
        self._running = True
        self._grid_origin_ns = self.ctx.clock.now_ns()
        self._start_ns = self.ctx.parent(self.parent_id).start_ns  # fixed for the parent's life
        self._on_timer()

    def stop(self) -> None:
        """Stop for good (parent done, canceled, expired); working children are the engine's concern."""
        self._running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.plans_wakes:
            self.ctx.watch_quote(self.parent_id, None)
            self.ctx.report_at(self.parent_id, None, self._report)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def plans_wakes(self) -> bool:
        """Whether this algo sleeps until `next_tick_ns` instead of ticking every grid second."""
        return False

    @property
    def next_timer_ns(self) -> int | None:
        """When the algo's timer next fires (None: no timer; diagnostics and tests)."""
        return self._timer.when_ns if self._timer is not None else None

    @property
    def planned_tick_ns(self) -> int | None:
        """When a planning algo next evaluates unless woken sooner (heartbeats before it only report)."""
        return self._planned_ns

    def on_fill(self, fill: ChildFilled) -> None:
        """Recalibrate after every fill."""
        self.wake()

    def on_child_done(self, child_id: ChildId) -> None:
        self.wake()

    def on_amended(self) -> None:
        self.wake()

    def on_resumed(self, parent: ParentView, now_ns: int) -> None:
        """First wake after a pause (before `evaluate`); schedules may re-plan from here."""

    def observe(self, now_ns: int) -> None:
        """Called on every timer tick, also before the start and while paused: sample the market."""

    def wake(self) -> None:
        """Re-evaluate now (a fill, a child done, an amend, a resume); a planning algo re-plans its tick."""
        if not self._running:
            return
        self._step()
        if self._running and self.plans_wakes:
            self._plan_tick(self.ctx.clock.now_ns())

    def _step(self) -> None:
        parent = self.ctx.parent(self.parent_id)
        now = self.ctx.clock.now_ns()
        if parent.status.is_terminal or now < parent.start_ns:
            return
        if parent.paused:
            self._paused_seen = True
            return
        if self._paused_seen:
            self._paused_seen = False
            self.on_resumed(parent, now)
        self.evaluate(parent, now)
        if now - self._last_progress_ns >= self.progress_interval_ns or self.progress_due(now):
            self._last_progress_ns = now
            self.ctx.publish_progress(self.progress(self.ctx.parent(self.parent_id), now))

    def _on_timer(self) -> None:
        self._timer = None
        if not self._running:
            return
        now = self.ctx.clock.now_ns()
        planned = self._planned_ns
        if planned is not None and now < planned and self.plan_holds(now):
            self._schedule(planned)  # brought forward by a touch change that has gone back since: sleep on
            return
        start = self.ctx.parent(self.parent_id).start_ns
        if now == start:
            self._grid_origin_ns = now  # the grid runs from the start time once it is reached
        self.observe(now)
        self._step()
        if not self._running:
            return
        if self.plans_wakes:
            self._plan_tick(now)
            return
        next_ns = now + self.wake_interval_ns
        # the first working wake lands exactly on the start time
        self._schedule(start if now < start < next_ns else next_ns)

    def _plan_tick(self, now_ns: int) -> None:
        when = self._planned_ns = self.next_tick_ns(now_ns)
        if when is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        elif self._timer is None or self._timer.when_ns != when:
            self._schedule(when)
        self._plan_report(when)

    def _plan_report(self, planned: int | None) -> None:
        """The next progress report while asleep: a heartbeat after the last report, if it comes before the
        planned tick (which reports itself); none before the start, none while no tick is planned."""
        due = max(self._last_progress_ns + self.progress_heartbeat_ns, self._start_ns)
        self.ctx.report_at(self.parent_id, due if planned is not None and due < planned else None, self._report)

    def _report(self, now_ns: int) -> None:
        """A heartbeat while asleep (in the turn all reports of this second share): progress only. A touch
        change that moves the plan has already brought the algo's own tick forward (`wake_at`)."""
        planned = self._planned_ns
        if not self._running or planned is None or now_ns >= planned:
            return  # stopped, or the planned tick is due now: it reports
        self._last_progress_ns = now_ns
        self.ctx.publish_progress(self.progress(self.ctx.parent(self.parent_id), now_ns))
        self._plan_report(planned)

    def tick_at_or_after(self, t_ns: int) -> int:
        """The first grid second at or after `t_ns` (the start time itself before the start)."""
        start = self._start_ns
        if t_ns <= start and self._grid_origin_ns < start:
            origin = self._grid_origin_ns
            grid = origin + -((origin - t_ns) // self.wake_interval_ns) * self.wake_interval_ns
            return min(grid, start)
        origin = start if start > self._grid_origin_ns else self._grid_origin_ns
        return origin + -((origin - t_ns) // self.wake_interval_ns) * self.wake_interval_ns

    def next_tick_ns(self, now_ns: int) -> int | None:
        """When to tick next, after a wake at `now_ns` (None: not until an event wakes the algo).

        Only called when `plans_wakes`; the default is the next grid second (every tick, as without)."""
        return self.tick_at_or_after(now_ns + 1)

    def progress_due(self, now_ns: int) -> bool:
        """Publish progress at `now_ns` even if the last report is under `progress_interval_ns` old."""
        return False

    def plan_holds(self, now_ns: int) -> bool:
        """On a tick brought forward (`wake_at`) before the planned one: whether the last plan still holds,
        nothing having happened since but market data that changes nothing for this algo (skip the tick)."""
        return False

    def wake_at(self, t_ns: int) -> None:
        """Tick at the first grid second at or after `t_ns` and after now, unless a tick comes sooner."""
        if not self._running:
            return
        when = self.tick_at_or_after(max(t_ns, self.ctx.clock.now_ns() + 1))  # this second's tick may be past
        if self._timer is None or self._timer.when_ns > when:
            self._schedule(when)

    def _schedule(self, when_ns: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.ctx.clock.call_at(when_ns, self._on_timer)

    @abstractmethod
    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        """How much should be filled by `now_ns` according to the schedule."""

    @abstractmethod
    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        """Compare schedule and progress; send, cancel or leave children."""

    def progress(self, parent: ParentView, now_ns: int) -> AlgoProgress:
        volume, vwap = self.ctx.market_since_start(self.parent_id)
        return AlgoProgress(
            now_ns, self.parent_id, self.target_qty(parent, now_ns), parent.cum_qty, parent.working_qty,
            volume, vwap, parent.arrival_mid, parent.avg_price, parent.arrival_slippage_bps,
        )
