"""Changes to a ticket (amend, cancel) are refused, journaled as refused and change nothing when they cannot be
right: an unknown ticket, a ticket whose parent is finished, a quantity that is not a whole number, a size below
what is allocated, and a second change while the first cut waits for the parent's working orders to be
canceled at their venues. On the engine path with scripted venues (tests/engine/risk/harness.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import events as ev
from engine.model import OrdStatus, TicketId
from engine.results import CommandResult
from tests.engine.risk.harness import Desk


def refused(d: Desk, result: CommandResult, said: str, records_before: int) -> None:
    assert not result.ok and said in result.reason, result.reason
    [rejected] = [r for r in d.engine.journal.replay(records_before) if isinstance(r, ev.CommandRejected)]
    assert said in rejected.reason


def a_ticket_working(d: Desk, quantity: int = 1_000, out: int = 800) -> tuple[TicketId, Any, Any]:
    """A ticket, its parent and one child of `out` shares acknowledged at its venue."""
    result = d.ticket(quantity)
    assert result.parent_id is not None and result.ticket_id is not None
    [child] = d.send(result.parent_id, out, "100.00")
    d.venue_of(child).ack(child)
    return result.ticket_id, result.parent_id, child


@pytest.mark.parametrize("change", ["amend", "cancel"])
def test_a_change_of_an_unknown_ticket_is_refused(idle_desk: Desk, change: str) -> None:
    before = idle_desk.engine.journal.count()
    result = (idle_desk.engine.amend_ticket(TicketId("T999"), 500) if change == "amend"
              else idle_desk.engine.cancel_ticket(TicketId("T999")))
    refused(idle_desk, result, "unknown ticket T999", before)


@pytest.mark.parametrize("change", ["amend", "cancel"])
def test_a_change_of_a_ticket_whose_parent_is_finished_is_refused(idle_desk: Desk, change: str) -> None:
    ticket, parent, child = a_ticket_working(idle_desk)
    assert idle_desk.engine.cancel(parent).ok
    idle_desk.venue_of(child).canceled(child)
    assert idle_desk.engine.store.parent(parent).status is OrdStatus.CANCELED
    before = idle_desk.engine.journal.count()
    result = (idle_desk.engine.amend_ticket(ticket, 500) if change == "amend"
              else idle_desk.engine.cancel_ticket(ticket))
    refused(idle_desk, result, f"parent {parent} is CANCELED", before)


@pytest.mark.parametrize("quantity", [500.5, "500", True])
def test_an_amend_to_a_quantity_that_is_not_a_whole_number_is_refused(idle_desk: Desk, quantity: Any) -> None:
    ticket, _, _ = a_ticket_working(idle_desk)
    before = idle_desk.engine.journal.count()
    refused(idle_desk, idle_desk.engine.amend_ticket(ticket, quantity), "quantity must be a whole number", before)
    row = idle_desk.engine.ticket(ticket)
    assert row is not None and row.quantity == 1_000


def test_an_amend_below_what_is_allocated_is_refused(idle_desk: Desk) -> None:
    ticket, parent, child = a_ticket_working(idle_desk)
    idle_desk.fill(child, 600, "100.00")
    before = idle_desk.engine.journal.count()
    result = idle_desk.engine.amend_ticket(ticket, 500)
    assert not result.ok and "600" in result.reason, result.reason
    assert [r for r in idle_desk.engine.journal.replay(before) if isinstance(r, ev.CommandRejected)]
    assert idle_desk.engine.store.parent(parent).quantity == 1_000


def test_a_second_change_while_the_first_cut_waits_for_the_venues_is_refused(idle_desk: Desk) -> None:
    ticket, parent, child = a_ticket_working(idle_desk)
    first = idle_desk.engine.amend_ticket(ticket, 300)  # 800 are out: the cut waits for their cancel
    assert first.ok and first.pending
    before = idle_desk.engine.journal.count()
    refused(idle_desk, idle_desk.engine.amend_ticket(ticket, 200), "an earlier change of this ticket waits", before)
    before = idle_desk.engine.journal.count()
    refused(idle_desk, idle_desk.engine.cancel_ticket(ticket), "an earlier change of this ticket waits", before)
    idle_desk.venue_of(child).canceled(child)  # the venue confirms: the first cut applies, and only it
    row = idle_desk.engine.ticket(ticket)
    assert row is not None and row.quantity == 300
    assert idle_desk.engine.store.parent(parent).quantity == 300


def test_an_amend_to_an_end_time_already_past_is_refused(idle_desk: Desk) -> None:
    ticket, parent, _ = a_ticket_working(idle_desk)
    end = idle_desk.engine.store.parent(parent).end_ns
    before = idle_desk.engine.journal.count()
    result = idle_desk.engine.amend_ticket(ticket, 1_000, end_ns=idle_desk.clock.now_ns() - 1)
    assert not result.ok and "past" in result.reason, result.reason
    assert [r for r in idle_desk.engine.journal.replay(before) if isinstance(r, ev.CommandRejected)]
    assert idle_desk.engine.store.parent(parent).end_ns == end
