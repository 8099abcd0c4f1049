"""TicketBook.set_working_terms: the trader's limit and end time tighten a block's mandate, never loosen it."""

from __future__ import annotations

from decimal import Decimal

from engine.model import Side
from engine.tickets import CrossExecuted, TicketBook

from .conftest import AAPL, INSTRUMENTS, TicketMaker, join


def test_tighter_terms_are_worked_and_looser_ones_refused(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make(limit="10.05", end_ns=5_000)).block_id
    join(book, make(limit="10.05", end_ns=5_000))
    assert book.set_working_terms(block, Decimal("10.02"), 4_000) is None
    view = book.block(block)
    assert view is not None and (view.limit_price, view.end_ns) == (Decimal("10.02"), 4_000)
    looser = book.set_working_terms(block, Decimal("10.06"), None)
    assert looser == ("limit 10.06 is looser than its tickets' limit 10.05: a buy parent works at or below it "
                      "(amend the tickets to change theirs)")
    assert book.set_working_terms(block, Decimal("10.02"), 6_000) == (
        "end time is after its tickets' end time: amend the tickets to extend theirs")
    assert book.set_working_terms(block, None, None) == (
        "its tickets' limit 10.05 binds: a parent cannot work at market when its tickets have a limit")
    view = book.block(block)
    assert view is not None and (view.limit_price, view.end_ns) == (Decimal("10.02"), 4_000)  # refusals change nothing


def test_a_market_block_may_take_a_working_limit_and_a_sell_works_at_or_above(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    market = join(book, make()).block_id
    assert book.set_working_terms(market, Decimal("9.99"), None) is None
    view = book.block(market)
    assert view is not None and view.limit_price == Decimal("9.99")
    sell = join(book, make(Side.SELL, limit="10.00")).block_id
    refused = book.set_working_terms(sell, Decimal("9.99"), None)
    assert refused is not None and "a sell parent works at or above it" in refused


def test_crossing_respects_the_working_limit(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    buy = join(book, make(Side.BUY, quantity=1_000)).block_id
    join(book, make(Side.SELL, quantity=1_000))
    assert book.set_working_terms(buy, Decimal("10.00"), None) is None
    assert not isinstance(book.net(AAPL, Decimal("10.00"), Decimal("10.02"), 1), CrossExecuted)  # mid 10.01 > 10.00
    assert book.set_working_terms(buy, Decimal("10.01"), None) is None
    crossed = book.net(AAPL, Decimal("10.00"), Decimal("10.02"), 2)
    assert isinstance(crossed, CrossExecuted) and crossed.quantity == 1_000
