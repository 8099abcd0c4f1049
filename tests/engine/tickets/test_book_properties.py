"""Invariants of the ticket book over random tickets, fills, crosses and cancels (hypothesis)."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model import Side, TicketId
from engine.tickets import CrossExecuted, FillAllocated, TicketAmended, TicketBook, TicketJoined
from engine.tickets.model import BlockId

from .conftest import AAPL, INSTRUMENTS, MSFT, ODD, TicketMaker

PRICES = {
    AAPL: [Decimal("10.00"), Decimal("10.01"), Decimal("10.02"), Decimal("10.005")],  # a midpoint fill too
    MSFT: [Decimal("20.00"), Decimal("20.03")],
    ODD: [Decimal("1.05"), Decimal("1.10")],
}


def _simulate(rnd: random.Random, n_tickets: int) -> tuple[TicketBook, list[FillAllocated], dict[TicketId, int]]:
    """Random tickets, one netting pass, random fills (some odd), random cancels mid-flight, close all."""
    book = TicketBook(INSTRUMENTS)
    make = TicketMaker()
    for _ in range(n_tickets):
        symbol = rnd.choice([AAPL, MSFT, ODD])
        lot = INSTRUMENTS[symbol].lot_size
        ticket = make(
            rnd.choice([Side.BUY, Side.SELL]),
            rnd.randint(1, 12) * lot,
            symbol=symbol,
            algo=rnd.choice(["VWAP", "VWAP", "TWAP"]),
            allow_cross=rnd.random() < 0.8,
        )
        assert isinstance(book.add_ticket(ticket), TicketJoined)
    records: list[FillAllocated] = []
    seen: dict[TicketId, int] = {}
    for symbol in (AAPL, MSFT):
        cross = book.net(symbol, PRICES[symbol][0], PRICES[symbol][1], now_ns=1)
        if isinstance(cross, CrossExecuted):
            assert sum(q for _, q in cross.buys) == sum(q for _, q in cross.sells) == cross.quantity
            for record in cross.allocations:
                records.append(record)
                _check_monotone(book, record, seen)
    for block in book.block_ids(open_only=True):
        symbol = book.block(block).symbol  # type: ignore[union-attr]
        lot = INSTRUMENTS[symbol].lot_size
        while book.leaves(block) > 0 and rnd.random() < 0.95:
            leaves = book.leaves(block)
            view = book.block(block)
            assert view is not None and (view.market_filled, view.leaves) == (book.market_filled(block), leaves)
            shares = min(leaves, rnd.choice([lot, 2 * lot, rnd.randint(1, leaves), leaves // 3 or 1]))
            records.append(book.on_fill(block, shares, rnd.choice(PRICES[symbol])))
            _check_monotone(book, records[-1], seen)
            if rnd.random() < 0.15 and book.leaves(block) > 0:
                victim = rnd.choice(records[-1].ticket_ids or (None,))
                if victim is not None:
                    result = book.cancel_ticket(victim)
                    if isinstance(result, TicketAmended):
                        assert result.new_quantity == seen.get(victim, 0)  # never below allocated
    return book, records, seen


def _check_monotone(book: TicketBook, record: FillAllocated, seen: dict[TicketId, int]) -> None:
    for tid, shares in zip(record.ticket_ids, record.quantities, strict=True):
        assert shares > 0
        seen[tid] = seen.get(tid, 0) + shares
        view = book.ticket(tid)
        assert view is not None and view.allocated == seen[tid] <= view.quantity


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 40))
def test_allocation_books_balance_whatever_happens(rnd: random.Random, n_tickets: int) -> None:
    book = _simulate(rnd, n_tickets)[0]
    for block_id in book.block_ids():
        view = book.block(block_id)
        assert view is not None
        reconciliation = book.close_block(block_id)
        assert reconciliation.ok, reconciliation.problems
        booked = sum(b.quantity for b in reconciliation.bookings)
        assert booked == reconciliation.executed  # nothing lost, nothing created
        assert sum((b.notional for b in reconciliation.bookings), Decimal(0)) == reconciliation.notional
        if view.leaves == 0:
            assert all(b.quantity == book.ticket(b.ticket_id).quantity for b in reconciliation.bookings)  # type: ignore[union-attr]
        lot = INSTRUMENTS[view.symbol].lot_size
        assert sum(1 for b in reconciliation.bookings if b.quantity % lot) <= 1  # whole lots, bar one odd rest


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(2, 30))
def test_every_step_stays_within_one_lot_of_pro_rata_when_nothing_changes(rnd: random.Random, n: int) -> None:
    book = TicketBook(INSTRUMENTS)
    make = TicketMaker()
    quantities = [rnd.randint(1, 20) * 100 for _ in range(n)]
    for q in quantities:
        book.add_ticket(make(Side.BUY, q))
    block = BlockId("B1")
    total, filled = sum(quantities), 0
    while filled < total:
        shares = min(total - filled, rnd.randint(1, 10) * 100)
        book.on_fill(block, shares, Decimal("10.00"))
        filled += shares
        for i, q in enumerate(quantities):
            allocated = book.ticket(TicketId(f"T{i + 1}")).allocated  # type: ignore[union-attr]
            assert abs(allocated * total - q * filled) < 100 * total  # within one lot of q * filled / total
    assert all(book.ticket(TicketId(f"T{i + 1}")).allocated == q for i, q in enumerate(quantities))  # type: ignore[union-attr]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_the_book_is_deterministic(seed: int) -> None:
    first = _simulate(random.Random(seed), 25)[1]
    second = _simulate(random.Random(seed), 25)[1]
    assert first == second


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 30))
def test_a_blocks_working_terms_are_its_views(rnd: random.Random, n_tickets: int) -> None:
    """`working_terms` (what a parent is resized to, read without a view) says what the block's view says,
    whatever the tickets' limits and end times, the trader's working terms, crosses, fills and cancels."""
    book = TicketBook(INSTRUMENTS)
    make = TicketMaker()
    limits = {AAPL: ["10.00", "10.02", "10.05"], MSFT: ["20.00", "20.10"]}
    tickets: list[TicketId] = []
    for _ in range(n_tickets):
        symbol = rnd.choice([AAPL, MSFT])
        ticket = make(rnd.choice([Side.BUY, Side.SELL]), rnd.randint(1, 12) * INSTRUMENTS[symbol].lot_size,
                      symbol=symbol, limit=rnd.choice([None, *limits[symbol]]),
                      end_ns=rnd.choice([None, 5_000, 9_000]), allow_cross=rnd.random() < 0.7)
        assert isinstance(book.add_ticket(ticket), TicketJoined)
        tickets.append(ticket.ticket_id)

    def agree(block: BlockId) -> None:
        view = book.block(block)
        assert view is not None
        assert book.working_terms(block) == (view.market_quantity, view.crossed, view.limit_price, view.end_ns)

    for symbol in (AAPL, MSFT):
        for block in book.block_ids(symbol, open_only=True):
            agree(block)
            limit = rnd.choice([None, *limits[symbol], "10.01", "20.05"])
            book.set_working_terms(block, None if limit is None else Decimal(limit), rnd.choice([None, 4_000, 8_000]))
            agree(block)
        book.net(symbol, PRICES[symbol][0], PRICES[symbol][1], now_ns=1)
    for block in book.block_ids(open_only=True):
        while book.leaves(block) > 0 and rnd.random() < 0.9:
            agree(block)
            view = book.block(block)
            assert view is not None
            book.on_fill(block, rnd.randint(1, book.leaves(block)), rnd.choice(PRICES[view.symbol]))
            if rnd.random() < 0.2:  # a cancel takes a ticket down to its allocation (the block shrinks)
                book.cancel_ticket(rnd.choice([t for t in tickets if book.block_of(t) == block]))
        agree(block)
