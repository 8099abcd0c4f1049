"""Sliding windows over engine time: order and message rates, duplicate orders, repeated executions, rejects.

Each window keeps at most `cap` timestamps per key (bounded memory under a storm: past the cap the count is
"at least cap", which is all a limit needs).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

FIRM_KEY = ""
"""The firm-wide key of a window (venues and accounts have names; an enum would hash in Python, per check)."""
REJECT_WINDOW_NS = 10 * 10**9
"""The reject-rate window when the configuration names none."""


class Rate:
    """Events per key within the last `window_ns`."""

    def __init__(self, window_ns: int, cap: int) -> None:
        self.window_ns = max(1, window_ns)
        self.cap = max(1, cap)
        self._times: dict[Hashable, deque[int]] = {}

    def add(self, key: Hashable, now_ns: int) -> int:
        """Count one event; returns the count in the window including it."""
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = deque(maxlen=self.cap)
        times.append(now_ns)
        return self._trim(times, now_ns)

    def count(self, key: Hashable, now_ns: int) -> int:
        times = self._times.get(key)
        return 0 if times is None else self._trim(times, now_ns)

    def _trim(self, times: deque[int], now_ns: int) -> int:
        start = now_ns - self.window_ns
        while times and times[0] <= start:
            times.popleft()
        return len(times)

    def forget(self, key: Hashable) -> None:
        self._times.pop(key, None)

    def widen(self, cap: int) -> None:
        """Keep up to `cap` timestamps per key from now on (a raised limit); what is counted stays."""
        if cap > self.cap:
            self.cap = cap
            self._times = {key: deque(times, maxlen=cap) for key, times in self._times.items()}


class Recent:
    """Keys seen within the last `window_ns` (duplicate orders); old keys are dropped as time moves on."""

    def __init__(self, window_ns: int) -> None:
        self.window_ns = max(1, window_ns)
        self._seen: dict[Hashable, int] = {}
        self._order: deque[tuple[int, Hashable]] = deque()

    def seen_at(self, key: Hashable, now_ns: int) -> int | None:
        """When `key` was last seen within the window (None: not within it)."""
        self._expire(now_ns)
        return self._seen.get(key)

    def add(self, key: Hashable, now_ns: int) -> None:
        self._expire(now_ns)
        self._seen[key] = now_ns
        self._order.append((now_ns, key))

    def _expire(self, now_ns: int) -> None:
        start = now_ns - self.window_ns
        order, seen = self._order, self._seen
        while order and order[0][0] <= start:
            ts, key = order.popleft()
            if seen.get(key) == ts:
                del seen[key]
