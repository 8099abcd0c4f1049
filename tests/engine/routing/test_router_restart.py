"""The router follows its children across a restart: a slice worked by several children still has its excess
canceled once it is filled, and a sequential rest is still re-routed when its time is up, after a clean stop
and after a kill -9 at the worst moment (the fill that completes the slice committed, the cancels not yet
asked). Without this, the excess of every parallel rest or Cont-Kukanov split live at a restart kept working
at its venues (up to `parallel_overpost` times the slice) while its parent sat paused for review.

The engine is the real one (journal, store, checkpoint, the SmartRouter) with scripted venues that outlive
it, as a venue outlives our process: after the restart they answer the status requests as they know the
orders. The kill is a real SIGKILL at the failpoint `ledger.after_commit` in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import STATUS_WAIT_NS, Engine
from engine.journal import Journal
from engine.model import ChildId, OrdStatus, ParentId, Side
from engine.routing.policy import RoutingConfig
from engine.routing.router import SmartRouter
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.routing.helpers import (
    FACTS,
    INSTRUMENT,
    LIT1,
    LIT2,
    LIT3,
    VENUES,
    make_router,
    parent,
    passive,
    sweep,
)
from tests.engine.routing.test_outflow import trade
from tests.engine.scripted_venue import ScriptedVenue

ROOT = Path(__file__).resolve().parents[3]
LIT = [LIT1, LIT2, LIT3]
SLICE_FILLED = "is filled; canceling the excess"


def world(journal_path: Path, clock: VirtualClock) -> tuple[Engine, dict[str, ScriptedVenue]]:
    """An engine on the journal with the smart router and three scripted lit venues, recovered and started."""
    venues = {str(v): ScriptedVenue(v, clock) for v in LIT}
    router = SmartRouter(RoutingConfig(), {v: FACTS[v] for v in LIT}, clock)
    engine = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=list(venues.values()),
                    router=router)
    engine.recover()
    engine.start()
    return engine, venues


def quote(venues: dict[str, ScriptedVenue]) -> None:
    for venue in venues.values():
        venue.book("AAPL", "100.00", "100.03")


def rest_a_slice(engine: Engine, venues: dict[str, ScriptedVenue], routing: str) -> tuple[ParentId, list[ChildId]]:
    """A TWAP parent whose first slice rests under `routing`; its children, in the order sent."""
    quote(venues)
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=3_000, limit_price=None, algo="TWAP",
                                  end_ns=OPEN_NS + 600 * NS_PER_S, params={"routing": routing})
    assert result.parent_id is not None, result.reason
    children = engine.store.live_child_ids(result.parent_id)
    for child_id in children:
        venues[engine.store.child(child_id).venue].ack(child_id)
    return result.parent_id, children


def slice_of(engine: Engine, parent_id: ParentId) -> ev.ChildDecided:
    [decided] = [r for r in engine.journal.replay() if isinstance(r, ev.ChildDecided) and r.parent_id == parent_id]
    return decided


def restarted(journal_path: Path, clock: VirtualClock, filled: dict[ChildId, int]) -> tuple[Engine, dict[str,
                                                                                                       ScriptedVenue]]:
    """The engine again on the same journal; each venue answers the status requests with what it knows (the
    children not in `filled` unfilled and working) and the recovery's wait passes."""
    engine, venues = world(journal_path, clock)
    for venue in venues.values():
        for child_id in venue.status_requests:
            done = filled.get(child_id, 0)
            venue.status(child_id, known=True, status=OrdStatus.PARTIALLY_FILLED if done else OrdStatus.NEW,
                         cum_qty=done)
    clock.advance(STATUS_WAIT_NS)
    return engine, venues


def test_a_parallel_slice_filled_after_a_clean_restart_still_cancels_its_excess(tmp_path: Path) -> None:
    clock = VirtualClock(OPEN_NS)
    engine, venues = world(tmp_path / "j.db", clock)
    parent_id, children = rest_a_slice(engine, venues, "PARALLEL")
    decided = slice_of(engine, parent_id)
    assert len(children) == 3 and decided.group_target > 0
    assert sum(engine.store.child(c).quantity for c in children) > decided.group_target  # over-posted
    first = children[0]
    venues[engine.store.child(first).venue].fill(first, 100, "100.00")
    engine.close()

    engine, venues = restarted(tmp_path / "j.db", clock, {first: 100})
    assert all(not v.cancels for v in venues.values())  # the slice is not filled yet: all keep working
    left = decided.group_target - 100
    venues[engine.store.child(children[1]).venue].fill(children[1], left, "100.00")  # now it is
    canceled = {c for v in venues.values() for c in v.cancels}
    assert canceled == {c for c in children if engine.store.child(c).leaves_qty > 0}
    reasons = [r.reason for r in engine.journal.replay() if isinstance(r, ev.ChildCancelRequested)]
    assert reasons and all(f"the slice of {decided.group_target:,} {SLICE_FILLED}" in r for r in reasons)
    engine.close()


def test_a_sequential_rest_is_re_routed_when_what_was_left_of_its_time_is_up_after_a_restart(tmp_path: Path) -> None:
    clock = VirtualClock(OPEN_NS)
    engine, venues = world(tmp_path / "j.db", clock)
    parent_id, [child] = rest_a_slice(engine, venues, "SEQUENTIAL")
    decided = slice_of(engine, parent_id)
    assert decided.rest_timeout_ms == 5_000  # nothing measured yet: the shortest
    clock.advance(2 * NS_PER_S)
    engine.checkpoint()  # the restart comes back from the checkpoint: the decision must be in it
    engine.close()

    engine, venues = restarted(tmp_path / "j.db", clock, {})  # the recovery's wait (5 s) outlasts the 3 s left
    [recovered] = [r for r in engine.journal.replay() if isinstance(r, ev.RestartRecovered)]
    assert recovered.from_checkpoint
    venue = venues[engine.store.child(child).venue]
    assert venue.cancels == [child]
    [cancel] = [r for r in engine.journal.replay() if isinstance(r, ev.ChildCancelRequested)]
    assert "unfilled on" in cancel.reason and "after 5 s" in cancel.reason
    engine.close()


def test_a_sequential_rest_keeps_only_what_was_left_of_its_time_after_a_restart(tmp_path: Path) -> None:
    clock = VirtualClock(OPEN_NS)
    engine, venues = world(tmp_path / "j.db", clock)
    _, [child] = rest_a_slice(engine, venues, "SEQUENTIAL")  # 5 s to rest, from now
    engine.close()
    clock.advance(3 * NS_PER_S)  # down for 3 s
    engine, venues = world(tmp_path / "j.db", clock)
    venue = venues[engine.store.child(child).venue]
    venue.status(child, known=True, status=OrdStatus.NEW)  # the venue answers at once: the recovery ends now
    clock.advance(2 * NS_PER_S - 1)
    assert venue.cancels == []
    clock.advance(1)  # 5 s after the rest began, not 5 s after the restart
    assert venue.cancels == [child]
    engine.close()


def work_then_die(journal_path: Path) -> None:
    """In a child process armed with a failpoint: rest a parallel slice, then fill it (the second fill
    completes it); the failpoint kills the process once that fill's turn committed."""
    clock = VirtualClock(OPEN_NS)
    engine, venues = world(journal_path, clock)
    parent_id, children = rest_a_slice(engine, venues, "PARALLEL")
    target = slice_of(engine, parent_id).group_target
    venues[engine.store.child(children[0]).venue].fill(children[0], 100, "100.00")
    venues[engine.store.child(children[1]).venue].fill(children[1], target - 100, "100.00")
    raise AssertionError("the failpoint did not fire")


def test_a_kill_9_between_the_fill_that_completes_a_slice_and_its_cancels(tmp_path: Path) -> None:
    journal_path = tmp_path / "j.db"
    script = ("import sys\nfrom pathlib import Path\n"
              "from tests.engine.routing.test_router_restart import work_then_die\n"
              "work_then_die(Path(sys.argv[1]))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EMS_FAILPOINT": "ledger.after_commit:1@venue.fill:2"}
    done = subprocess.run([sys.executable, "-c", script, str(journal_path)], cwd=ROOT, capture_output=True,
                          timeout=120, env=env)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    records = list(Journal(journal_path).replay())
    [decided] = [r for r in records if isinstance(r, ev.ChildDecided)]
    fills = [r for r in records if isinstance(r, ev.ChildFilled)]
    assert sum(f.quantity for f in fills) == decided.group_target  # the slice is filled...
    assert not any(isinstance(r, ev.ChildCancelRequested) for r in records)  # ...and nothing asked to cancel
    filled = {f.child_id: f.quantity for f in fills}
    sent = {r.child_id: r.quantity for r in records if isinstance(r, ev.ChildSubmitted)}
    live = [c for c in decided.child_ids if filled.get(c, 0) < sent[c]]

    clock = VirtualClock(max(r.ts_ns for r in records) + NS_PER_S)
    engine, venues = restarted(journal_path, clock, filled)
    canceled = [c for v in venues.values() for c in v.cancels]
    still_out = [c for c in decided.child_ids if engine.store.child(c).leaves_qty > 0]
    assert live and set(canceled) == set(still_out) == set(live)  # the excess is canceled at once, and only it
    assert all(engine.store.child(c).status is OrdStatus.PENDING_CANCEL for c in still_out)
    engine.close()


def test_the_decision_records_what_following_its_children_needs_and_only_that() -> None:
    router, ports, clock = make_router(view=parent(routing="PARALLEL"))
    decision, children = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert len(children) > 1 and (decision.group_target, decision.rest_timeout_ms) == (300, 0)
    decision, children = router.decide(sweep(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert children and (decision.group_target, decision.rest_timeout_ms) == (0, 0)  # IOCs: nothing to follow
    router, ports, clock = make_router(view=parent(routing="LIQUIDITY"))
    trades = {"LIT1": 30, "LIT2": 20, "LIT3": 10}
    for second in range(60):  # queue outflow history: the split is solved across the venues
        for venue, quantity in trades.items():
            router.on_market_data(trade(venue, quantity, clock.now_ns() + second * NS_PER_S))
    clock.advance(60 * NS_PER_S)
    decision, children = router.decide(passive(900), ports.view, INSTRUMENT, ports.market, LIT)  # no dark ping
    assert len(children) > 1 and decision.group_target == 900 and "split" in decision.note.lower()
    router, ports, clock = make_router(view=parent(routing="SEQUENTIAL"))
    decision, [_] = router.decide(passive(300), ports.view, INSTRUMENT, ports.market, VENUES)
    assert (decision.group_target, decision.rest_timeout_ms) == (0, 5_000)
