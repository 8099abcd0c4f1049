"""Pre-trade risk, positions and P&L, trading states and kill switches.

Light on import (the order store imports `engine.risk.state`): the run-time pieces are
`engine.risk.checks.RiskEngine` (the controls), `engine.risk.kill.KillSwitches` (kills at every scope,
re-enable, bulk resume) and `engine.risk.automatic.AutomaticKills` (loss limits, reject rates, message storms,
cancel-on-disconnect). docs/risk.md describes the controls and their configuration.
"""

from engine.risk.config import Control, Mode, RiskConfig, RiskConfigError
from engine.risk.legacy import PreTradeRisk, RiskLimits
from engine.risk.state import Position, RiskState
from engine.risk.verdict import RiskVerdict

__all__ = ["Control", "Mode", "Position", "PreTradeRisk", "RiskConfig", "RiskConfigError", "RiskLimits", "RiskState",
           "RiskVerdict", "from_limits"]


def from_limits(limits: RiskLimits) -> RiskConfig:
    """The configuration the original limits stand for: their five controls, hard, at the firm; nothing else."""
    from dataclasses import replace
    from decimal import Decimal

    base = RiskConfig()
    return replace(
        base,
        max_child_qty=replace(base.max_child_qty, firm=Decimal(limits.max_child_qty)),
        max_child_notional=replace(base.max_child_notional, firm=limits.max_child_notional),
        max_order_qty=replace(base.max_order_qty, firm=Decimal(limits.max_parent_qty)),
        max_order_notional=replace(base.max_order_notional, firm=limits.max_parent_notional),
        child_price_band=replace(base.child_price_band, firm=limits.price_band_pct),
    )
