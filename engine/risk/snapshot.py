"""What the risk panel shows, read on demand: positions and P&L, limit utilization, trading states, recent
decisions. Plain frozen rows (the GUI never touches engine internals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from engine import events as ev
from engine.risk import pnl
from engine.risk.config import Control
from engine.risk.throttles import FIRM_KEY

if TYPE_CHECKING:
    from engine.risk.checks import Decision, RiskEngine

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PositionRow:
    account: str  # "" for the firm's row of an instrument
    symbol: str
    position: int
    avg_price: Decimal | None
    mark: Decimal | None
    realized: Decimal
    unrealized: Decimal
    fees: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Utilization:
    control: str
    scope: str
    key: str
    used: Decimal
    limit: Decimal

    @property
    def fraction(self) -> float:
        return float(self.used / self.limit) if self.limit else (1.0 if self.used else 0.0)


@dataclass(frozen=True, slots=True)
class StateRow:
    scope: str
    key: str
    state: str
    reason: str


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    positions: tuple[PositionRow, ...]
    firm: PositionRow  # the firm's totals over every instrument
    utilization: tuple[Utilization, ...]
    states: tuple[StateRow, ...]
    recent: tuple[Decision, ...]


def snapshot(risk: RiskEngine) -> RiskSnapshot:
    state = risk.store.risk
    marks = risk.marks
    rows = []
    for symbol, position in sorted(state.instruments.items()):
        rows.append(_row("", symbol, pnl.pnl(position, marks.mark_of(symbol))))
    for (account, symbol), position in sorted(state.accounts.items()):
        rows.append(_row(account, symbol, pnl.pnl(position, marks.mark_of(symbol))))
    firm_rows = [r for r in rows if not r.account]
    firm = PositionRow("", "firm", sum(abs(r.position) for r in firm_rows), None, None,
                       sum((r.realized for r in firm_rows), _ZERO), sum((r.unrealized for r in firm_rows), _ZERO),
                       sum((r.fees for r in firm_rows), _ZERO), sum((r.total for r in firm_rows), _ZERO))
    states = [StateRow(scope.value, key, s.name, why) for (scope, key), (s, why) in sorted(
        state.states.items(), key=lambda item: (item[0][0].value, item[0][1]))]
    if risk.store.kill_engaged:
        states.insert(0, StateRow("firm", "", ev.TradingState.HALTED.name, risk.store.kill_reason))
    return RiskSnapshot(tuple(rows), firm, tuple(_utilization(risk, firm_rows)), tuple(states), tuple(risk.recent))


def _row(account: str, symbol: str, p: pnl.PnL) -> PositionRow:
    return PositionRow(account, symbol, p.position, p.avg_price, p.mark, pnl.cents(p.realized),
                       pnl.cents(p.unrealized), pnl.cents(p.fees), pnl.cents(p.total))


def _utilization(risk: RiskEngine, firm_rows: list[PositionRow]) -> list[Utilization]:
    c, marks, exposure = risk.config, risk.marks, risk.exposure
    now = risk.clock.now_ns()
    out: list[Utilization] = []

    def add(name: str, control: Control, scope: str, key: str, used: Decimal | int, limit: Decimal | None) -> None:
        if control.on and limit is not None:
            out.append(Utilization(name, scope, key, Decimal(used), limit))

    for row in firm_rows:
        add("max_position", c.max_position, "instrument", row.symbol, abs(row.position),
            c.max_position.for_instrument(row.symbol))
    add("max_gross", c.max_gross, "firm", "", pnl.cents(marks.firm.gross + exposure.child_total.notional),
        c.max_gross.firm)
    add("daily_notional", c.daily_notional, "firm", "", pnl.cents(marks.firm.traded + exposure.child_total.notional),
        c.daily_notional.firm)
    add("credit", c.credit, "firm", "", pnl.cents(max(_ZERO, marks.firm.net_cash + exposure.child_total.buy_notional)),
        c.credit.firm)
    add("loss_limit", c.loss_limit, "firm", "", pnl.cents(max(_ZERO, -marks.firm.total)), c.loss_limit.firm)
    for account, limit in c.loss_limit.account.items():
        add("loss_limit", c.loss_limit, "account", account, pnl.cents(max(_ZERO, -marks.account(account).total)), limit)
    for account, limit in c.max_gross.account.items():
        add("max_gross", c.max_gross, "account", account, pnl.cents(marks.account(account).gross), limit)
    add("max_open_tickets", c.max_open_tickets, "firm", "", exposure.open_tickets, c.max_open_tickets.firm)
    add("max_open_children", c.max_open_children, "firm", "", len(exposure.children), c.max_open_children.firm)
    for name, rate, control in (("child_rate", risk.child_rate, c.child_rate),
                                ("message_rate", risk.message_rate, c.message_rate)):
        add(name, control, "firm", "", rate.count(FIRM_KEY, now), control.firm)
    return out

