"""Round lots and a minimum child size on the real engine: a small TWAP no longer trickles out in odd
slices of a few shares; every child is whole round lots of at least the minimum, except the one that
completes the parent."""

from __future__ import annotations

from engine.clock import VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ParentId
from engine.pipeline.sizing import ChildSizing
from tests.engine.algos.desk import Desk
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue


def desk_with(sizing: ChildSizing | None) -> Desk:
    clock = VirtualClock(OPEN_NS)
    venue = ScriptedVenue("LIT1", clock)
    engine = Engine(clock=clock, journal=Journal(":memory:"), instruments=INSTRUMENTS, venues=[venue],
                    child_sizing=sizing)
    engine.start()
    return Desk(engine, venue, clock)


def work(desk: Desk, quantity: int) -> tuple[ParentId, list[int]]:
    """A TWAP of `quantity` over 10 minutes, 30 s slices, 40 shares printed a second (half for us)."""
    pid = desk.submit("TWAP", quantity, minutes=10, params={"slice_seconds": "30"})
    desk.run(11 * 60, volume=40, passive_share=0.5)
    return pid, [order.quantity for order in desk.children(pid)]


def test_without_a_policy_a_small_twap_sends_odd_slices_of_a_few_shares() -> None:
    desk = desk_with(None)
    pid, sizes = work(desk, 1_050)
    assert any(size % 100 for size in sizes[:-1]) and min(sizes) < 100
    assert desk.engine.store.parent(pid).cum_qty == 1_050


def test_with_round_lots_every_child_is_whole_lots_above_the_minimum_except_the_final_remainder() -> None:
    desk = desk_with(ChildSizing(round_lot=100, min_child_qty=200))
    pid, sizes = work(desk, 1_050)
    assert desk.engine.store.parent(pid).cum_qty == 1_050  # still completes
    *regular, last = sizes
    assert regular and all(size % 100 == 0 and size >= 200 for size in regular), sizes
    assert last == 1_050 - sum(regular) and last % 100  # the final remainder, whole and odd
