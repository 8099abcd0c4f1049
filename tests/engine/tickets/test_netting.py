"""Internal crossing at the consolidated mid: who crosses, how much, at what price, and the allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side, Symbol
from engine.tickets import CrossExecuted, CrossingPolicy, NoCross, TicketBook, TicketJoined
from engine.tickets.model import BlockId
from engine.tickets.netting import CrossInterest, mid_half_ticks, plan_cross

from .conftest import AAPL, INSTRUMENTS, TicketMaker

BID, ASK = Decimal("10.00"), Decimal("10.01")
H = 3_600_000_000_000


def _add(book: TicketBook, *tickets: object) -> list[BlockId]:
    out = []
    for ticket in tickets:
        result = book.add_ticket(ticket)  # type: ignore[arg-type]
        assert isinstance(result, TicketJoined), result
        out.append(result.block_id)
    return out


@pytest.mark.parametrize(
    ("bid", "ask", "expected"),
    [
        ("10.00", "10.01", 2001),  # half tick: 10.005
        ("10.00", "10.02", 2002),  # on tick: 10.01
        ("10.00", "10.00", 2000),  # locked
        ("10.01", "10.00", "crossed"),
        ("0", "10.00", "no two-sided"),
        ("10.001", "10.01", "off the"),
    ],
)
def test_mid_is_exact_in_half_ticks_or_explains_why_there_is_none(bid: str, ask: str, expected: int | str) -> None:
    mid = mid_half_ticks(INSTRUMENTS[AAPL], Decimal(bid), Decimal(ask))
    if isinstance(expected, int):
        assert mid == expected
    else:
        assert isinstance(mid, str) and expected in mid


# (buy limit, sell limit, crosses at 10.005?)
@pytest.mark.parametrize(
    ("buy_limit", "sell_limit", "crosses"),
    [
        (None, None, True),
        ("10.01", None, True),  # buy limit above the mid
        ("10.00", None, False),  # buy limit below 10.005: the mid is through it
        (None, "10.00", True),
        (None, "10.01", False),  # sell limit above the mid
        ("10.01", "10.00", True),
    ],
)
def test_a_block_crosses_only_if_its_limit_allows_the_mid(
    make: TicketMaker, buy_limit: str | None, sell_limit: str | None, crosses: bool
) -> None:
    book = TicketBook(INSTRUMENTS)
    _add(book, make(Side.BUY, 1_000, limit=buy_limit), make(Side.SELL, 1_000, limit=sell_limit))
    result = book.net(AAPL, BID, ASK, now_ns=1)
    assert isinstance(result, CrossExecuted) is crosses
    if crosses:
        assert isinstance(result, CrossExecuted) and result.price == Decimal("10.005")


def test_only_the_net_goes_to_market(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    buy, sell = _add(book, make(Side.BUY, 1_500), make(Side.SELL, 600))
    result = book.net(AAPL, BID, ASK, now_ns=7)
    assert isinstance(result, CrossExecuted)
    assert (result.quantity, result.buys, result.sells, result.ts_ns) == (600, ((buy, 600),), ((sell, 600),), 7)
    buy_view, sell_view = book.block(buy), book.block(sell)
    assert buy_view is not None and sell_view is not None
    assert (buy_view.crossed, buy_view.market_quantity, buy_view.leaves) == (600, 900, 900)
    assert (sell_view.market_quantity, sell_view.open) == (0, False)  # fully crossed: complete


def test_larger_side_shares_the_cross_pro_rata_in_whole_lots(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    b1, b2, sell = _add(book, make(Side.BUY, 600), make(Side.BUY, 300, algo="TWAP"), make(Side.SELL, 500))
    result = book.net(AAPL, BID, ASK, now_ns=1)
    assert isinstance(result, CrossExecuted)
    # 5 lots over 6:3 -> 3.33/1.67: largest remainder gives the spare lot to the second block.
    assert result.buys == ((b1, 300), (b2, 200))
    assert result.sells == ((sell, 500),)


def test_crossed_quantity_is_allocated_to_tickets_like_a_fill(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    _add(book, make(Side.BUY, 600, ticket_id="B1"), make(Side.BUY, 200, ticket_id="B2"))
    _add(book, make(Side.SELL, 400, ticket_id="S1"))
    result = book.net(AAPL, BID, ASK, now_ns=1)
    assert isinstance(result, CrossExecuted)
    buy_alloc = next(a for a in result.allocations if a.ticket_ids[0].startswith("B"))
    assert dict(zip(buy_alloc.ticket_ids, buy_alloc.quantities, strict=True)) == {"B1": 300, "B2": 100}
    assert buy_alloc.cross_id == result.cross_id and buy_alloc.price == Decimal("10.005")
    b1 = book.ticket("B1")  # type: ignore[arg-type]
    assert b1 is not None and (b1.allocated, b1.avg_price) == (300, Decimal("10.005000"))


@pytest.mark.parametrize(
    ("policy", "ticket_kw"),
    [
        (CrossingPolicy(), {"allow_cross": False}),
        (CrossingPolicy(disabled_sources=frozenset({"fix"})), {"source": "fix"}),
        (CrossingPolicy(disabled_accounts=frozenset({"ACC9"})), {"account": "ACC9"}),
    ],
)
def test_crossing_can_be_disabled_per_ticket_source_or_account(
    make: TicketMaker, policy: CrossingPolicy, ticket_kw: dict
) -> None:
    book = TicketBook(INSTRUMENTS, crossing=policy)
    _add(book, make(Side.BUY, 500, **ticket_kw), make(Side.SELL, 500))
    result = book.net(AAPL, BID, ASK, now_ns=1)
    assert isinstance(result, NoCross) and "buy" in result.reason


def test_quantity_working_at_venues_is_not_crossed(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    buy, _ = _add(book, make(Side.BUY, 1_000), make(Side.SELL, 1_000))
    result = book.net(AAPL, BID, ASK, now_ns=1, working={buy: 700})
    assert isinstance(result, CrossExecuted) and result.quantity == 300


def test_blocks_outside_their_window_do_not_cross(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    _add(book, make(Side.BUY, 500, start_ns=12 * H, end_ns=13 * H), make(Side.SELL, 500))
    assert isinstance(book.net(AAPL, BID, ASK, now_ns=11 * H), NoCross)
    assert isinstance(book.net(AAPL, BID, ASK, now_ns=13 * H), NoCross)
    assert isinstance(book.net(AAPL, BID, ASK, now_ns=12 * H), CrossExecuted)


def test_no_cross_explains_itself(make: TicketMaker) -> None:
    book = TicketBook(INSTRUMENTS)
    _add(book, make(Side.BUY, 500))
    assert "sell" in book.net(AAPL, BID, ASK, now_ns=1).reason  # type: ignore[union-attr]
    assert "crossed" in book.net(AAPL, ASK, BID, now_ns=1).reason  # type: ignore[union-attr]
    assert "unknown" in book.net(Symbol("ZZZ"), BID, ASK, now_ns=1).reason  # type: ignore[union-attr]


def test_plan_cross_is_a_pure_function_of_interest_and_mid() -> None:
    interests = [
        CrossInterest(BlockId("A"), Side.BUY, 300, None),
        CrossInterest(BlockId("B"), Side.SELL, 200, 1000),  # sell limit 10.00 <= mid: in
        CrossInterest(BlockId("C"), Side.SELL, 200, 1001),  # sell limit 10.01 > mid: out
    ]
    plan = plan_cross(interests, 2001, 100)
    assert not isinstance(plan, str)
    assert (plan.quantity, plan.buys, plan.sells) == (200, (("A", 200),), (("B", 200),))
    assert plan_cross(interests, 2001, 100) == plan
