"""What protects a working parent when its terms change, on the real engine path (journal, risk, scripted
venues, an algo that sends only what the test asks): a tighter limit cancels at once what rests through it,
an end time moved either way is the one the parent ends at, and a ticket cut that waits for the venues holds
the parent (nothing new goes out) until they confirm. The built-in algos would mostly re-peg or wait on their
own; these guards must not rely on that."""

from __future__ import annotations

from decimal import Decimal

from engine.clock import NS_PER_S
from engine.model import ChildId, OrdStatus, ParentId, TicketId
from tests.engine.risk.harness import HOUR, Desk
from tests.engine.scripted_venue import ScriptedVenue

D = Decimal


def test_a_tighter_limit_cancels_what_rests_through_it_in_the_same_turn(idle_desk: Desk) -> None:
    pid = idle_desk.parent(1000, limit="100.02")
    [child] = idle_desk.send(pid, 300, "100.01")
    idle_desk.venue_of(child).ack(child)
    assert idle_desk.engine.amend(pid, limit_price=D("100.00")).ok
    assert child in idle_desk.venue_of(child).cancels  # asked at once: no market time passed
    assert idle_desk.engine.store.child(child).status is OrdStatus.PENDING_CANCEL
    idle_desk.venue_of(child).canceled(child)
    assert idle_desk.send(pid, 300, "100.01")  # the next one rests at the new limit
    assert idle_desk.sent()[-1].price == D("100.00")


def test_an_earlier_end_time_ends_the_parent_then_and_cancels_its_children(idle_desk: Desk) -> None:
    pid = idle_desk.parent(1000)  # the desk's parents end an hour from now
    [child] = idle_desk.send(pid, 300, "100.00")
    idle_desk.venue_of(child).ack(child)
    earlier = idle_desk.clock.now_ns() + 60 * NS_PER_S
    assert idle_desk.engine.amend(pid, end_ns=earlier).ok
    idle_desk.clock.advance(59 * NS_PER_S)
    assert child not in idle_desk.venue_of(child).cancels
    idle_desk.clock.advance(NS_PER_S)
    assert child in idle_desk.venue_of(child).cancels
    idle_desk.venue_of(child).canceled(child)
    assert idle_desk.engine.store.parent(pid).status is OrdStatus.EXPIRED


def test_a_later_end_time_keeps_the_parent_working_past_the_old_one(idle_desk: Desk) -> None:
    result = idle_desk.ticket(1000)
    assert result.parent_id is not None and result.ticket_id is not None
    pid = result.parent_id
    old_end = idle_desk.engine.store.parent(pid).end_ns
    assert idle_desk.engine.amend_ticket(result.ticket_id, 1000, end_ns=old_end + HOUR).ok  # the client extends it
    assert idle_desk.engine.store.parent(pid).end_ns == old_end + HOUR
    idle_desk.clock.advance(old_end - idle_desk.clock.now_ns() + NS_PER_S)
    assert idle_desk.engine.store.parent(pid).status.is_live
    [child] = idle_desk.send(pid, 300, "100.00")
    assert idle_desk.venue_of(child).submitted[child].quantity == 300
    idle_desk.clock.advance(HOUR)
    assert child in idle_desk.venue_of(child).cancels


def one_ticket_600_out(desk: Desk) -> tuple[ParentId, TicketId, ChildId, ScriptedVenue]:
    """A parent of one 1,000-share ticket with a child of 600 acknowledged at a venue."""
    result = desk.ticket(1000)
    assert result.accepted and result.parent_id is not None and result.ticket_id is not None
    [child] = desk.send(result.parent_id, 600, "100.00")
    venue = desk.venue_of(child)
    venue.ack(child)
    return result.parent_id, result.ticket_id, child, venue


def test_a_ticket_cut_waiting_for_the_venues_holds_the_parent(idle_desk: Desk) -> None:
    pid, tid, child, venue = one_ticket_600_out(idle_desk)
    cut = idle_desk.engine.amend_ticket(tid, 300)  # 600 are out: the cut waits for the venue to confirm the cancel
    assert cut.ok and cut.pending and child in venue.cancels
    sent_before = len(idle_desk.sent())
    assert idle_desk.send(pid, 100, "100.00") == []  # held: the parent may not send while the cut waits
    assert len(idle_desk.sent()) == sent_before
    venue.canceled(child)
    assert idle_desk.engine.store.parent(pid).quantity == 300
    assert idle_desk.send(pid, 100, "100.00")  # the cut is applied: working again, within the new size


def test_a_ticket_cut_that_leaves_exactly_what_is_out_applies_at_once_and_cancels_nothing(idle_desk: Desk) -> None:
    pid, tid, child, venue = one_ticket_600_out(idle_desk)
    venue.fill(child, 100, "100.00")  # 100 done, 500 out: a cut to 600 leaves room for exactly those
    cut = idle_desk.engine.amend_ticket(tid, 600)
    assert cut.ok and not cut.pending and venue.cancels == []
    parent = idle_desk.engine.store.parent(pid)
    assert (parent.quantity, parent.cum_qty, parent.working_qty) == (600, 100, 500)
    assert idle_desk.engine.store.child(child).status is OrdStatus.PARTIALLY_FILLED
