"""Sleeping algos' progress reports: gathered on whole market seconds, one timer and one turn per second."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

import pytest

from engine import events as ev
from engine.algos.heartbeats import ProgressHeartbeats
from engine.clock import NS_PER_S, VirtualClock
from engine.model import ParentId
from tests.engine.algos.test_wake_planning import new_desk
from tests.engine.conftest import OPEN_NS

MS = 1_000_000


class Turns:
    def __init__(self) -> None:
        self.opened = 0
        self.depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        self.opened += 1
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


def heartbeats() -> tuple[VirtualClock, Turns, ProgressHeartbeats]:
    clock, turns = VirtualClock(OPEN_NS), Turns()
    return clock, turns, ProgressHeartbeats(clock, turns.turn)


def test_reports_due_in_one_second_share_one_timer_and_one_turn() -> None:
    clock, turns, beats = heartbeats()
    heard: list[tuple[str, int, int]] = []
    for n in range(500):  # due 1 ms apart: all within the same whole second
        pid = ParentId(f"P{n}")
        beats.beat_at(pid, OPEN_NS + 4 * NS_PER_S + (n + 1) * MS,
                      lambda now, pid=pid: heard.append((pid, now, turns.depth)))
    assert beats.timers == 1
    clock.advance(5 * NS_PER_S)
    assert len(heard) == 500 and turns.opened == 1
    assert {now for _, now, _ in heard} == {OPEN_NS + 5 * NS_PER_S}  # rounded up to the whole second
    assert {depth for _, _, depth in heard} == {1}  # inside the shared turn
    assert beats.timers == 0 and beats.pending(ParentId("P0")) is None


def test_a_new_report_replaces_the_pending_one_and_none_removes_it() -> None:
    clock, turns, beats = heartbeats()
    heard: list[str] = []
    pid = ParentId("P1")
    beats.beat_at(pid, OPEN_NS + 3 * NS_PER_S, lambda now: heard.append("first"))
    beats.beat_at(pid, OPEN_NS + 7 * NS_PER_S, lambda now: heard.append("second"))
    assert beats.pending(pid) == OPEN_NS + 7 * NS_PER_S and beats.timers == 1  # the 3 s timer went with it
    clock.advance(10 * NS_PER_S)
    assert heard == ["second"]
    beats.beat_at(pid, OPEN_NS + 12 * NS_PER_S, lambda now: heard.append("third"))
    beats.beat_at(pid, None, lambda now: heard.append("third"))
    clock.advance(10 * NS_PER_S)
    assert heard == ["second"] and beats.timers == 0 and turns.opened == 1


def test_a_report_is_never_due_now_or_in_the_past() -> None:
    clock, _, beats = heartbeats()
    clock.advance(2 * NS_PER_S)
    beats.beat_at(ParentId("P1"), OPEN_NS, lambda now: None)
    assert beats.pending(ParentId("P1")) == OPEN_NS + 3 * NS_PER_S


def test_a_report_may_plan_its_next_and_one_failing_costs_no_other_its_report(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, _, beats = heartbeats()
    heard: list[tuple[str, int]] = []

    def again(now: int) -> None:
        heard.append(("P1", now))
        beats.beat_at(ParentId("P1"), now + 5 * NS_PER_S, again)

    def broken(now: int) -> None:
        raise RuntimeError("report failed")

    beats.beat_at(ParentId("P1"), OPEN_NS + NS_PER_S, again)
    beats.beat_at(ParentId("P0"), OPEN_NS + NS_PER_S, broken)
    beats.beat_at(ParentId("P2"), OPEN_NS + NS_PER_S, lambda now: heard.append(("P2", now)))
    with caplog.at_level(logging.ERROR):
        clock.advance(12 * NS_PER_S)
    assert heard == [("P1", OPEN_NS + NS_PER_S), ("P2", OPEN_NS + NS_PER_S), ("P1", OPEN_NS + 6 * NS_PER_S),
                     ("P1", OPEN_NS + 11 * NS_PER_S)]
    assert "progress report of P0 failed" in caplog.text


def test_sleeping_parents_report_every_five_seconds_on_whole_seconds_together() -> None:
    """Parents started 1 ms apart sleep between slices: their reports come on whole seconds, one turn each."""
    desk, _ = new_desk()
    pids = []
    for _ in range(20):
        desk.clock.advance(MS)  # off the whole second: each parent's own grid is its start
        pids.append(desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"}))
    desk.run(5)
    for pid in pids:
        algo = desk.engine.algo(pid)
        assert algo is not None and algo.planned_tick_ns is not None
        assert algo.planned_tick_ns - desk.clock.now_ns() >= 10 * NS_PER_S  # asleep
    reports = len(desk.progress)
    desk.run(30)
    asleep = desk.progress[reports:]
    assert {p.parent_id for p in asleep} == set(pids)
    assert all(p.ts_ns % NS_PER_S == 0 for p in asleep)  # whole seconds, not each parent's own grid
    per_parent = {pid: sorted(p.ts_ns for p in asleep if p.parent_id == pid) for pid in pids}
    for times in per_parent.values():
        assert len(times) >= 5
        assert {b - a for a, b in pairwise(times)} == {5 * NS_PER_S}
    assert len({p.ts_ns for p in asleep}) <= 30 // 5 + 1  # every parent in the same seconds
    assert desk.engine.algo_gateway.progress_reports.timers == 1


def test_a_stopped_algo_has_no_report_pending() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"})
    desk.run(5)
    reports = desk.engine.algo_gateway.progress_reports
    assert reports.pending(pid) is not None
    assert desk.engine.cancel(pid).ok
    desk.run(2)
    assert reports.pending(pid) is None
    heard = len([p for p in desk.progress if p.parent_id == pid])
    desk.run(20)
    assert len([p for p in desk.progress if p.parent_id == pid]) == heard


def test_a_report_is_an_algo_progress_of_the_parent_as_it_stands() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"})
    desk.run(12, volume=1_000, passive_share=0.0)
    last = [p for p in desk.progress if p.parent_id == pid][-1]
    assert isinstance(last, ev.AlgoProgress) and last.ts_ns % NS_PER_S == 0
    parent = desk.engine.store.parent(pid)
    assert (last.filled_qty, last.working_qty) == (parent.cum_qty, parent.working_qty)
    assert last.market_volume > 0
