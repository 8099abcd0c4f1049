"""No order is larger than `MAX_QUANTITY` (a trillion shares): a larger quantity reaching the engine's API is
refused naming the field, in bounded work, whatever its size (its message never prints a million-digit
number), and nothing is journaled for it but the refusal."""

from __future__ import annotations

import pytest

from engine.clock import NS_PER_S
from engine.model import Side
from engine.ticket_flow import TicketRequest
from engine.validation import MAX_QUANTITY
from tests.engine.risk.harness import Desk


@pytest.mark.parametrize(("quantity", "said"), [
    (MAX_QUANTITY + 100, f"quantity must be at most 1,000,000,000,000 shares, got {MAX_QUANTITY + 100:,}"),
    (10**1_000_000, "quantity must be at most 1,000,000,000,000 shares, got a number of more than 30 digits"),
    (-(10**1_000_000), "quantity must be positive, got a number of more than 30 digits"),
], ids=["just past", "a million digits", "minus a million digits"])
def test_a_quantity_past_any_order_is_refused_naming_it(idle_desk: Desk, quantity: int, said: str) -> None:
    result = idle_desk.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=quantity, limit_price=None,
                                            algo="IDLE", end_ns=idle_desk.clock.now_ns() + 600 * NS_PER_S)
    assert not result.accepted and result.field == "quantity" and result.reason == said
    assert idle_desk.engine.tickets() == []


def test_the_largest_order_is_still_taken(idle_desk: Desk) -> None:
    result = idle_desk.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=MAX_QUANTITY, limit_price=None,
                                            algo="IDLE", end_ns=idle_desk.clock.now_ns() + 600 * NS_PER_S)
    assert result.accepted, result.reason


def test_a_quantity_of_a_million_digits_is_refused_everywhere_before_anything_is_journaled(idle_desk: Desk) -> None:
    """A million-digit int cannot be journaled (it has no text); it is refused before its command's turn, as the
    FIX gateway refuses hostile input, on every path that takes a quantity."""
    huge = 10**1_000_000
    parent = idle_desk.parent(1_000)
    [ticket] = idle_desk.engine.ticket_ids(parent)
    before = idle_desk.engine.journal.count()
    amended = idle_desk.engine.amend_ticket(ticket, huge)
    assert not amended.ok and "more than 30 digits" in amended.reason
    resized = idle_desk.engine.amend(parent, quantity=huge)
    assert not resized.ok and "more than 30 digits" in resized.reason
    end = idle_desk.clock.now_ns() + 600 * NS_PER_S
    rows = [TicketRequest("AAPL", Side.BUY, 500, None, "IDLE", end), TicketRequest("AAPL", Side.BUY, huge, None,
                                                                                   "IDLE", end)]
    good, bad = idle_desk.engine.submit_basket(rows)
    assert not bad.accepted and bad.field == "quantity" and "more than 30 digits" in bad.reason
    assert not good.accepted and good.for_other_rows and "1 other row(s) invalid" in good.reason
    assert idle_desk.engine.journal.count() == before
    assert idle_desk.engine.store.parent(parent).quantity == 1_000 and len(idle_desk.engine.tickets()) == 1
