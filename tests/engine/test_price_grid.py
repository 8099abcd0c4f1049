"""The price grid every check leans on (ticket limits, basket rows, netting's touch, a venue's order check):
a price is on it only when it is a positive whole number of ticks, at most `MAX_TICKS`, worked out exactly for
any Decimal a hostile input can make (the grid used the context's division and remainder, which round and
underflow: `1E-999999999` was a valid limit, a price past 10^27 raised InvalidOperation)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.clock import NS_PER_S
from engine.model import Instrument, InvalidPrice, OrdType, Side, Symbol
from engine.tickets.csv_import import parse_basket
from engine.venues.base import check_quantity_and_price

AAPL = Instrument(Symbol("AAPL"), Decimal("0.01"), 100)


@pytest.mark.parametrize(("price", "on"), [
    ("0.01", True), ("189.30", True), ("0", False), ("0.00", False), ("-0.01", False), ("-189.30", False),
    ("189.305", False), ("0.001", False), ("189.300", True), ("1E+2", True),
    ("1E-999999999", False),  # was on it: 1E-999999999 % 0.01 underflows to 0 in the default context
    ("189.30000000000000000000000000001", False),  # was on it: the division rounds at 28 digits
    ("1E+50", False), ("123456789012345678901234567.01", False), ("1E+999999", False),  # raised: past any price
    ("NaN", False), ("Infinity", False), ("-Infinity", False),
])
def test_a_price_is_on_the_grid_only_as_a_positive_whole_number_of_ticks(price: str, on: bool) -> None:
    assert AAPL.is_on_tick(Decimal(price)) is on
    if on:
        assert AAPL.from_ticks(AAPL.to_ticks(Decimal(price))) == Decimal(price)
    else:
        with pytest.raises(InvalidPrice, match=r"not a positive multiple of tick 0\.01"):
            AAPL.to_ticks(Decimal(price))


@pytest.mark.parametrize("price", ["0", "0.00", "-0.01"])
def test_a_venue_refuses_a_limit_child_priced_at_zero_or_below(price: str) -> None:
    problem = check_quantity_and_price(AAPL, 100, Decimal(price), OrdType.LIMIT)
    assert problem is not None and "positive multiple" in problem
    assert check_quantity_and_price(AAPL, 100, Decimal("0.01"), OrdType.LIMIT) is None


def test_a_ticket_or_a_basket_row_with_a_limit_of_1e_minus_999999999_is_refused_naming_the_limit(idle_desk) -> None:
    result = idle_desk.engine.submit_ticket(symbol="AAPL", side=Side.SELL, quantity=100,
                                            limit_price=Decimal("1E-999999999"), algo="IDLE",
                                            end_ns=idle_desk.clock.now_ns() + 600 * NS_PER_S)
    assert not result.accepted and result.field == "limit" and "not on the AAPL tick" in result.reason
    assert idle_desk.engine.tickets() == []
    rows = parse_basket("account,symbol,side,quantity,limit,algo\nPM1,AAPL,SELL,100,1E-999999999,TWAP\n"
                        "PM1,AAPL,BUY,100,100.00,TWAP\n",
                        {Symbol("AAPL"): AAPL}, ["TWAP"])
    assert [(e.line_no, e.column) for e in rows.errors] == [(2, "limit")], rows.errors
    assert "not on the AAPL tick" in rows.errors[0].reason and len(rows.rows) == 1


def test_a_huge_limit_is_refused_not_raised(idle_desk) -> None:
    result = idle_desk.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=100,
                                            limit_price=Decimal("1E+50"), algo="IDLE",
                                            end_ns=idle_desk.clock.now_ns() + 600 * NS_PER_S)
    assert not result.accepted and result.field == "limit"


def test_an_instrument_needs_a_positive_tick_and_lot_and_the_smallest_of_each_is_one() -> None:
    for tick, lot, what in ((Decimal("0"), 1, "tick size must be positive, got 0"),
                            (Decimal("-0.01"), 1, "tick size must be positive, got -0.01"),
                            (Decimal("0.01"), 0, "lot size must be positive, got 0")):
        with pytest.raises(ValueError, match=what):
            Instrument(Symbol("XYZ"), tick, lot)
    tiny = Instrument(Symbol("XYZ"), Decimal("1E-8"), 1)
    assert tiny.is_on_tick(Decimal("0.00000001")) and not tiny.is_on_tick(Decimal("0.000000005"))


def test_a_tick_that_is_not_a_number_makes_no_grid() -> None:
    with pytest.raises(InvalidPrice, match="tick size must be a positive number, got Infinity"):
        Instrument(Symbol("XYZ"), Decimal("Infinity")).is_on_tick(Decimal("1"))
