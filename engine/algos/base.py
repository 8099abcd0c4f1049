"""The algo shell: what an algo may ask of the engine, and the lifecycle every algo follows.

Algos hold no order state of their own: they read the parent and its children from the engine,
compute a target with a pure schedule function, and send or cancel children through the context.
Risk checks, routing and journaling happen on the engine side of `AlgoContext`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.events import AlgoProgress, ChildFilled
from engine.market import Quote
from engine.model import ChildId, Instrument, ParentId
from engine.views import ChildView, ParentView


class AlgoContext(Protocol):
    """The engine as an algo sees it."""

    @property
    def clock(self) -> Clock: ...

    def parent(self, parent_id: ParentId) -> ParentView: ...

    def instrument_of(self, parent_id: ParentId) -> Instrument: ...

    def quote_of(self, parent_id: ParentId) -> Quote: ...

    def live_children(self, parent_id: ParentId) -> list[ChildView]: ...

    def send_passive(self, parent_id: ParentId, quantity: int, price: Decimal) -> ChildId | None: ...

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None) -> list[ChildId]: ...

    def cancel_child(self, child_id: ChildId, reason: str) -> None: ...

    def market_since_start(self, parent_id: ParentId) -> tuple[int, Decimal | None]: ...

    def publish_progress(self, progress: AlgoProgress) -> None: ...


class ParamError(ValueError):
    """An algo parameter that is missing, malformed or out of range; the message names it."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter an algo takes: for validation and for the ticket form."""

    name: str
    label: str
    kind: type  # int, float or Decimal
    default: str
    minimum: float | None = None
    maximum: float | None = None


def parse_params(specs: tuple[ParamSpec, ...], raw: Mapping[str, str]) -> dict[str, float | int | Decimal]:
    """Validate raw string parameters against specs; unknown names and bad values raise ParamError."""
    known = {s.name: s for s in specs}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ParamError(f"unknown parameter(s) {', '.join(unknown)}; this algo takes {', '.join(known) or 'none'}")
    values: dict[str, float | int | Decimal] = {}
    for spec in specs:
        text = raw.get(spec.name, spec.default).strip()
        try:
            value: float | int | Decimal = spec.kind(text)
        except (ValueError, ArithmeticError):
            raise ParamError(f"{spec.label}: {text!r} is not a valid {spec.kind.__name__}") from None
        if spec.minimum is not None and float(value) < spec.minimum:
            raise ParamError(f"{spec.label}: {text} is below the minimum {spec.minimum:g}")
        if spec.maximum is not None and float(value) > spec.maximum:
            raise ParamError(f"{spec.label}: {text} is above the maximum {spec.maximum:g}")
        values[spec.name] = value
    return values


class Algo(ABC):
    """Thin reactive shell around a pure schedule: wakes on a timer, on fills and on child completion."""

    name: str = ""
    params_spec: tuple[ParamSpec, ...] = ()
    wake_interval_ns: int = NS_PER_S
    progress_interval_ns: int = NS_PER_S

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        self.parent_id = parent_id
        self.ctx = ctx
        self.params = parse_params(self.params_spec, params)
        self._timer: TimerHandle | None = None
        self._running = False
        self._last_progress_ns = -(1 << 62)

    def start(self) -> None:
        """Begin working: first wake-up at the parent's start time (or now)."""
        self._running = True
        parent = self.ctx.parent(self.parent_id)
        if parent.start_ns <= self.ctx.clock.now_ns():
            self._on_timer()
        else:
            self._schedule(parent.start_ns)

    def stop(self) -> None:
        """Stop for good (parent done, canceled, expired); working children are the engine's concern."""
        self._running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def running(self) -> bool:
        return self._running

    def on_fill(self, fill: ChildFilled) -> None:
        """Recalibrate after every fill."""
        self.wake()

    def on_child_done(self, child_id: ChildId) -> None:
        self.wake()

    def on_amended(self) -> None:
        self.wake()

    def wake(self) -> None:
        if not self._running:
            return
        parent = self.ctx.parent(self.parent_id)
        now = self.ctx.clock.now_ns()
        if parent.status.is_terminal or parent.paused or now < parent.start_ns:
            return
        self.evaluate(parent, now)
        if now - self._last_progress_ns >= self.progress_interval_ns:
            self._last_progress_ns = now
            self.ctx.publish_progress(self.progress(self.ctx.parent(self.parent_id), now))

    def _on_timer(self) -> None:
        self._timer = None
        if not self._running:
            return
        self.wake()
        self._schedule(self.ctx.clock.now_ns() + self.wake_interval_ns)

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
