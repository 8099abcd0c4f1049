"""The original six firm-wide checks (`RiskLimits`, `PreTradeRisk`), kept for their callers; the engine uses
`engine.risk.checks.RiskEngine`, whose controls these limits configure (`RiskConfig.from_limits`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.risk import controls
from engine.risk.verdict import RiskVerdict


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_child_qty: int = 100_000
    max_child_notional: Decimal = Decimal("5000000")
    max_parent_qty: int = 10_000_000
    max_parent_notional: Decimal = Decimal("250000000")
    price_band_pct: Decimal = Decimal("5")  # a child's limit must sit within this % of the mid


class PreTradeRisk:
    """Stateless checks against `RiskLimits` plus the kill state."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits

    def check_child(
        self, *, kill_engaged: bool, quantity: int, price: Decimal | None, reference: Decimal | None
    ) -> RiskVerdict | None:
        limits = self.limits
        if kill_engaged:
            return RiskVerdict("kill_switch", "kill switch engaged: no new child orders")
        return (controls.child_qty(quantity, Decimal(limits.max_child_qty), "firm", "", True)
                or controls.child_notional(quantity, price, reference, limits.max_child_notional, "firm", "", True)
                or controls.price_band(price, reference, limits.price_band_pct, 0, Decimal(0), True))

    def check_parent(self, *, quantity: int, reference: Decimal | None) -> RiskVerdict | None:
        limits = self.limits
        return (controls.order_qty(quantity, Decimal(limits.max_parent_qty), "firm", "", True, "max_parent_qty")
                or controls.order_notional(quantity, reference, limits.max_parent_notional, "firm", "", True,
                                           "max_parent_notional"))
