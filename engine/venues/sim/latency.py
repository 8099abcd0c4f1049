"""One-way links with latency between the engine and a simulated venue.

A link is FIFO like the TCP connection it stands for: each message takes base + jitter, but never
overtakes an earlier one. Only the head of the queue holds a clock timer, so every message that falls
due at once is delivered by one callback in send order (asyncio's timer heap does not keep equal
deadlines in order, so one timer per message could reorder them on a `RealClock`).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from engine.clock import Clock, TimerHandle

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """One-way latency: `base_ns` plus a uniform jitter in [0, `jitter_ns`]."""

    base_ns: int = 150_000
    jitter_ns: int = 100_000

    def __post_init__(self) -> None:
        if self.base_ns < 0 or self.jitter_ns < 0:
            raise ValueError(f"latency must not be negative, got base {self.base_ns} ns jitter {self.jitter_ns} ns")

    def sample(self, rng: random.Random) -> int:
        return self.base_ns + (rng.randint(0, self.jitter_ns) if self.jitter_ns else 0)


class Link(Generic[T]):
    """Delivers items to `sink` after the modelled latency, in the order they were sent."""

    __slots__ = ("_clock", "_closed", "_last_ns", "_latency", "_queue", "_rng", "_sink", "_timer")

    def __init__(self, clock: Clock, latency: LatencyModel, rng: random.Random, sink: Callable[[T], None]) -> None:
        self._clock = clock
        self._latency = latency
        self._rng = rng
        self._sink = sink
        self._queue: deque[tuple[int, T]] = deque()
        self._timer: TimerHandle | None = None
        self._last_ns = 0
        self._closed = False

    def arrival_ns(self) -> int:
        """Reserve the arrival time of the next message sent now (use it to stamp the message)."""
        when = self._clock.now_ns() + self._latency.sample(self._rng)
        if when < self._last_ns:
            when = self._last_ns
        self._last_ns = when
        return when

    def send_at(self, when_ns: int, item: T) -> None:
        """Queue an item stamped with a time from `arrival_ns()`."""
        if self._closed:
            return
        self._queue.append((when_ns, item))
        if self._timer is None:
            self._timer = self._clock.call_at(self._queue[0][0], self._deliver_due)

    def send(self, item: T) -> None:
        self.send_at(self.arrival_ns(), item)

    def close(self) -> None:
        """Drop everything in flight and deliver nothing more."""
        self._closed = True
        self._queue.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def in_flight(self) -> int:
        return len(self._queue)

    def _deliver_due(self) -> None:
        # A real clock may fire a hair early (float loop time); the timer's own deadline counts as due.
        due_ns = self._timer.when_ns if self._timer is not None else 0
        self._timer = None
        queue, now = self._queue, max(self._clock.now_ns(), due_ns)
        while queue and queue[0][0] <= now:
            _, item = queue.popleft()
            self._sink(item)
        if queue and self._timer is None and not self._closed:
            self._timer = self._clock.call_at(queue[0][0], self._deliver_due)
