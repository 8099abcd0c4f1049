"""TicketBook.change_mandate: a ticket's limit and end time change when it is its block's one open ticket."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side, TicketId
from engine.tickets import (
    AggregationRules,
    CrossExecuted,
    TicketBook,
    TicketMandateChanged,
    TicketRejected,
)

from .conftest import AAPL, INSTRUMENTS, TicketMaker, join


def test_the_only_ticket_moves_its_block_to_the_new_limit(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make(limit="10.00", ticket_id="A")).block_id
    relimited = book.change_mandate(TicketId("A"), limit_price=Decimal("10.05"))
    assert relimited == TicketMandateChanged(TicketId("A"), block, Decimal("10.00"), Decimal("10.05"), None, None)
    view = book.block(block)
    assert view is not None and view.limit_price == Decimal("10.05")
    # New tickets at the new limit join it; at the old limit they start a block of their own.
    assert join(book, make(limit="10.05")).block_id == block
    assert join(book, make(limit="10.00")).block_id != block


def test_a_relimited_sell_crosses_at_its_new_limit(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    join(book, make(Side.SELL, limit="10.10", ticket_id="S"))
    join(book, make(Side.BUY, ticket_id="B"))
    assert not isinstance(book.net(AAPL, Decimal("10.00"), Decimal("10.02"), 1), CrossExecuted)  # mid 10.01 < 10.10
    assert isinstance(book.change_mandate(TicketId("S"), limit_price=Decimal("10.00")), TicketMandateChanged)
    crossed = book.net(AAPL, Decimal("10.00"), Decimal("10.02"), 2)
    assert isinstance(crossed, CrossExecuted) and crossed.quantity == 1_000


def test_a_block_relimited_onto_a_taken_limit_takes_no_more_tickets(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    first = join(book, make(limit="10.00", ticket_id="A")).block_id
    other = join(book, make(limit="10.05")).block_id
    assert isinstance(book.change_mandate(TicketId("A"), limit_price=Decimal("10.05")), TicketMandateChanged)
    assert join(book, make(limit="10.05")).block_id == other
    assert join(book, make(limit="10.00")).block_id not in (first, other)
    # The unindexed block still fills, completes and retires cleanly.
    book.on_fill(first, 1_000, Decimal("10.00"))
    assert book.close_block(first).ok


@pytest.mark.parametrize(
    ("limit", "reason"),
    [
        (Decimal("10.005"), "limit 10.005 is not a positive price on the 0.01 tick"),
        (Decimal("-1"), "limit -1 is not a positive price on the 0.01 tick"),
    ],
)
def test_a_bad_limit_is_refused_naming_it(make: TicketMaker, limit: Decimal, reason: str) -> None:
    book = TicketBook(INSTRUMENTS)
    join(book, make(limit="10.00", ticket_id="A"))
    assert book.change_mandate(TicketId("A"), limit_price=limit) == TicketRejected(TicketId("A"), reason)


def test_tickets_worked_together_keep_their_limit_a_lone_one_may_go_to_or_from_market(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make(limit="10.00", ticket_id="A")).block_id
    join(book, make(limit="10.00", ticket_id="B"))
    refused = book.change_mandate(TicketId("A"), limit_price=Decimal("10.05"))
    assert isinstance(refused, TicketRejected) and "worked with 1 other open ticket(s) in block" in refused.reason
    view = book.block(block)
    assert view is not None and view.limit_price == Decimal("10.00")
    market = join(book, make(ticket_id="M")).block_id
    assert isinstance(book.change_mandate(TicketId("M"), limit_price=Decimal("9.90")), TicketMandateChanged)
    view = book.block(market)
    assert view is not None and view.limit_price == Decimal("9.90")
    assert isinstance(book.change_mandate(TicketId("M"), limit_price=None), TicketMandateChanged)
    view = book.block(market)
    assert view is not None and view.limit_price is None
    assert join(book, make()).block_id == market  # a market block again: market tickets join it
    assert isinstance(book.change_mandate(TicketId("nope"), limit_price=Decimal("10.00")), TicketRejected)


def test_once_the_others_are_done_the_last_open_ticket_may_relimit(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make(limit="10.00", quantity=500, ticket_id="A")).block_id
    join(book, make(limit="10.00", quantity=500, ticket_id="B"))
    book.on_fill(block, 600, Decimal("10.00"))
    assert book.cancel_ticket(TicketId("A"))  # A keeps its 300, nothing of it left open
    assert isinstance(book.change_mandate(TicketId("B"), limit_price=Decimal("9.95")), TicketMandateChanged)
    view = book.block(block)
    assert view is not None and view.limit_price == Decimal("9.95")


def test_under_a_limit_tolerance_the_block_moves_to_the_list_of_its_new_limit_kind(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS, AggregationRules(limit_tolerance_ticks=2))
    block = join(book, make(limit="10.00", ticket_id="A")).block_id
    assert isinstance(book.change_mandate(TicketId("A"), limit_price=Decimal("10.10")), TicketMandateChanged)
    assert join(book, make(limit="10.11")).block_id == block  # within 2 ticks of the new limit
    assert join(book, make(limit="10.00")).block_id != block
    book.on_fill(block, 2_000, Decimal("10.05"))
    assert book.close_block(block).ok


def test_a_new_end_time_moves_the_block_window_and_its_index(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make(limit="10.00", ticket_id="A", end_ns=1_000)).block_id
    changed = book.change_mandate(TicketId("A"), end_ns=2_000)
    assert changed == TicketMandateChanged(TicketId("A"), block, Decimal("10.00"), Decimal("10.00"), 1_000, 2_000)
    view = book.block(block)
    assert view is not None and (view.end_ns, view.limit_price) == (2_000, Decimal("10.00"))
    assert join(book, make(limit="10.00", end_ns=2_000)).block_id == block
    assert join(book, make(limit="10.00", end_ns=1_000)).block_id != block
    refused = book.change_mandate(TicketId("A"), end_ns=5)
    assert isinstance(refused, TicketRejected) and "other open ticket(s)" in refused.reason


def test_an_end_before_the_ticket_start_is_refused(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    join(book, make(ticket_id="A", start_ns=500, end_ns=1_000))
    refused = book.change_mandate(TicketId("A"), end_ns=400)
    assert refused == TicketRejected(TicketId("A"), "A: end time must be after the start time")
