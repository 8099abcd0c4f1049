"""The order book: price-time priority, order types, cancel/replace rules and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model import Side
from engine.venues.sim.matching import Execution, OrderBook

BUY, SELL = Side.BUY, Side.SELL


def test_better_price_trades_first_then_earlier_order_at_the_same_price() -> None:
    book = OrderBook()
    first_at_100 = book.submit(SELL, 100, 100).order_id
    at_101 = book.submit(SELL, 100, 101).order_id
    second_at_100 = book.submit(SELL, 100, 100).order_id

    result = book.submit(BUY, 250, 101)

    assert [(e.maker_id, e.price, e.quantity) for e in result.executions] == [
        (first_at_100, 100, 100),
        (second_at_100, 100, 100),
        (at_101, 101, 50),
    ]


def test_executions_name_maker_taker_and_aggressor() -> None:
    book = OrderBook()
    maker = book.submit(BUY, 300, 50).order_id
    result = book.submit(SELL, 100, 50)
    assert result.executions == [Execution(maker, result.order_id, 50, 100, SELL)]


def test_partial_fill_leaves_the_rest_resting_at_the_front() -> None:
    book = OrderBook()
    maker = book.submit(SELL, 500, 100).order_id
    book.submit(SELL, 100, 100)
    book.submit(BUY, 200, 100)
    resting = book.order(maker)
    assert resting is not None and resting.leaves == 300
    assert book.queue(SELL, 100)[0] == maker
    assert book.depth(SELL, 5) == [(100, 400)]


def test_limit_remainder_rests_at_its_price() -> None:
    book = OrderBook()
    book.submit(SELL, 100, 101)
    result = book.submit(BUY, 300, 101)
    assert (result.rested, result.unfilled) == (200, 0)
    assert book.best_bid() == 101 and book.best_ask() is None


def test_limit_does_not_trade_through_its_price() -> None:
    book = OrderBook()
    book.submit(SELL, 100, 102)
    result = book.submit(BUY, 100, 101)
    assert result.executions == [] and result.rested == 100
    assert (book.best_bid(), book.best_ask()) == (101, 102)


def test_ioc_remainder_is_canceled_not_rested() -> None:
    book = OrderBook()
    book.submit(SELL, 100, 100)
    book.submit(SELL, 100, 105)
    result = book.submit(BUY, 300, 101, ioc=True)
    assert sum(e.quantity for e in result.executions) == 100
    assert (result.rested, result.unfilled) == (0, 200)
    assert book.best_bid() is None and not book.is_live(result.order_id)


def test_market_order_walks_the_book_and_never_rests() -> None:
    book = OrderBook()
    book.submit(BUY, 100, 99)
    book.submit(BUY, 100, 95)
    result = book.submit(SELL, 500, None)
    assert [(e.price, e.quantity) for e in result.executions] == [(99, 100), (95, 100)]
    assert (result.rested, result.unfilled) == (0, 300)
    assert book.best_ask() is None and len(book) == 0


def test_cancel_removes_the_order_and_its_size() -> None:
    book = OrderBook()
    first = book.submit(BUY, 100, 99).order_id
    second = book.submit(BUY, 200, 99).order_id
    assert book.cancel(first) == 100
    assert book.cancel(first) == 0
    assert book.queue(BUY, 99) == [second] and book.depth(BUY, 1) == [(99, 200)]
    assert book.cancel(second) == 200
    assert book.best_bid() is None and book.depth(BUY, 5) == []


def test_filled_order_cannot_be_canceled() -> None:
    book = OrderBook()
    maker = book.submit(SELL, 100, 100).order_id
    book.submit(BUY, 100, 100)
    assert book.cancel(maker) == 0


def test_replace_down_in_quantity_keeps_time_priority() -> None:
    book = OrderBook()
    first = book.submit(BUY, 300, 99).order_id
    second = book.submit(BUY, 100, 99).order_id
    assert book.replace(first, 200, 99) == []
    assert book.queue(BUY, 99) == [first, second]
    assert book.depth(BUY, 1) == [(99, 300)]


def test_replace_up_in_quantity_loses_time_priority() -> None:
    book = OrderBook()
    first = book.submit(BUY, 100, 99).order_id
    second = book.submit(BUY, 100, 99).order_id
    assert book.replace(first, 200, 99) == []
    assert book.queue(BUY, 99) == [second, first]
    assert book.depth(BUY, 1) == [(99, 300)]


def test_replace_to_a_new_price_loses_time_priority() -> None:
    book = OrderBook()
    first = book.submit(BUY, 100, 99).order_id
    book.replace(first, 100, 98)
    second = book.submit(BUY, 100, 98).order_id
    book.replace(first, 100, 99)
    book.replace(first, 100, 98)
    assert book.queue(BUY, 98) == [second, first]
    assert book.depth(BUY, 5) == [(98, 200)]


def test_replace_across_the_spread_trades_as_taker() -> None:
    book = OrderBook()
    maker = book.submit(SELL, 100, 101).order_id
    bid = book.submit(BUY, 300, 99).order_id
    executions = book.replace(bid, 300, 101)
    assert executions == [Execution(maker, bid, 101, 100, BUY)]
    resting = book.order(bid)
    assert resting is not None and (resting.price, resting.leaves) == (101, 200)


def test_replace_of_an_order_not_resting_returns_none() -> None:
    book = OrderBook()
    assert book.replace(42, 100, 100) is None


@pytest.mark.parametrize(("quantity", "price"), [(0, 100), (-5, 100), (100, 0)])
def test_nonsense_orders_raise(quantity: int, price: int) -> None:
    with pytest.raises(ValueError):
        OrderBook().submit(BUY, quantity, price)


# --- invariants under random order flow ---------------------------------------------------------------

_op = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from([BUY, SELL]), st.integers(1, 500), st.integers(95, 105)),
    st.tuples(st.just("ioc"), st.sampled_from([BUY, SELL]), st.integers(1, 500), st.integers(95, 105)),
    st.tuples(st.just("market"), st.sampled_from([BUY, SELL]), st.integers(1, 800), st.just(0)),
    st.tuples(st.just("cancel"), st.just(BUY), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("replace"), st.just(BUY), st.integers(0, 60), st.integers(95, 105)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_op, max_size=60), st.integers(1, 400))
def test_book_never_crosses_and_no_order_fills_beyond_its_quantity(
    ops: list[tuple[str, Side, int, int]], replace_quantity: int
) -> None:
    book = OrderBook()
    ordered: dict[int, int] = {}  # order id -> largest quantity it was ever allowed
    filled: dict[int, int] = {}
    ids: list[int] = []
    for kind, side, number, price in ops:
        executions: list[Execution] = []
        if kind in ("limit", "ioc", "market"):
            result = book.submit(side, number, None if kind == "market" else price, ioc=kind == "ioc")
            ordered[result.order_id] = number
            ids.append(result.order_id)
            executions = result.executions
            assert sum(e.quantity for e in executions) + result.rested + result.unfilled == number
        elif kind == "cancel" and ids:
            book.cancel(ids[number % len(ids)])
        elif kind == "replace" and ids:
            order_id = ids[number % len(ids)]
            replaced = book.replace(order_id, replace_quantity, price)
            if replaced is not None:
                ordered[order_id] = max(ordered[order_id], filled.get(order_id, 0) + replace_quantity)
                executions = replaced
        for execution in executions:
            assert execution.quantity > 0
            for order_id in (execution.maker_id, execution.taker_id):
                filled[order_id] = filled.get(order_id, 0) + execution.quantity
                assert filled[order_id] <= ordered[order_id]
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask
        for side_ in (BUY, SELL):
            for level_price, size in book.depth(side_, 100):
                resting = [book.order(i) for i in book.queue(side_, level_price)]
                assert resting and size == sum(order.leaves for order in resting if order is not None)
        for order in book.resting_orders():
            assert order.leaves > 0 and filled.get(order.order_id, 0) + order.leaves <= ordered[order.order_id]


def test_our_incoming_order_never_trades_with_our_resting_one_it_is_canceled_instead() -> None:
    book = OrderBook()
    background_first = book.submit(SELL, 100, 100).order_id
    our_resting = book.submit(SELL, 300, 100, ours=True).order_id
    background_after = book.submit(SELL, 100, 100).order_id
    result = book.submit(BUY, 250, 100, ours=True)
    assert [(e.maker_id, e.quantity) for e in result.executions] == [(background_first, 100), (background_after, 100)]
    assert (result.rested, book.best_ask()) == (50, None)  # our rest bids at 100; nothing of ours is offered
    [canceled] = book.take_self_trade_cancels()
    assert (canceled.order_id, canceled.leaves) == (our_resting, 300)
    assert not book.is_live(our_resting) and book.take_self_trade_cancels() == []
    # Background orders still trade with ours, and ours with theirs.
    assert [e.quantity for e in book.submit(SELL, 50, 100).executions] == [50]


def test_a_replace_of_ours_that_crosses_our_own_order_cancels_the_resting_one() -> None:
    book = OrderBook()
    bid = book.submit(BUY, 100, 99, ours=True).order_id
    ask = book.submit(SELL, 100, 101, ours=True).order_id
    assert book.replace(ask, 100, 99) == []  # would lift our own bid: the bid is canceled, the ask rests at 99
    assert [o.order_id for o in book.take_self_trade_cancels()] == [bid]
    assert book.best_ask() == 99 and book.best_bid() is None
