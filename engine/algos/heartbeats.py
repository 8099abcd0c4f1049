"""Progress reports of sleeping algos, gathered on whole market seconds.

An algo that plans its wakes sleeps over the seconds on which it has nothing to do, yet reports its
progress at least every few seconds (market volume and VWAP since its start move while it sleeps: the
VWAP progress chart draws them). With a timer and a turn of its own per report, 2,000 sleeping parents
cost 400 timers and 400 turns a second for reports alone (13% of `bench.engine_throughput` at 2,000
parents). Here every report due in the same whole second shares one timer and one turn: the reports
are the same, at most a second later than the algo's own grid second would have put them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.model import ParentId

log = logging.getLogger(__name__)

Beat = Callable[[int], None]
"""Called with the second's time (ns) inside the shared turn."""


def whole_second_at_or_after(t_ns: int) -> int:
    return -(-t_ns // NS_PER_S) * NS_PER_S


class ProgressHeartbeats:
    """At most one pending beat per parent; all beats of one whole second run in one turn."""

    def __init__(self, clock: Clock, turn: Callable[[], AbstractContextManager[object]]) -> None:
        self._clock = clock
        self._turn = turn
        self._due: dict[int, dict[ParentId, Beat]] = {}  # second -> the parents' beats due then
        self._second_of: dict[ParentId, int] = {}
        self._timers: dict[int, TimerHandle] = {}

    def beat_at(self, parent_id: ParentId, t_ns: int | None, beat: Beat) -> None:
        """Call `beat` at the first whole second at or after `t_ns` (and after now), replacing the parent's
        pending beat; None: no beat for the parent."""
        second = None if t_ns is None else whole_second_at_or_after(max(t_ns, self._clock.now_ns() + 1))
        old = self._second_of.get(parent_id)
        if old == second:
            if second is not None:
                self._due[second][parent_id] = beat
            return
        if old is not None:
            del self._second_of[parent_id]
            leaving = self._due[old]
            del leaving[parent_id]
            if not leaving:
                del self._due[old]
                self._timers.pop(old).cancel()
        if second is None:
            return
        self._second_of[parent_id] = second
        members = self._due.get(second)
        if members is None:
            members = self._due[second] = {}
            self._timers[second] = self._clock.call_at(second, lambda: self._fire(second))
        members[parent_id] = beat

    def pending(self, parent_id: ParentId) -> int | None:
        """When the parent's next beat is due (None: none; diagnostics and tests)."""
        return self._second_of.get(parent_id)

    @property
    def timers(self) -> int:
        """Seconds with beats pending, one timer each (diagnostics and tests)."""
        return len(self._timers)

    def _fire(self, second: int) -> None:
        del self._timers[second]
        members = self._due.pop(second)
        for parent_id in members:
            del self._second_of[parent_id]
        with self._turn():  # beats may register their next one (a later second) as they go
            for parent_id, beat in members.items():
                try:
                    beat(second)
                except Exception:  # one parent's failed report must not cost the others theirs
                    log.exception("progress report of %s failed", parent_id)
