"""Cells read the way a trader expects: exact prices, separated thousands, enum names, HH:MM:SS.mmm."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.widgets.fakes import NS_0930, OrdStatus, Side
from widgets import formatting


def test_enums_show_their_name_with_spaces() -> None:
    assert formatting.enum_name(Side.BUY) == "BUY"
    assert formatting.enum_name(OrdStatus.PARTIALLY_FILLED) == "PARTIALLY FILLED"


def test_decimals_are_shown_exactly_as_given() -> None:
    assert formatting.decimal(Decimal("101.2500")) == "101.2500"
    assert formatting.decimal(Decimal("1E+2")) == "100"


def test_integers_get_thousands_separators() -> None:
    assert formatting.integer(1_234_567) == "1,234,567"
    assert formatting.integer(-5) == "-5"


def test_nanosecond_timestamps_show_the_exchange_time_of_day_to_the_millisecond() -> None:
    assert formatting.time_of_day(NS_0930 + 1_234_567_891) == "09:30:01.234"
    assert formatting.time_of_day(86_399_999_999_999) == "23:59:59.999"


def test_none_is_an_empty_cell_everywhere() -> None:
    for formatter in (
        formatting.text,
        formatting.integer,
        formatting.decimal,
        formatting.enum_name,
        formatting.time_of_day,
        formatting.percent,
        formatting.bps,
    ):
        assert formatter(None) == ""


def test_percent_and_signed_basis_points() -> None:
    assert formatting.percent(42.26) == "42.3%"
    assert formatting.bps(3.14) == "+3.1"
    assert formatting.bps(-0.06) == "-0.1"


def test_prices_show_the_ticks_precision_and_averages_the_extra_decimals_they_need() -> None:
    prices = formatting.PricePrecision({"AAPL": Decimal("0.01"), "BRK": Decimal("1"), "EUR": Decimal("0.0001")})
    assert prices.price("AAPL", Decimal("189.5")) == "189.50"
    assert prices.average("AAPL", Decimal("189.563333333")) == "189.5633"  # never six decimals, never 189.563333
    assert prices.average("AAPL", Decimal("189.565")) == "189.5650"  # a mid on a half tick
    assert prices.price("BRK", Decimal("612345")) == "612345"
    assert prices.average("BRK", Decimal("612345.5")) == "612345.50"
    assert prices.price("EUR", Decimal("1.1")) == "1.1000"
    assert prices.price("UNKNOWN", Decimal("7.1")) == "7.10"  # two decimals until the tick is known
    prices.set_average_extra(0)
    assert prices.average("AAPL", Decimal("189.565")) == "189.56"  # half even
    assert prices.price("AAPL", None) == ""


def test_tick_decimals_and_bad_ticks() -> None:
    assert [formatting.tick_decimals(Decimal(t)) for t in ("0.01", "0.05", "0.005", "1", "1E+1", "0.10")] == [
        2, 2, 3, 0, 0, 1]
    with pytest.raises(ValueError, match="tick size"):
        formatting.tick_decimals(Decimal(0))
    with pytest.raises(ValueError, match="extra decimals"):
        formatting.PricePrecision(average_extra=9)


def test_a_huge_price_is_shown_whole_rather_than_failing() -> None:
    assert formatting.fixed(Decimal("1E+40"), 2) == "1" + "0" * 40
