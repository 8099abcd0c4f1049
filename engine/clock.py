"""Clocks: virtual time for deterministic tests and the headless demo, real time (with a speed
multiplier) for the app. Everything in the engine asks the injected clock, never `time`."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
S_PER_DAY = 86_400
NS_PER_DAY = S_PER_DAY * NS_PER_S


class TimerHandle:
    """A scheduled callback; `cancel()` is idempotent."""

    __slots__ = ("_cancelled", "_inner", "callback", "when_ns")

    def __init__(self, when_ns: int, callback: Callable[[], None]) -> None:
        self.when_ns = when_ns
        self.callback = callback
        self._cancelled = False
        self._inner: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        self._cancelled = True
        if self._inner is not None:
            self._inner.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled


class Clock(ABC):
    """Nanosecond time in the market's frame (epoch ns) plus timers."""

    @abstractmethod
    def now_ns(self) -> int: ...

    @abstractmethod
    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle: ...

    def call_later(self, delay_ns: int, callback: Callable[[], None]) -> TimerHandle:
        return self.call_at(self.now_ns() + max(0, delay_ns), callback)


class VirtualClock(Clock):
    """Discrete-event time: nothing moves until `advance_to` / `run_until` runs the due callbacks.

    Callbacks due at the same instant run in the order they were scheduled (a stable sequence number).
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._heap: list[tuple[int, int, TimerHandle]] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        return self._now

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(max(when_ns, self._now), callback)
        heapq.heappush(self._heap, (handle.when_ns, next(self._seq), handle))
        return handle

    def next_due_ns(self) -> int | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def run_until(self, until_ns: int) -> int:
        """Run every callback due at or before `until_ns`, then set time to `until_ns`.

        Returns the number of callbacks run.
        """
        ran = 0
        heap = self._heap
        while heap and heap[0][0] <= until_ns:
            when, _, handle = heapq.heappop(heap)
            if handle.cancelled:
                continue
            self._now = when
            handle.callback()
            ran += 1
        if until_ns > self._now:
            self._now = until_ns
        return ran

    def advance(self, delta_ns: int) -> int:
        return self.run_until(self._now + delta_ns)

    @property
    def pending(self) -> int:
        return sum(1 for _, _, h in self._heap if not h.cancelled)


class RealClock(Clock):
    """Wall-clock driven time on an asyncio loop; `speed` > 1 runs the simulated market faster.

    Market time starts at `start_ns` (epoch ns) when the clock is created and advances at `speed`
    times real time.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, start_ns: int | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self._loop = loop
        self._speed = speed
        # asyncio's own loops read time.monotonic() through a Python method: read it directly (the engine asks
        # the time a dozen times an order); any other loop's clock is asked through the loop
        self._loop_time: Callable[[], float] = (
            time.monotonic if type(loop).time is asyncio.BaseEventLoop.time else loop.time)
        self._origin_loop = self._loop_time()
        self._origin_ns = time.time_ns() if start_ns is None else start_ns

    @property
    def speed(self) -> float:
        return self._speed

    def now_ns(self) -> int:
        return self._origin_ns + int((self._loop_time() - self._origin_loop) * self._speed * NS_PER_S)

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(when_ns, callback)
        loop_when = self._origin_loop + (when_ns - self._origin_ns) / (self._speed * NS_PER_S)

        def fire() -> None:
            if not handle.cancelled:
                callback()

        handle._inner = self._loop.call_at(loop_when, fire)
        return handle
