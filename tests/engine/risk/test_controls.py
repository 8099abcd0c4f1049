"""The controls as pure functions, at their boundaries: a value equal to its limit passes, one unit over is
stopped with the rule and a reason naming the value and the limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model import Side
from engine.risk import controls
from engine.risk.pnl import pnl
from engine.risk.state import Position

D = Decimal


@pytest.mark.parametrize(("value", "blocked"), [(999, False), (1000, False), (1001, True)])
def test_over_passes_up_to_the_limit_and_names_value_and_limit_beyond(value: int, blocked: bool) -> None:
    found = controls.over("max_open_tickets", "open tickets", value, D(1000), "account", "PM1", True)
    assert (found is not None) == blocked
    if found:
        assert (found.rule, found.scope, found.key, found.value, found.limit) == (
            "max_open_tickets", "account", "PM1", "1001", "1000")
        assert "1,001" in found.reason and "1,000" in found.reason and "account PM1" in found.reason


@pytest.mark.parametrize(("price", "ok"), [("110.00", True), ("110.01", False), ("90.00", True), ("89.99", False)])
def test_collar_in_percent_of_the_reference(price: str, ok: bool) -> None:
    found = controls.price_band(D(price), D("100.00"), D("10"), 0, D("0.01"), True, rule="price_collar",
                                what="BUY limit", reference_name="ask")
    assert (found is None) == ok
    if found:
        assert found.rule == "price_collar" and price in found.reason and "10%" in found.reason
        assert "ask 100.00" in found.reason


@pytest.mark.parametrize(("price", "ok"), [("2.05", True), ("2.06", False), ("1.95", True), ("1.94", False)])
def test_collar_in_ticks_widens_a_band_narrower_than_them(price: str, ok: bool) -> None:
    # 1% of 2.00 is 0.02: five ticks (0.05) are wider and win
    found = controls.price_band(D(price), D("2.00"), D("1"), 5, D("0.01"), True, rule="price_collar")
    assert (found is None) == ok
    if found:
        assert "5 ticks" in found.reason and "0.05" in found.reason


@pytest.mark.parametrize(("price", "ok"), [("110.00", True), ("110.01", False), ("90.00", True), ("89.99", False)])
def test_collar_in_ticks_narrower_than_the_percent_band_leaves_it_as_it_is(price: str, ok: bool) -> None:
    # 10% of 100.00 is 10.00: five ticks (0.05) are narrower, the percent band stands (the wider of the two)
    found = controls.price_band(D(price), D("100.00"), D("10"), 5, D("0.01"), True, rule="price_collar")
    assert (found is None) == ok


def test_collar_reference_is_the_far_touch_then_near_then_last_then_previous_close() -> None:
    ref = controls.collar_reference
    assert ref(Side.BUY, D(99), D(101), D(100), D(98)) == (D(101), "ask")
    assert ref(Side.SELL, D(99), D(101), D(100), D(98)) == (D(99), "bid")
    assert ref(Side.BUY, D(99), None, D(100), D(98)) == (D(99), "bid")
    assert ref(Side.BUY, None, None, D(100), D(98)) == (D(100), "last")
    assert ref(Side.SELL, None, None, None, D(98)) == (D(98), "previous close")
    assert ref(Side.SELL, None, None, None, None) == (None, "")


@pytest.mark.parametrize(("current", "working", "quantity", "side", "ok"), [
    (400, 100, 500, Side.BUY, True),  # 1,000: at the limit
    (400, 100, 501, Side.BUY, False),  # 1,001
    (-400, 100, 501, Side.SELL, False),  # -1,001
    (1500, 0, 100, Side.SELL, True),  # beyond the limit but reducing
    (1500, 0, 3001, Side.SELL, False),  # flips to -1,501: bigger than it was
])
def test_position_limit_counts_what_is_in_flight_and_lets_reductions_through(
    current: int, working: int, quantity: int, side: Side, ok: bool
) -> None:
    found = controls.position_limit("max_position", current, working, quantity, side, D(1000), "instrument", "AAPL",
                                    True)
    assert (found is None) == ok
    if found:
        assert found.value == str(current + side.sign * (working + quantity)) and found.limit == "1000"


@pytest.mark.parametrize(("current", "working", "quantity", "side", "reduces"), [
    (1000, 0, 1000, Side.SELL, True), (1000, 400, 600, Side.SELL, True), (1000, 400, 601, Side.SELL, False),
    (1000, 0, 1, Side.BUY, False), (0, 0, 1, Side.SELL, False), (-500, 0, 500, Side.BUY, True),
])
def test_reduces_only_towards_flat(current: int, working: int, quantity: int, side: Side, reduces: bool) -> None:
    assert controls.reduces(current, working, quantity, side) is reduces


@pytest.mark.parametrize(("quantity", "ok"), [(500_000, True), (500_001, False)])
def test_adv_share(quantity: int, ok: bool) -> None:
    found = controls.adv_share(quantity, 10_000_000, D("5"), "AAPL", True)
    assert (found is None) == ok
    if found:
        assert "5.00%" in found.reason and "10,000,000" in found.reason and found.limit == "500000"


def test_pnl_by_average_prices_is_order_independent_and_adds_up() -> None:
    p = Position()
    p.add(Side.BUY, 300, D("10.00"))
    p.add(Side.SELL, 100, D("11.00"))
    p.add(Side.BUY, 100, D("12.00"))
    p.fees = D("1.50")
    figures = pnl(p, D("13.00"))
    # bought 400 @ 10.50, sold 100 @ 11.00: realized 100 x 0.50; 300 open at 10.50 marked at 13.00
    assert figures.position == 300 and figures.avg_price == D("10.5")
    assert figures.realized == D("50.00") and figures.unrealized == D("750.00")
    assert figures.total == D("798.50")
    assert figures.total == p.sell_notional - p.buy_notional + 300 * D("13.00") - p.fees
