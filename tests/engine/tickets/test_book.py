"""TicketBook: amends and cancels, fills to tickets, odd lots, average price, reconciliation."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from engine.model import OrdStatus, Side, Symbol, TicketId
from engine.tickets import TicketAmended, TicketBook, TicketJoined, TicketRejected
from engine.tickets.allocation import AllocationError
from engine.tickets.model import BlockId

from .conftest import AAPL, INSTRUMENTS, ODD, TicketMaker

PX = Decimal("10.00")


def _block(book: TicketBook, *tickets: object) -> BlockId:
    blocks = set()
    for ticket in tickets:
        result = book.add_ticket(ticket)  # type: ignore[arg-type]
        assert isinstance(result, TicketJoined), result
        blocks.add(result.block_id)
    assert len(blocks) == 1
    return blocks.pop()


def test_fills_allocate_pro_rata_as_they_come(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=3_000, ticket_id="A"), make(quantity=1_000, ticket_id="B"))
    record = book.on_fill(block, 2_000, Decimal("10.02"))
    assert dict(zip(record.ticket_ids, record.quantities, strict=True)) == {"A": 1_500, "B": 500}
    assert (record.quantity, record.price, record.cross_id, record.carried) == (2_000, Decimal("10.02"), None, 0)
    a = book.ticket(TicketId("A"))
    assert a is not None and (a.allocated, a.leaves, a.status) == (1_500, 1_500, OrdStatus.PARTIALLY_FILLED)


def test_cancel_or_amend_never_goes_below_what_is_allocated(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=600, ticket_id="T12"), make(quantity=600))
    book.on_fill(block, 800, PX)
    rejected = book.amend_ticket(TicketId("T12"), 300)
    assert rejected == TicketRejected(TicketId("T12"), "cannot reduce T12 to 300: 400 already allocated")
    amended = book.amend_ticket(TicketId("T12"), 500)
    assert isinstance(amended, TicketAmended)
    assert (amended.old_quantity, amended.new_quantity, amended.quantity_delta) == (600, 500, -100)
    assert amended.block_quantity == 1_100
    canceled = book.cancel_ticket(TicketId("T12"))
    assert isinstance(canceled, TicketAmended) and canceled.new_quantity == 400
    view = book.ticket(TicketId("T12"))
    assert view is not None and (view.requested, view.quantity, view.allocated, view.status) == (
        600,
        400,
        400,
        OrdStatus.CANCELED,
    )


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"quantity": True}, "quantity must be a whole number of shares, got True"),
        ({"quantity": 1.5}, "quantity must be a whole number of shares, got 1.5"),
        ({"quantity": "100"}, "quantity must be a whole number of shares, got '100'"),
        ({"start_ns": 1.0}, "start_ns must be integer nanoseconds or None, got 1.0"),
        ({"end_ns": False}, "end_ns must be integer nanoseconds or None, got False"),
        ({"side": "BUY"}, "side must be a Side, got 'BUY'"),
    ],
)
def test_a_ticket_of_the_wrong_types_cannot_be_made(make: TicketMaker, fields: dict[str, object], named: str) -> None:
    """Types are checked where a ticket is made, so the book (compiled or not) sees only well-typed ones."""
    with pytest.raises(TypeError, match=re.escape(f"ticket 'T9': {named}")):
        make(ticket_id="T9", **fields)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("limit price must be a Decimal or None, got 10.5")):
        replace(make(), limit_price=10.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [(250, "not whole lots"), (-100, "whole number of shares >= 0"), (True, "whole number")],
)
def test_bad_amends_are_rejected_with_a_reason(make: TicketMaker, quantity: int, reason: str) -> None:
    book = TicketBook(INSTRUMENTS)
    _block(book, make(quantity=600, ticket_id="T1"))
    result = book.amend_ticket(TicketId("T1"), quantity)
    assert isinstance(result, TicketRejected) and reason in result.reason
    assert "unknown ticket" in book.cancel_ticket(TicketId("NOPE")).reason  # type: ignore[union-attr]


def test_weights_change_mid_flight_without_taking_anything_back(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=1_000, ticket_id="A"), make(quantity=1_000, ticket_id="B"))
    book.on_fill(block, 400, PX)  # A 200, B 200
    assert isinstance(book.cancel_ticket(TicketId("B")), TicketAmended)
    late = book.add_ticket(make(quantity=800, ticket_id="C"))
    assert isinstance(late, TicketJoined) and late.block_id == block
    record = book.on_fill(block, 800, PX)  # open now: A 800, C 800 -> 400 each
    assert dict(zip(record.ticket_ids, record.quantities, strict=True)) == {"A": 400, "C": 400}
    book.on_fill(block, 800, PX)
    views = {t: book.ticket(TicketId(t)) for t in "ABC"}
    assert [(v.allocated, v.status) for v in views.values() if v] == [
        (1_000, OrdStatus.FILLED),
        (200, OrdStatus.CANCELED),
        (800, OrdStatus.FILLED),
    ]


def test_a_ticket_joining_mid_flight_shares_only_what_comes_after(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=1_000, ticket_id="A"), make(quantity=500, ticket_id="B"))
    book.on_fill(block, 300, PX)  # A 200, B 100
    joined = book.add_ticket(make(quantity=1_200, ticket_id="C"))
    assert isinstance(joined, TicketJoined) and joined.block_id == block and joined.block_quantity == 2_700
    record = book.on_fill(block, 1_200, PX)  # open: A 800, B 400, C 1200 -> 400/200/600 of 1200
    assert dict(zip(record.ticket_ids, record.quantities, strict=True)) == {"A": 400, "B": 200, "C": 600}
    assert [book.ticket(TicketId(t)).allocated for t in "ABC"] == [600, 300, 600]  # type: ignore[union-attr]
    book.on_fill(block, 1_200, PX)
    assert book.close_block(block).ok
    assert [book.ticket(TicketId(t)).allocated for t in "ABC"] == [1_000, 500, 1_200]  # type: ignore[union-attr]


def test_odd_shares_wait_for_a_whole_lot_and_close_releases_the_rest(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=500, ticket_id="A"), make(quantity=500, ticket_id="B"))
    first = book.on_fill(block, 150, PX)
    assert (first.quantities, first.carried) == ((100,), 50)
    second = book.on_fill(block, 80, Decimal("10.01"))
    assert (sum(second.quantities), second.carried) == (100, 30)
    reconciliation = book.close_block(block)
    assert reconciliation.ok, reconciliation.problems
    release = book.ticket_fills(TicketId("A"))[-1][0]
    assert release.quantity == 0 and sum(release.quantities) == 30
    assert sum(b.quantity for b in reconciliation.bookings) == 230
    statuses = {book.ticket(TicketId(t)).status for t in "AB"}  # type: ignore[union-attr]
    assert statuses == {OrdStatus.CANCELED}


def test_every_ticket_gets_the_block_average_price_and_notionals_sum_exactly(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, *(make(quantity=q) for q in (300, 300, 300)))
    book.on_fill(block, 100, Decimal("10.01"))
    book.on_fill(block, 100, Decimal("10.02"))
    book.on_fill(block, 700, Decimal("10.03"))
    reconciliation = book.close_block(block)
    assert reconciliation.ok and reconciliation.complete
    assert reconciliation.notional == Decimal("9024.00")  # 1001 + 1002 + 7021
    assert reconciliation.avg_price == Decimal("10.026667")  # 9024 / 900, 6 places, half-even
    assert {b.avg_price for b in reconciliation.bookings} == {Decimal("10.026667")}
    # 9024 / 3 = 3008 exactly per ticket.
    assert [b.notional for b in reconciliation.bookings] == [Decimal("3008.00")] * 3
    assert sum(b.notional for b in reconciliation.bookings) == reconciliation.notional


def test_residual_cents_land_on_the_largest_remainders(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, *(make(quantity=100) for _ in range(3)))
    book.on_fill(block, 100, Decimal("10.01"))
    book.on_fill(block, 200, Decimal("10.00"))
    reconciliation = book.close_block(block)
    notionals = [b.notional for b in reconciliation.bookings]
    assert sum(notionals) == Decimal("3001.00")
    assert max(notionals) - min(notionals) <= Decimal("0.005")  # one notional unit (half a tick)


def test_overfill_and_fills_for_closed_blocks_raise(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=500))
    with pytest.raises(AllocationError, match="overfill"):
        book.on_fill(block, 600, PX)
    book.close_block(block)
    with pytest.raises(AllocationError, match="closed"):
        book.on_fill(block, 100, PX)
    with pytest.raises(AllocationError, match="half-tick"):
        book.on_fill(_block(book, make(quantity=500)), 100, Decimal("10.001"))


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"quantity": 150}, "not whole lots"),
        ({"quantity": 0}, "positive whole number"),
        ({"symbol": Symbol("ZZZ")}, "unknown symbol"),
        ({"limit": "10.001"}, "not a positive price on the 0.01 tick"),
        ({"limit": "-1"}, "not a positive price"),
        ({"start_ns": 10, "end_ns": 5}, "end time must be after"),
    ],
)
def test_bad_tickets_are_rejected_with_a_reason(make: TicketMaker, kwargs: dict, reason: str) -> None:
    result = TicketBook(INSTRUMENTS).add_ticket(make(**kwargs))
    assert isinstance(result, TicketRejected) and reason in result.reason


def test_duplicate_ids_and_out_of_order_arrivals_are_rejected(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    first, second = make(ticket_id="X"), make()
    book.add_ticket(second)
    assert "not after" in book.add_ticket(first).reason  # type: ignore[union-attr]
    assert "duplicate" in book.add_ticket(make(ticket_id=second.ticket_id)).reason  # type: ignore[union-attr]


def test_add_tickets_is_all_or_nothing(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    joined, rejected = book.add_tickets([make(), make(quantity=150), make(ticket_id="T1")])
    assert joined == [] and [r.ticket_id for r in rejected] == ["T2", "T1"]
    assert book.block_ids() == []
    joined, rejected = book.add_tickets([make(), make()])
    assert len(joined) == 2 and rejected == [] and len(book.block_ids()) == 1


def test_single_share_instruments_allocate_in_shares(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=7, symbol=ODD, ticket_id="A"), make(quantity=3, symbol=ODD))
    record = book.on_fill(block, 5, Decimal("1.05"))
    assert sum(record.quantities) == 5 and record.carried == 0
    assert book.close_block(block).ok


def test_per_fill_detail_is_kept_for_each_ticket(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=200, ticket_id="A"), make(quantity=200, ticket_id="B"))
    book.on_fill(block, 200, Decimal("10.01"))
    book.on_fill(block, 200, Decimal("10.03"))
    detail = [(record.price, shares) for record, shares in book.ticket_fills(TicketId("A"))]
    assert detail == [(Decimal("10.01"), 100), (Decimal("10.03"), 100)]
    view = book.ticket(TicketId("A"))
    assert view is not None and view.avg_price == Decimal("10.020000") and view.status is OrdStatus.FILLED


def test_queries(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(Side.SELL, 500, ticket_id="A"))
    assert book.block_of(TicketId("A")) == block and book.leaves(block) == 500
    assert book.block_ids(AAPL, open_only=True) == [block]
    assert book.ticket(TicketId("nope")) is None and book.block(BlockId("nope")) is None


def test_a_view_of_a_ticket_that_joined_since_the_last_fill_equals_its_view_once_synced(make: TicketMaker) -> None:
    """`TicketBook.ticket` reads a ticket that joined since the block last synced as it stands, without the
    O(block) sync; an amend check (which syncs) must then show the very same view."""
    book = TicketBook(INSTRUMENTS)
    block = _block(book, make(quantity=1_000, ticket_id="A"), make(quantity=500, ticket_id="B"))
    book.on_fill(block, 300, PX)
    for n, quantity in enumerate((1_200, 700, 300)):
        book.add_ticket(make(quantity=quantity, ticket_id=f"N{n}"))
    unsynced = [book.ticket(TicketId(t)) for t in ("A", "B", "N0", "N1", "N2")]
    assert [v.quantity for v in unsynced if v] == [1_000, 500, 1_200, 700, 300]
    assert book.amend_problem(TicketId("N2"), 300) is None  # syncs the block
    assert [book.ticket(TicketId(t)) for t in ("A", "B", "N0", "N1", "N2")] == unsynced
    book.on_fill(block, 1_000, PX)
    after = book.ticket(TicketId("N1"))
    assert after is not None and after.allocated > 0 and after.status is OrdStatus.PARTIALLY_FILLED
