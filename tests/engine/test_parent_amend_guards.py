"""What protects a working parent when its terms change, on the real engine path (journal, risk, scripted
venues, an algo that sends only what the test asks): a tighter limit cancels at once what rests through it,
an end time moved either way is the one the parent ends at, and a ticket cut that waits for the venues holds
the parent (nothing new goes out) until they confirm. The built-in algos would mostly re-peg or wait on their
own; these guards must not rely on that."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine.clock import NS_PER_S
from engine.model import OrdStatus
from tests.engine.risk.harness import HOUR, Desk, limits

D = Decimal


@pytest.fixture
def d(tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(tmp_path / "journal.db", limits())
    yield desk
    with contextlib.suppress(Exception):
        desk.close()


def test_a_tighter_limit_cancels_what_rests_through_it_in_the_same_turn(d: Desk) -> None:
    pid = d.parent(1000, limit="100.02")
    [child] = d.send(pid, 300, "100.01")
    d.venue_of(child).ack(child)
    assert d.engine.amend(pid, limit_price=D("100.00")).ok
    assert child in d.venue_of(child).cancels  # asked at once: no market time passed
    assert d.engine.store.child(child).status is OrdStatus.PENDING_CANCEL
    d.venue_of(child).canceled(child)
    assert d.send(pid, 300, "100.01")  # the next one rests at the new limit
    assert d.sent()[-1].price == D("100.00")


def test_an_earlier_end_time_ends_the_parent_then_and_cancels_its_children(d: Desk) -> None:
    pid = d.parent(1000)  # the desk's parents end an hour from now
    [child] = d.send(pid, 300, "100.00")
    d.venue_of(child).ack(child)
    earlier = d.clock.now_ns() + 60 * NS_PER_S
    assert d.engine.amend(pid, end_ns=earlier).ok
    d.clock.advance(59 * NS_PER_S)
    assert child not in d.venue_of(child).cancels
    d.clock.advance(NS_PER_S)
    assert child in d.venue_of(child).cancels
    d.venue_of(child).canceled(child)
    assert d.engine.store.parent(pid).status is OrdStatus.EXPIRED


def test_a_later_end_time_keeps_the_parent_working_past_the_old_one(d: Desk) -> None:
    result = d.ticket(1000)
    assert result.parent_id is not None and result.ticket_id is not None
    pid = result.parent_id
    old_end = d.engine.store.parent(pid).end_ns
    assert d.engine.amend_ticket(result.ticket_id, 1000, end_ns=old_end + HOUR).ok  # the client extends it
    assert d.engine.store.parent(pid).end_ns == old_end + HOUR
    d.clock.advance(old_end - d.clock.now_ns() + NS_PER_S)
    assert d.engine.store.parent(pid).status.is_live
    [child] = d.send(pid, 300, "100.00")
    assert d.venue_of(child).submitted[child].quantity == 300
    d.clock.advance(HOUR)
    assert child in d.venue_of(child).cancels


def test_a_ticket_cut_waiting_for_the_venues_holds_the_parent(d: Desk) -> None:
    result = d.ticket(1000)
    assert result.accepted and result.parent_id is not None and result.ticket_id is not None
    pid, tid = result.parent_id, result.ticket_id
    [child] = d.send(pid, 600, "100.00")
    venue = d.venue_of(child)
    venue.ack(child)
    cut = d.engine.amend_ticket(tid, 300)  # 600 are out: the cut waits for the venue to confirm the cancel
    assert cut.ok and cut.pending and child in venue.cancels
    sent_before = len(d.sent())
    assert d.send(pid, 100, "100.00") == []  # held: the parent may not send while the cut waits
    assert len(d.sent()) == sent_before
    venue.canceled(child)
    assert d.engine.store.parent(pid).quantity == 300
    assert d.send(pid, 100, "100.00")  # the cut is applied: working again, within the new size
