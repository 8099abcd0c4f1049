"""The ticket book's own refusals, each shown to matter on its own (the sweep of engine/tickets/ found them
unnoticed: the engine checks most of the same things before the book sees them). Unknown tickets and blocks,
a cancel with nothing left, a state of another shape, a fair mid only from a two-sided market, the mandate's
window at its edges, allocation preconditions, and the aggregation key built from known fields only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side, TicketId
from engine.tickets import TicketAmended, TicketBook, TicketRejected
from engine.tickets.aggregation import AggregationRules, key_fields
from engine.tickets.allocation import AllocationError, ContinuousAllocator, allocate_increment, pro_rata
from engine.tickets.model import BlockId
from engine.tickets.netting import CrossInterest, mid_half_ticks, plan_cross

from .conftest import AAPL, INSTRUMENTS, TicketMaker, join

T9 = TicketId("T9")


def test_unknown_tickets_and_blocks_are_refused_by_name(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    join(book, make())
    assert book.amend_ticket(T9, 100) == TicketRejected(T9, "unknown ticket T9")
    assert book.cancel_ticket(T9) == TicketRejected(T9, "unknown ticket T9")
    assert book.change_mandate(T9, end_ns=5) == TicketRejected(T9, "unknown ticket T9")
    assert book.set_working_terms(BlockId("B9"), Decimal("10.00"), None) == "unknown block B9"


def test_a_fully_allocated_ticket_has_nothing_to_cancel_and_stays_as_it_is(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    done, open_ = make(quantity=1_000), make(quantity=1_000, limit="10.05")
    block = join(book, done).block_id
    other = join(book, open_).block_id
    assert block != other  # a market and a limit ticket are worked apart
    book.on_fill(block, 1_000, Decimal("10.00"))
    assert book.cancel_ticket(done.ticket_id) == TicketRejected(
        done.ticket_id, f"nothing to cancel: {done.ticket_id} is fully allocated")
    canceled = book.cancel_ticket(open_.ticket_id)
    assert isinstance(canceled, TicketAmended) and canceled.new_quantity == 0


def test_a_state_of_another_shape_is_refused_and_changes_nothing(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    join(book, make())
    before = book.export_state()
    with pytest.raises(KeyError, match="ticket book state has fields"):
        book.import_state({**before, "extra": 1})
    with pytest.raises(KeyError):
        book.import_state({k: v for k, v in before.items() if k != "crosses"})
    assert book.export_state() == before


def test_a_fair_mid_needs_a_two_sided_market_and_a_one_tick_quote_is_one() -> None:
    aapl = INSTRUMENTS[AAPL]
    for bid, ask in (("0", "10.02"), ("10.00", "0"), ("-0.01", "10.02")):
        assert mid_half_ticks(aapl, Decimal(bid), Decimal(ask)) == (
            f"no two-sided market for AAPL (bid {bid}, ask {ask})")
    assert mid_half_ticks(aapl, Decimal("0.01"), Decimal("0.02")) == 3


def test_a_working_limit_of_zero_is_no_price(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make()).block_id  # a market buy: any positive working limit tightens it
    assert book.set_working_terms(block, Decimal("0.00"), None) == "limit 0.00 is not a positive price on the 0.01 tick"
    assert book.set_working_terms(block, Decimal("0.01"), None) is None


def test_end_times_at_their_edges(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    refused = book.add_ticket(make(start_ns=1_000, end_ns=1_000))
    assert isinstance(refused, TicketRejected) and refused.reason.endswith("end time must be after the start time")
    ticket = make(start_ns=1_000, end_ns=5_000)
    block = join(book, ticket).block_id
    assert book.set_working_terms(block, None, 5_000) is None  # exactly the tickets' end: within the mandate
    assert book.set_working_terms(block, None, 1_000) == "end time must be after the start time"
    assert book.set_working_terms(block, None, 1_001) is None
    moved = book.change_mandate(ticket.ticket_id, end_ns=1_000)
    assert isinstance(moved, TicketRejected) and moved.reason.endswith("end time must be after the start time")


def test_a_ticket_must_arrive_after_the_last_one(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    first = make()
    join(book, first)
    again = make()
    same_arrival = type(again)(**{**{f: getattr(again, f) for f in again.__dataclass_fields__},
                                  "arrival_seq": first.arrival_seq})
    refused = book.add_ticket(same_arrival)
    assert isinstance(refused, TicketRejected) and "is not after the last ticket's" in refused.reason


def test_allocation_refuses_what_it_cannot_split() -> None:
    with pytest.raises(AllocationError, match="negative amount"):
        pro_rata(5, [3, -1])
    with pytest.raises(AllocationError, match="negative amount"):
        pro_rata(-1, [1, 2])
    with pytest.raises(AllocationError, match="zero weight"):
        pro_rata(5, [0])  # one ticket of no weight takes nothing
    assert pro_rata(0, [4]) == [0] and pro_rata(5, [4]) == [5]
    with pytest.raises(AllocationError, match="overfill"):
        allocate_increment([1, 1], [0, 0], 2, 0, -1)
    assert allocate_increment([1, 1], [0, 0], 2, 0, 0) == [0, 0]  # a fill of less than a lot gives nobody a lot
    allocator = ContinuousAllocator([2, 2])
    with pytest.raises(AllocationError, match="overfill"):
        allocator.allocate(-1)
    assert allocator.allocate(0) == [0, 0] and allocator.allocate(4) == [2, 2]


def test_the_aggregation_key_is_built_from_known_fields_only() -> None:
    with pytest.raises(ValueError, match="unexpected leading key fields"):
        key_fields(AggregationRules(), ("side", "__import__('os')"))
    assert key_fields(AggregationRules(), ("side", "allow_cross"))[:3] == ("side", "allow_cross", "symbol")
    with pytest.raises(ValueError, match="limit tolerance must be >= 0 ticks, got -1"):
        AggregationRules(limit_tolerance_ticks=-1)
    assert AggregationRules(limit_tolerance_ticks=0).limit_tolerance_ticks == 0


def test_a_closed_block_takes_no_amend_no_new_mandate_and_no_working_terms(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    ticket = make(quantity=1_000, end_ns=9_000)
    block = join(book, ticket).block_id
    book.on_fill(block, 300, Decimal("10.00"))
    book.close_block(block)
    amended = book.amend_ticket(ticket.ticket_id, 500)
    assert isinstance(amended, TicketRejected)
    assert amended.reason == f"cannot amend {ticket.ticket_id}: block {block} is closed"
    moved = book.change_mandate(ticket.ticket_id, end_ns=8_000)
    assert isinstance(moved, TicketRejected) and moved.reason.endswith(f"block {block} is closed")
    assert book.set_working_terms(block, Decimal("10.00"), None) == f"block {block} is closed"


def test_a_working_limit_off_the_tick_is_refused(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    block = join(book, make()).block_id
    assert book.set_working_terms(block, Decimal("10.005"), None) == (
        "limit 10.005 is not a positive price on the 0.01 tick")


def test_a_cross_plan_refuses_interest_that_is_not_whole_lots() -> None:
    interests = [CrossInterest(BlockId("B1"), Side.BUY, 150, None), CrossInterest(BlockId("B2"), Side.SELL, 200, None)]
    with pytest.raises(ValueError, match="block B1: available 150 is not whole lots of 100"):
        plan_cross(interests, 2_000, 100)


def test_a_ticket_arrives_with_a_whole_number_for_its_order(make: TicketMaker) -> None:
    ticket = make()
    fields = {f: getattr(ticket, f) for f in ticket.__dataclass_fields__}
    with pytest.raises(TypeError, match="arrival_seq must be an integer, got '7'"):
        type(ticket)(**{**fields, "arrival_seq": "7"})



def test_a_cut_may_leave_exactly_the_whole_lots_that_executed_shares_still_need(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    ticket = make(quantity=1_000)  # AAPL trades in lots of 100
    block = join(book, ticket).block_id
    book.on_fill(block, 50, Decimal("10.00"))  # 50 executed, not yet a lot: carried
    refused = book.amend_ticket(ticket.ticket_id, 0)
    assert isinstance(refused, TicketRejected) and refused.reason.endswith("50 executed shares still to allocate")
    cut = book.amend_ticket(ticket.ticket_id, 100)  # room for exactly the lot the 50 will complete
    assert isinstance(cut, TicketAmended) and cut.new_quantity == 100
