"""Marks and the figures the controls need from positions, kept current without walking every position on
every order: per instrument (the firm) and per account, the P&L at the mark, the gross marked value, the
notional traded and the net cash spent. A fill refreshes its instrument, an allocation its accounts, and a
periodic tick (`refresh_all`, from market data at most every `loss_check_interval`) everything. A fill
re-marks the accounts holding its instrument only when the mark moved since they were last marked all
together: their positions change by allocations alone (a fill of a 50-account block had re-marked all 50).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from engine.market import MarketView
from engine.model import Symbol, TicketId
from engine.risk import pnl
from engine.risk.state import Position, RiskState

_ZERO = Decimal(0)
_NEVER = object()


class Figures:
    """Sums over positions, with each position's share kept so one can be replaced in O(1)."""

    __slots__ = ("gross", "net_cash", "parts", "total", "traded")

    def __init__(self) -> None:
        self.total = _ZERO  # P&L: realized + unrealized - fees
        self.gross = _ZERO  # |net| x mark
        self.traded = _ZERO  # bought + sold notional
        self.net_cash = _ZERO  # bought - sold notional
        self.parts: dict[Symbol, tuple[Decimal, Decimal, Decimal, Decimal]] = {}

    def put(self, symbol: Symbol, p: Position, mark: Decimal | None) -> None:
        old = self.parts.get(symbol)
        if old is not None:
            self.total -= old[0]
            self.gross -= old[1]
            self.traded -= old[2]
            self.net_cash -= old[3]
        net = p.buy_qty - p.sell_qty
        valued = mark if mark is not None else (pnl.open_avg(p) or _ZERO)
        new = (pnl.total(p, mark), abs(net) * valued, p.buy_notional + p.sell_notional,
               p.buy_notional - p.sell_notional)
        self.parts[symbol] = new
        self.total += new[0]
        self.gross += new[1]
        self.traded += new[2]
        self.net_cash += new[3]


class Marks:
    """The firm's and each account's figures at the latest marks."""

    def __init__(self, state: RiskState, market: MarketView) -> None:
        self.state = state
        self.market = market
        self.last_trade: dict[Symbol, Decimal] = {}
        self.mark: dict[Symbol, Decimal] = {}
        self.firm = Figures()
        self.accounts: dict[str, Figures] = {}
        self._holders: dict[Symbol, set[str]] = {}
        self._holders_mark: dict[Symbol, object] = {}  # the mark every holder of the symbol was last put at

    def mark_of(self, symbol: Symbol) -> Decimal | None:
        """The consolidated mid, else the last trade, else the last mark seen."""
        mid = self.market.mid(symbol)
        if mid is None:
            mid = self.last_trade.get(symbol)
        if mid is not None:
            self.mark[symbol] = mid
            return mid
        return self.mark.get(symbol)

    def refresh_symbol(self, symbol: Symbol) -> None:
        p = self.state.instruments.get(symbol)
        if p is not None:
            mark = self.mark_of(symbol)
            self.firm.put(symbol, p, mark)
            if self._holders_mark.get(symbol, _NEVER) != mark:
                for account in self._holders.get(symbol, ()):
                    self._put_account(account, symbol, mark)
                self._holders_mark[symbol] = mark

    def refresh_accounts(self, ticket_ids: Iterable[TicketId]) -> None:
        done: set[tuple[str, Symbol]] = set()
        for ticket_id in ticket_ids:
            info = self.state.ticket_info(ticket_id)
            if info is None or (info[0], info[1]) in done:
                continue
            done.add((info[0], info[1]))
            self._holders.setdefault(info[1], set()).add(info[0])
            self._put_account(info[0], info[1], self.mark_of(info[1]))

    def refresh_all(self) -> None:
        marks = {symbol: self.mark_of(symbol) for symbol in self.state.instruments}
        for symbol, p in self.state.instruments.items():
            self.firm.put(symbol, p, marks[symbol])
        for (account, symbol) in self.state.accounts:
            self._holders.setdefault(symbol, set()).add(account)
            if symbol not in marks:
                marks[symbol] = self.mark_of(symbol)
            self._put_account(account, symbol, marks[symbol])
        self._holders_mark = {symbol: marks[symbol] for symbol in self._holders if symbol in marks}

    def account(self, account: str) -> Figures:
        return self.accounts.get(account) or Figures()

    def _put_account(self, account: str, symbol: Symbol, mark: Decimal | None) -> None:
        p = self.state.account_position(account, symbol)
        if p is None:
            return
        figures = self.accounts.get(account)
        if figures is None:
            figures = self.accounts[account] = Figures()
        figures.put(symbol, p, mark)
