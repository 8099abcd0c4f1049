"""Wake planning (engine/algos/wakes.py): an algo with a monotone schedule sleeps over the seconds on which
it would do nothing, and still does everything it did ticking every second, on the same second.

Each scenario runs twice on its own scripted desk: planning on, and planning off (`monotone_schedule`
False: the algo ticks every second, as before planning existed). Children, cancels and fills must be the
same, second for second, while the planning algo ticks far less often.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.algos import common
from engine.algos.base import Algo
from engine.algos.twap import TwapAlgo
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import OrdStatus, ParentId, Side, Symbol, TimeInForce
from engine.pipeline.sizing import ChildSizing
from tests.engine.algos.desk import Desk
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

Action = Callable[[Desk, ParentId], object]
Record = list[tuple[object, ...]]


class CountingTicks:
    """Counts the algo's evaluations (`Algo._step` runs on every tick and every event wake)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.steps = 0
        step = Algo._step

        def counted(algo: Algo) -> None:
            self.steps += 1
            step(algo)

        monkeypatch.setattr(Algo, "_step", counted)


def new_desk(sizing: ChildSizing | None = None) -> tuple[Desk, Record]:
    clock = VirtualClock(OPEN_NS)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(":memory:"), instruments=INSTRUMENTS, venues=[venue],
                    child_sizing=sizing)
    engine.start()
    desk = Desk(engine, venue, clock)
    cancels: Record = []

    def on_event(event: ev.Event) -> None:
        if isinstance(event, ev.ChildCancelRequested):
            cancels.append((event.ts_ns, "cancel", list(venue.submitted).index(event.child_id)))

    engine.subscribe(on_event)
    return desk, cancels


def walk(seed: int) -> Callable[[int], tuple[str, str] | None]:
    """A quote that moves a few ticks now and then, sometimes only for a second (a flicker)."""
    rng = random.Random(seed)
    moves: dict[int, tuple[str, str]] = {}
    bid = 10_000
    for second in range(1, 4000):
        if rng.random() < 0.08:
            bid += rng.choice((-3, -2, -1, 1, 2, 3))
            spread = rng.choice((2, 2, 3, 5))
            moves[second] = (f"{bid / 100:.2f}", f"{(bid + spread) / 100:.2f}")
            if rng.random() < 0.3:  # and back the next second
                bid -= 1
                moves[second + 1] = (f"{bid / 100:.2f}", f"{(bid + spread) / 100:.2f}")
    return moves.get


def run(params: Mapping[str, str], *, seconds: int, seed: int, share: Callable[[int], float],
        actions: Mapping[int, Action], limit: str | None = None, quantity: int = 6000,
        side: Side = Side.BUY, late: bool = False, sizing: ChildSizing | None = None) -> Record:
    """One scenario: the children (new and canceled) and fills, by time. `late`: the venue answers 300 and
    700 ms into each second (between the algo's grid seconds) instead of on them."""
    desk, cancels = new_desk(sizing)
    pid = desk.submit("TWAP", quantity, minutes=30, side=side, params=params, limit=limit)
    quote_at = walk(seed)
    for second in range(seconds):
        if second in actions:
            actions[second](desk, pid)
        quote = quote_at(second)
        if quote is not None:
            desk.quote(*quote)
        printed = 40 + (second * 7919) % 120
        desk.trade(printed)
        if late:
            desk.clock.advance(3 * NS_PER_S // 10)
            desk.answer(int(printed * share(second)))
            desk.clock.advance(4 * NS_PER_S // 10)
            desk.answer(0)
            desk.clock.advance(3 * NS_PER_S // 10)
            continue
        desk.answer(int(printed * share(second)))
        desk.clock.advance(NS_PER_S)
        desk.answer(0)
    news: Record = [(o.ts_ns, "new", o.side.name, o.quantity, str(o.price), o.tif.name)
                    for o in desk.venue.submitted.values()]
    fills: Record = [(f.ts_ns, "fill", f.quantity, str(f.price)) for f in desk.engine.store.fills()]
    return sorted(news + cancels + fills)


SCENARIOS: dict[str, dict[str, object]] = {
    "medium, filled as it posts": dict(params={"slice_seconds": "60"}, share=lambda s: 0.6),
    "low urgency, no fills for ten minutes then some": dict(
        params={"slice_seconds": "30", "urgency": "LOW"}, share=lambda s: 0.0 if 120 <= s < 720 else 0.5),
    "high urgency, sell, limit in reach": dict(
        params={"slice_seconds": "45", "urgency": "HIGH", "min_rest_seconds": "3"}, side=Side.SELL,
        limit="99.90", share=lambda s: 0.3),
    "a limit that keeps the far side out of reach": dict(
        params={"slice_seconds": "60", "catch_up_slices": "0.5"}, limit="100.01", share=lambda s: 0.0),
    "no rest before re-pegging, amended, paused and resumed": dict(
        params={"slice_seconds": "30", "min_rest_seconds": "0"}, share=lambda s: 0.4,
        actions={300: lambda d, p: d.engine.amend(p, quantity=9000), 700: lambda d, p: d.engine.pause(p),
                 820: lambda d, p: d.engine.resume(p),
                 1000: lambda d, p: d.engine.amend(p, limit_price=Decimal("101"))}),
}


@pytest.mark.parametrize(("seed", "late"), [(1, False), (2, False), (3, True)])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_planned_wakes_act_on_the_same_seconds_as_ticking_every_second(
    name: str, seed: int, late: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = dict(SCENARIOS[name], late=late)
    scenario.setdefault("actions", {})
    ticks = CountingTicks(monkeypatch)
    planned = run(seconds=1900, seed=seed, **scenario)  # type: ignore[arg-type]
    planned_steps = ticks.steps
    monkeypatch.setattr(TwapAlgo, "monotone_schedule", False)
    ticks.steps = 0
    every_second = run(seconds=1900, seed=seed, **scenario)  # type: ignore[arg-type]
    assert planned == every_second
    assert any(kind == "new" for _, kind, *_ in planned)
    assert planned_steps < ticks.steps / 2, (planned_steps, ticks.steps)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_with_round_lots_planned_wakes_act_as_a_planning_algo_ticking_every_second(
    name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the desk's round lot and minimum child, a planning algo asks the sizing rule before sending (it
    sends nothing the pipeline would refuse): compared with the same algo made to tick every second."""
    scenario = dict(SCENARIOS[name], sizing=ChildSizing(round_lot=100, min_child_qty=100), late=True)
    scenario.setdefault("actions", {})
    planned = run(seconds=1900, seed=4, **scenario)  # type: ignore[arg-type]
    monkeypatch.setattr(common, "plan_next_tick", lambda algo, now_ns: algo.tick_at_or_after(now_ns + 1))
    every_second = run(seconds=1900, seed=4, **scenario)  # type: ignore[arg-type]
    assert planned == every_second
    assert any(record[1] == "new" for record in planned)


def working_child(desk: Desk, pid: ParentId) -> ev.ChildSubmitted:
    (child,) = [o for o in desk.children(pid) if desk.engine.store.child(o.child_id).status.is_live]
    return child


def test_an_idle_parent_sleeps_until_its_next_slice_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    desk, _ = new_desk()
    ticks = CountingTicks(monkeypatch)
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"})
    desk.run(5)
    algo = desk.engine.algo(pid)
    assert algo is not None and algo.plans_wakes
    next_tick = algo.planned_tick_ns
    assert next_tick is not None and next_tick - desk.clock.now_ns() >= 10 * NS_PER_S
    steps, reports = ticks.steps, len(desk.progress)
    desk.run(50)  # the child rests untouched (and the parent is not yet a slice behind): no evaluation
    assert ticks.steps == steps
    assert len(desk.progress) - reports >= 50 // 5  # but a progress report every 5 s all the same
    desk.run(10)
    assert ticks.steps > steps  # the slice boundary at 60 s
    assert desk.engine.algo_gateway.quote_watchers(Symbol("AAPL")) == 1


def test_a_parent_whose_touch_moved_is_re_pegged_once_its_child_rested() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60", "min_rest_seconds": "5"})
    desk.run(20)
    first = working_child(desk, pid)
    assert first.price == Decimal("100.00")
    algo = desk.engine.algo(pid)
    assert algo is not None and algo.planned_tick_ns is not None
    assert algo.planned_tick_ns - desk.clock.now_ns() > 5 * NS_PER_S  # asleep
    desk.quote("100.03", "100.07")  # the bid moved up three ticks: the child is off the touch
    assert algo.next_timer_ns == desk.clock.now_ns() + NS_PER_S  # woken for the next grid second
    desk.run(1)
    again = working_child(desk, pid)
    assert again.child_id != first.child_id and again.price == Decimal("100.04")  # a tick inside the spread


def test_a_child_not_yet_rested_is_re_pegged_when_its_rest_ends() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60", "min_rest_seconds": "20"})
    desk.run(3)
    first = working_child(desk, pid)
    desk.quote("99.95", "99.97")  # touch moved down at second 3; the child may move at second 20
    desk.run(16)
    assert working_child(desk, pid).child_id == first.child_id
    desk.run(2)
    assert working_child(desk, pid).price == Decimal("99.95")


def test_a_parent_behind_schedule_still_catches_up() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"})
    desk.run(200, volume=100, passive_share=0.0)  # nothing fills passively: the parent falls behind
    sweeps = [o for o in desk.children(pid) if o.tif is TimeInForce.IOC]
    assert sweeps, "a parent more than a slice behind crosses the spread"
    # MEDIUM urgency crosses once more than one slice (60 shares) behind: a share a second, from 61 s
    assert (sweeps[0].ts_ns - OPEN_NS) // NS_PER_S == 61
    assert desk.engine.store.parent(pid).cum_qty >= 200 - 60


def test_a_paused_parent_does_not_wake_and_works_again_when_resumed(monkeypatch: pytest.MonkeyPatch) -> None:
    desk, _ = new_desk()
    ticks = CountingTicks(monkeypatch)
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"})
    desk.run(10)
    assert desk.engine.pause(pid).ok
    desk.run(1)
    algo = desk.engine.algo(pid)
    assert algo is not None
    steps, children = ticks.steps, len(desk.children(pid))
    for second in range(120):
        desk.quote(f"{100 + second % 7 / 100:.2f}", "100.10")
        desk.run(1)
    assert ticks.steps == steps and algo.next_timer_ns is None
    assert desk.engine.algo_gateway.quote_watchers(Symbol("AAPL")) == 0
    assert len(desk.children(pid)) == children
    assert desk.engine.resume(pid).ok
    desk.run(2)
    assert len(desk.children(pid)) > children and algo.next_timer_ns is not None


def test_a_cancel_pending_at_the_venue_is_looked_at_every_second() -> None:
    desk, _ = new_desk()
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60", "min_rest_seconds": "0"})
    desk.run(3)
    first = working_child(desk, pid)
    desk.quote("100.01", "100.05")
    desk.clock.advance(NS_PER_S)  # the algo asks to cancel; the venue has not answered
    assert desk.engine.store.child(first.child_id).status is OrdStatus.PENDING_CANCEL
    algo = desk.engine.algo(pid)
    assert algo is not None and algo.next_timer_ns == desk.clock.now_ns() + NS_PER_S


def test_after_a_restart_the_resumed_parent_plans_its_wakes_again(tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    clock = VirtualClock(OPEN_NS)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(path), instruments=INSTRUMENTS, venues=[venue])
    engine.start()
    desk = Desk(engine, venue, clock)
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60", "min_rest_seconds": "5"})
    desk.run(20)
    (live,) = engine.store.live_child_ids(pid)
    engine.close()

    clock = VirtualClock(OPEN_NS + 21 * NS_PER_S)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(path), instruments=INSTRUMENTS, venues=[venue])
    engine.recover()
    engine.start()
    venue.status(live, known=True, status=OrdStatus.NEW)  # the child still rests at the venue
    desk = Desk(engine, venue, clock)
    desk.run(3)
    assert engine.store.parent(pid).paused  # recovered parents wait for the trader
    assert engine.resume(pid).ok
    desk.run(1)
    algo = engine.algo(pid)
    assert algo is not None and algo.planned_tick_ns is not None
    assert algo.planned_tick_ns - clock.now_ns() > 5 * NS_PER_S  # planned from the recovered state: asleep
    assert engine.algo_gateway.quote_watchers(Symbol("AAPL")) == 1
    desk.quote("100.03", "100.07")
    desk.run(1)
    assert working_child(desk, pid).price == Decimal("100.04")  # and a touch change still wakes it
    engine.close()


def test_a_parent_starting_later_sleeps_until_its_start_and_works_from_there(monkeypatch: pytest.MonkeyPatch) -> None:
    desk, _ = new_desk()
    ticks = CountingTicks(monkeypatch)
    pid = desk.submit("TWAP", 3600, minutes=60, params={"slice_seconds": "60"}, start_in_s=120)
    steps = ticks.steps
    desk.run(119)
    assert ticks.steps == steps and not desk.children(pid)
    desk.run(1)
    (child,) = desk.children(pid)
    assert child.ts_ns == OPEN_NS + 120 * NS_PER_S
