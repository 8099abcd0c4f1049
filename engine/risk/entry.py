"""Where tickets meet the controls: a hard breach refuses the ticket (journaled as `RiskBlocked`); soft ones
need the trader's confirmation (`NeedsConfirmation`: the ticket goes nowhere until resubmitted confirmed); an
OMS's ticket (source `fix:...`) goes on with a warning alert, unless `[risk] fix_soft = "block"` makes soft
breaches refuse it too."""

from __future__ import annotations

from dataclasses import dataclass

from engine.risk.checks import RiskEngine
from engine.risk.verdict import RiskVerdict
from engine.validation import Invalid, ValidTicket

FIELD_OF_RULE = {"max_order_qty": "quantity", "max_order_notional": "quantity", "max_position": "quantity",
                 "adv": "quantity", "price_collar": "limit", "restricted": "symbol", "reducing": "side"}
"""The ticket field a rule's refusal is shown beside ("": the ticket as a whole)."""


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    """Soft risk limits the ticket breaches."""

    warnings: tuple[RiskVerdict, ...]

    @property
    def reason(self) -> str:
        return "needs confirmation: " + "; ".join(f"{w.rule}: {w.reason}" for w in self.warnings)

    @property
    def field(self) -> str:
        return FIELD_OF_RULE.get(self.warnings[0].rule, "")


def screen(risk: RiskEngine, valid: ValidTicket, *, account: str, source: str, client_order_id: str,
           confirmed: bool) -> Invalid | NeedsConfirmation | None:
    """None: the ticket may be accepted (any warnings are journaled with what became of it)."""
    instrument = valid.instrument
    checked = risk.check_ticket(account=account, symbol=instrument.symbol, side=valid.side, quantity=valid.quantity,
                                limit=valid.limit_price, instrument=instrument)
    target = client_order_id or (f"{valid.side.name} {valid.quantity:,} {instrument.symbol}"
                                 f"{'' if valid.limit_price is None else f' @ {valid.limit_price}'}")
    oms = source.startswith("fix:")
    block = checked.block
    if block is None and checked.warnings and oms and risk.config.fix_soft_blocks:
        block = checked.warnings[0]
    if block is not None:
        risk.block(block, target)
        return Invalid(FIELD_OF_RULE.get(block.rule, ""), block.reason)
    if not checked.warnings:
        risk.passed(tickets=1)
        return None
    if not confirmed and not oms:
        for warning in checked.warnings:
            risk.warn(warning, target, "needs confirmation")
        return NeedsConfirmation(checked.warnings)
    outcome = f"confirmed ({source})" if confirmed else "accepted with a warning"
    for warning in checked.warnings:
        risk.warn(warning, target, outcome)
    return None
