"""Pre-trade controls every child (and every new parent) passes on its way out.

A control answers with `None` (pass) or a `RiskVerdict` naming the rule and why, which the engine
journals as `RiskBlocked` before anything leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_child_qty: int = 100_000
    max_child_notional: Decimal = Decimal("5000000")
    max_parent_qty: int = 10_000_000
    max_parent_notional: Decimal = Decimal("250000000")
    price_band_pct: Decimal = Decimal("5")  # a child's limit must sit within this % of the mid


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    rule: str
    reason: str


class PreTradeRisk:
    """Stateless checks against configured limits plus the engine's kill state."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits

    def check_child(
        self, *, kill_engaged: bool, quantity: int, price: Decimal | None, reference: Decimal | None
    ) -> RiskVerdict | None:
        limits = self.limits
        if kill_engaged:
            return RiskVerdict("kill_switch", "kill switch engaged: no new child orders")
        if quantity > limits.max_child_qty:
            return RiskVerdict("max_child_qty", f"child quantity {quantity:,} exceeds limit {limits.max_child_qty:,}")
        px = price if price is not None else reference
        if px is not None and px * quantity > limits.max_child_notional:
            return RiskVerdict(
                "max_child_notional",
                f"child notional {px * quantity:,.2f} exceeds limit {limits.max_child_notional:,.2f}",
            )
        if price is not None and reference:
            band = reference * limits.price_band_pct / 100
            if abs(price - reference) > band:
                return RiskVerdict(
                    "price_band", f"child price {price} is more than {limits.price_band_pct}% from mid {reference}"
                )
        return None

    def check_parent(self, *, quantity: int, reference: Decimal | None) -> RiskVerdict | None:
        limits = self.limits
        if quantity > limits.max_parent_qty:
            return RiskVerdict("max_parent_qty", f"quantity {quantity:,} exceeds limit {limits.max_parent_qty:,}")
        if reference is not None and reference * quantity > limits.max_parent_notional:
            return RiskVerdict(
                "max_parent_notional",
                f"notional {reference * quantity:,.2f} exceeds limit {limits.max_parent_notional:,.2f}",
            )
        return None
