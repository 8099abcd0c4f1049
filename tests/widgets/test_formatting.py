"""Cells read the way a trader expects: exact prices, separated thousands, enum names, HH:MM:SS.mmm."""

from __future__ import annotations

from decimal import Decimal

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
