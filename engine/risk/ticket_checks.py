"""The controls a ticket passes at entry, in order (each yields a verdict only when breached).

Account and desk limits see the account's open tickets (their unexecuted shares count from the moment the
ticket is accepted); firm and instrument limits see every account's. A ticket that only reduces a position
is never stopped by a position or exposure limit, and is the only kind a REDUCING scope lets in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from engine import events as ev
from engine.model import Instrument, Side, Symbol
from engine.risk import controls
from engine.risk.config import Control
from engine.risk.exposure import Working
from engine.risk.marks import Figures
from engine.risk.throttles import FIRM_KEY
from engine.risk.verdict import RiskVerdict

if TYPE_CHECKING:
    from engine.risk.checks import RiskEngine

S = ev.RiskScope
_ZERO = Decimal(0)


def ticket_verdicts(risk: RiskEngine, account: str, symbol: Symbol, side: Side, quantity: int,
                    limit: Decimal | None, instrument: Instrument) -> Iterator[RiskVerdict]:
    c = risk.config
    desk = c.desk_of(account)
    accounts = risk.desk_accounts.get(desk, ()) if desk else ()
    not_active = risk.store.kill_engaged or bool(risk.store.risk.states)  # only scopes not ACTIVE are kept
    position = c.max_position
    exposures = c.max_gross.on or c.daily_notional.on or c.credit.on
    standing = _standing(risk, account, symbol, side, quantity) if not_active or position.on or exposures else None
    if not_active and standing is not None:
        yield from _states(risk, account, desk, symbol, standing.reducing_firm, standing.reducing_account)
    if c.restricted.on and (symbol in c.restricted_symbols or symbol in c.restricted_by_account.get(account, ())):
        where = "the firm's" if symbol in c.restricted_symbols else f"account {account}'s"
        yield RiskVerdict("restricted", f"{symbol} is on {where} restricted list", "instrument", symbol, symbol,
                          "restricted", c.restricted.hard)
    yield from order_verdicts(risk, account, desk, symbol, side, quantity, limit, instrument)
    if c.adv.on:
        pct, adv = c.adv.for_instrument(symbol), c.adv_shares.get(symbol, 0)
        found = controls.adv_share(quantity, adv, pct, symbol, c.adv.hard) if pct is not None else None
        if found:
            yield found
    if standing is not None and position.on:
        firm_limit = position.for_instrument(symbol)
        if firm_limit is not None:
            found = controls.position_limit("max_position", standing.firm_position, standing.firm_working.qty(side),
                                            quantity, side, firm_limit, "instrument", symbol, position.hard)
            if found:
                yield found
        yield from _scoped_position(risk, position, account, desk, accounts, symbol, side, quantity,
                                    standing.account_position, standing.account_working)
    if standing is not None and exposures and not (standing.reducing_firm and standing.reducing_account):
        notional = (limit or risk.reference(symbol) or _ZERO) * quantity
        yield from _exposure(risk, account, desk, accounts, symbol, side, notional)
    yield from _counts(risk, account, desk, accounts, symbol, side, quantity, limit)


@dataclass(frozen=True, slots=True)
class _Standing:
    """Where the firm and the account stand in the instrument, and whether the ticket only reduces that."""

    firm_position: int
    firm_working: Working
    account_position: int
    account_working: Working
    reducing_firm: bool
    reducing_account: bool


def _standing(risk: RiskEngine, account: str, symbol: Symbol, side: Side, quantity: int) -> _Standing:
    exposure = risk.exposure
    firm_position = risk.position(symbol)
    firm_working = exposure.ticket_symbol.get(symbol) or Working()
    account_p = risk.store.risk.account_position(account, symbol)
    account_position = 0 if account_p is None else account_p.net
    account_working = exposure.account_working(account, symbol)
    return _Standing(firm_position, firm_working, account_position, account_working,
                     controls.reduces(firm_position, firm_working.qty(side), quantity, side),
                     controls.reduces(account_position, account_working.qty(side), quantity, side))


def order_verdicts(risk: RiskEngine, account: str, desk: str, symbol: Symbol, side: Side, quantity: int,
                   limit: Decimal | None, instrument: Instrument) -> Iterator[RiskVerdict]:
    """The per-order controls: quantity, notional and the price collar (also on amends)."""
    c = risk.config
    price = limit or risk.reference(symbol)
    for control, check in ((c.max_order_qty, "qty"), (c.max_order_notional, "notional")):
        if not control.on:
            continue
        for scope, key, value in _order_limits(control, symbol, account, desk):
            found = (controls.order_qty(quantity, value, scope, key, control.hard) if check == "qty" else
                     controls.order_notional(quantity, price, value, scope, key, control.hard))
            if found:
                yield found
    collar = c.price_collar
    if collar.on and limit is not None:
        pct = collar.for_instrument(symbol) or _ZERO
        quote = risk.market.quote(symbol)
        reference, name = controls.collar_reference(side, quote.bid, quote.ask, risk.marks.last_trade.get(symbol),
                                                    c.previous_close.get(symbol))
        found = controls.price_band(limit, reference, pct, collar.ticks, instrument.tick_size, collar.hard,
                                    rule="price_collar", what=f"{side.name} limit", reference_name=name, key=symbol)
        if found:
            yield found


def _order_limits(control: Control, symbol: str, account: str, desk: str) -> Iterator[tuple[str, str, Decimal]]:
    if symbol in control.instrument:
        yield "instrument", symbol, control.instrument[symbol]
    elif control.firm is not None:
        yield "firm", "", control.firm
    if account in control.account:
        yield "account", account, control.account[account]
    if desk and desk in control.desk:
        yield "desk", desk, control.desk[desk]


def _states(risk: RiskEngine, account: str, desk: str, symbol: Symbol, reducing_firm: bool,
            reducing_account: bool) -> Iterator[RiskVerdict]:
    scopes = [(S.FIRM, ""), (S.INSTRUMENT, symbol), (S.ACCOUNT, account)] + ([(S.DESK, desk)] if desk else [])
    for scope, key in scopes:
        state = risk.state_of(scope, key)
        if state is ev.TradingState.ACTIVE:
            continue
        name = f"{scope.value} {key}".strip()
        why = risk.store.risk.states.get((scope, key), (state, risk.store.kill_reason))[1]
        if state is ev.TradingState.HALTED:
            yield RiskVerdict("halted", f"{name} is halted ({why}): no new orders", scope.value, key, "halted",
                              "active")
        elif not (reducing_account if scope in (S.ACCOUNT, S.DESK) else reducing_firm):
            yield RiskVerdict("reducing", f"{name} is reducing ({why}): only orders that reduce the position",
                              scope.value, key, "increases", "reduces only")


def _scoped_position(risk: RiskEngine, control: Control, account: str, desk: str, accounts: tuple[str, ...],
                     symbol: Symbol, side: Side, quantity: int, account_position: int,
                     account_working: Working) -> Iterator[RiskVerdict]:
    if account in control.account:
        found = controls.position_limit("max_position", account_position, account_working.qty(side), quantity,
                                        side, control.account[account], "account", account, control.hard)
        if found:
            yield found
    if desk and desk in control.desk:
        position = risk.account_positions(accounts, symbol).net
        working = sum(risk.exposure.account_working(a, symbol).qty(side) for a in accounts)
        found = controls.position_limit("max_position", position, working, quantity, side, control.desk[desk],
                                        "desk", desk, control.hard)
        if found:
            yield found


def _figures(risk: RiskEngine, scope: str, key: str, accounts: tuple[str, ...]) -> tuple[Figures, Working]:
    """Positions' figures and open tickets of the firm, an account or a desk."""
    exposure = risk.exposure
    if scope == "firm":
        return risk.marks.firm, exposure.ticket_total
    names = (key,) if scope == "account" else accounts
    figures, working = Figures(), Working()
    for name in names:
        f = risk.marks.account(name)
        figures.gross += f.gross
        figures.traded += f.traded
        figures.net_cash += f.net_cash
        w = exposure.account_total.get(name)
        if w is not None:
            working.move(Side.BUY, w.buy_qty, w.buy_notional)
            working.move(Side.SELL, w.sell_qty, w.sell_notional)
    return figures, working


def _exposure(risk: RiskEngine, account: str, desk: str, accounts: tuple[str, ...], symbol: Symbol, side: Side,
              notional: Decimal) -> Iterator[RiskVerdict]:
    c = risk.config
    for name, control in (("max_gross", c.max_gross), ("daily_notional", c.daily_notional), ("credit", c.credit)):
        if not control.on or (name == "credit" and side is Side.SELL):  # a sale brings cash in
            continue
        for scope, key, limit in _aggregate_limits(control, account, desk):
            figures, working = _figures(risk, scope, key, accounts)
            value = {"max_gross": figures.gross + working.notional,
                     "daily_notional": figures.traded + working.notional,
                     "credit": figures.net_cash + working.buy_notional}[name] + notional
            found = controls.over(name, _WHAT[name], value, limit, scope, key, control.hard, money=True)
            if found:
                yield found
        if name == "daily_notional" and symbol in control.instrument:
            part = risk.marks.firm.parts.get(symbol)
            working_symbol = risk.exposure.ticket_symbol.get(symbol) or Working()
            value = (part[2] if part else _ZERO) + working_symbol.notional + notional
            found = controls.over(name, _WHAT[name], value, control.instrument[symbol], "instrument", symbol,
                                  control.hard, money=True)
            if found:
                yield found


_WHAT = {"max_gross": "gross exposure with open orders", "daily_notional": "notional traded today with open orders",
         "credit": "cash committed with open buys"}


def _aggregate_limits(control: Control, account: str, desk: str) -> Iterator[tuple[str, str, Decimal]]:
    if control.firm is not None:
        yield "firm", "", control.firm
    if account in control.account:
        yield "account", account, control.account[account]
    if desk and desk in control.desk:
        yield "desk", desk, control.desk[desk]


def _counts(risk: RiskEngine, account: str, desk: str, accounts: tuple[str, ...], symbol: Symbol, side: Side,
            quantity: int, limit: Decimal | None) -> Iterator[RiskVerdict]:
    c = risk.config
    now = risk.clock.now_ns()
    extra = risk.tentative_count() + 1  # a basket's rows checked before this one are not in the rate yet
    exposure = risk.exposure
    if c.max_open_tickets.on:  # the open tickets include a basket's rows checked before this one (tentative)
        counts = {"firm": exposure.open_tickets, "account": exposure.account_tickets.get(account, 0),
                  "desk": sum(exposure.account_tickets.get(a, 0) for a in accounts)}
        for scope, key, value in _aggregate_limits(c.max_open_tickets, account, desk):
            found = controls.over("max_open_tickets", "open tickets with this one", counts[scope] + 1, value,
                                  scope, key, c.max_open_tickets.hard)
            if found:
                yield found
    if c.ticket_rate.on:
        window = c.ticket_rate.window_ns / 1e9
        for scope, key, value in _aggregate_limits(c.ticket_rate, account, desk):
            counted = risk.ticket_rate.count(FIRM_KEY if scope == "firm" else (scope, key), now) + extra
            found = controls.over("ticket_rate", f"tickets in {window:g} s with this one", counted, value, scope,
                                  key, c.ticket_rate.hard)
            if found:
                yield found
    if c.duplicate_order.on:
        order = (account, symbol, side, quantity, limit)
        seen = risk.duplicates.seen_at(order, now)
        if seen is not None or risk.tentative_duplicate(order):
            ago = "in this basket" if seen is None else f"{(now - seen) / 1e9:.3g} s ago"
            window = c.duplicate_order.window_ns / 1e9
            yield RiskVerdict("duplicate_order", f"same account, symbol, side, quantity and price as an order entered "
                                                 f"{ago} (window {window:g} s)", "account", account,
                              f"{side.name} {quantity:,} {symbol} @ {limit or 'market'}", f"{window:g} s",
                              c.duplicate_order.hard)
