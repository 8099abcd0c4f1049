"""Pre-trade limits at their boundaries: just under passes, exactly at the limit passes, just over is
blocked with the rule's name and a reason that names both the offending value and the limit.

Each rule is tested alone: the other limits are set far away so only the rule under test can answer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.risk import PreTradeRisk, RiskLimits, RiskVerdict

FAR = 10**12  # a limit no case here comes near


def child(limits: RiskLimits, quantity: int, price: str | None, reference: str | None) -> RiskVerdict | None:
    return PreTradeRisk(limits).check_child(
        kill_engaged=False, quantity=quantity,
        price=None if price is None else Decimal(price), reference=None if reference is None else Decimal(reference),
    )


def parent(limits: RiskLimits, quantity: int, reference: str | None) -> RiskVerdict | None:
    return PreTradeRisk(limits).check_parent(
        quantity=quantity, reference=None if reference is None else Decimal(reference)
    )


def assert_blocked(verdict: RiskVerdict | None, rule: str, *words: str) -> None:
    assert verdict is not None, f"expected {rule} to block"
    assert verdict.rule == rule, verdict
    missing = [w for w in words if w not in verdict.reason]
    assert not missing, f"reason {verdict.reason!r} does not name {missing}"


# --- child: quantity -------------------------------------------------------------------------------------

QTY_ONLY = RiskLimits(max_child_qty=1_000, max_child_notional=Decimal(FAR), price_band_pct=Decimal(100))


@pytest.mark.parametrize("quantity", [999, 1_000])
def test_child_quantity_up_to_the_limit_passes(quantity: int) -> None:
    assert child(QTY_ONLY, quantity, "10.00", "10.00") is None
    assert child(QTY_ONLY, quantity, None, None) is None


@pytest.mark.parametrize(("price", "reference"), [("10.00", "10.00"), (None, "10.00"), (None, None)])
def test_child_quantity_one_over_the_limit_is_blocked_naming_quantity_and_limit(
    price: str | None, reference: str | None
) -> None:
    assert_blocked(child(QTY_ONLY, 1_001, price, reference), "max_child_qty", "1,001", "1,000")


# --- child: notional --------------------------------------------------------------------------------------

NOTIONAL_ONLY = RiskLimits(max_child_qty=FAR, max_child_notional=Decimal("10000"), price_band_pct=Decimal(100))


@pytest.mark.parametrize(("quantity", "price"), [(100, "99.99"), (100, "100.00"), (99, "101.01")])
def test_child_notional_up_to_the_limit_passes(quantity: int, price: str) -> None:
    assert child(NOTIONAL_ONLY, quantity, price, price) is None  # 9,999.00 / 10,000.00 / 9,999.99


@pytest.mark.parametrize(
    ("quantity", "price", "reference", "notional"),
    [
        (100, "100.01", "100.01", "10,001.00"),  # one cent over, priced
        (101, "100.00", "100.00", "10,100.00"),  # one share over
        (100, None, "100.01", "10,001.00"),  # an unpriced (market) child is valued at the reference
    ],
)
def test_child_notional_over_the_limit_is_blocked_naming_notional_and_limit(
    quantity: int, price: str | None, reference: str, notional: str
) -> None:
    assert_blocked(child(NOTIONAL_ONLY, quantity, price, reference), "max_child_notional", notional, "10,000.00")


def test_child_notional_uses_the_child_price_not_the_reference() -> None:
    assert child(NOTIONAL_ONLY, 100, "100.00", "150.00") is None  # the band is 100% here
    assert_blocked(child(NOTIONAL_ONLY, 100, "100.01", "50.01"), "max_child_notional", "10,001.00")


# --- child: price band -------------------------------------------------------------------------------------

BAND_ONLY = RiskLimits(max_child_qty=FAR, max_child_notional=Decimal(FAR), price_band_pct=Decimal("5"))
# mid 100.00, band 5% = 5.00: limits in [95.00, 105.00] pass


@pytest.mark.parametrize("price", ["104.99", "105.00", "95.01", "95.00", "100.00"])
def test_child_price_within_the_band_of_the_mid_passes(price: str) -> None:
    assert child(BAND_ONLY, 100, price, "100.00") is None


@pytest.mark.parametrize("price", ["105.01", "94.99", "200.00", "0.01"])
def test_child_price_beyond_the_band_either_side_is_blocked_naming_price_band_and_mid(price: str) -> None:
    assert_blocked(child(BAND_ONLY, 100, price, "100.00"), "price_band", price, "5%", "mid 100.00")


def test_child_band_follows_the_mid_and_its_percentage() -> None:
    narrow = RiskLimits(max_child_qty=FAR, max_child_notional=Decimal(FAR), price_band_pct=Decimal("0.5"))
    # mid 20.00, band 0.10
    assert child(narrow, 1, "20.10", "20.00") is None
    assert child(narrow, 1, "19.90", "20.00") is None
    assert_blocked(child(narrow, 1, "20.11", "20.00"), "price_band", "20.11", "0.5%", "20.00")
    assert_blocked(child(narrow, 1, "19.89", "20.00"), "price_band", "19.89", "0.5%", "20.00")


def test_child_band_is_not_applied_without_a_mid_or_a_price() -> None:
    assert child(BAND_ONLY, 100, "500.00", None) is None  # nothing to measure against
    assert child(BAND_ONLY, 100, None, "100.00") is None  # market child: no limit to check


# --- child: kill switch and rule order ------------------------------------------------------------------------


def test_kill_switch_blocks_every_child_first() -> None:
    verdict = PreTradeRisk(RiskLimits()).check_child(
        kill_engaged=True, quantity=1, price=Decimal("100"), reference=Decimal("100")
    )
    assert_blocked(verdict, "kill_switch", "kill switch")


def test_default_limits_pass_an_ordinary_child() -> None:
    assert child(RiskLimits(), 1_000, "100.01", "100.00") is None


# --- parent ---------------------------------------------------------------------------------------------------

PARENT_QTY_ONLY = RiskLimits(max_parent_qty=50_000, max_parent_notional=Decimal(FAR))
PARENT_NOTIONAL_ONLY = RiskLimits(max_parent_qty=FAR, max_parent_notional=Decimal("1000000"))


@pytest.mark.parametrize("quantity", [49_999, 50_000])
def test_parent_quantity_up_to_the_limit_passes(quantity: int) -> None:
    assert parent(PARENT_QTY_ONLY, quantity, None) is None
    assert parent(PARENT_QTY_ONLY, quantity, "10.00") is None


@pytest.mark.parametrize("reference", [None, "10.00"])
def test_parent_quantity_one_over_the_limit_is_blocked_naming_quantity_and_limit(reference: str | None) -> None:
    assert_blocked(parent(PARENT_QTY_ONLY, 50_001, reference), "max_parent_qty", "50,001", "50,000")


@pytest.mark.parametrize(("quantity", "reference"), [(10_000, "99.99"), (10_000, "100.00"), (9_999, "100.01")])
def test_parent_notional_up_to_the_limit_passes(quantity: int, reference: str) -> None:
    assert parent(PARENT_NOTIONAL_ONLY, quantity, reference) is None


@pytest.mark.parametrize(
    ("quantity", "reference", "notional"),
    [(10_000, "100.01", "1,000,100.00"), (10_001, "100.00", "1,000,100.00")],
)
def test_parent_notional_over_the_limit_is_blocked_naming_notional_and_limit(
    quantity: int, reference: str, notional: str
) -> None:
    assert_blocked(parent(PARENT_NOTIONAL_ONLY, quantity, reference), "max_parent_notional", notional, "1,000,000.00")


def test_parent_notional_is_not_checked_without_a_reference_price() -> None:
    assert parent(PARENT_NOTIONAL_ONLY, 10**9, None) is None
