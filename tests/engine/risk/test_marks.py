"""The incremental marks (a fill re-marks its instrument's holders only when the mark moved) always equal a
full re-mark of every position at the same market: fills of a block held by many accounts, allocations and
market moves in between, on the real engine path."""

from __future__ import annotations

from decimal import Decimal

from engine.model import Symbol
from engine.risk.marks import Figures, Marks
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import limits


def figures(f: Figures) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return f.total, f.gross, f.traded, f.net_cash


def test_incremental_marks_equal_a_full_remark_through_fills_allocations_and_market_moves(desk: MakeDesk) -> None:
    d = desk(limits())
    held = d.parent(200, symbol="AAPL", account="HOLDER")  # an account that holds AAPL from another block
    [child] = d.send(held, 200, "100.00")
    d.fill(child, 200, "100.00")
    accounts = [f"PM{n}" for n in range(6)]
    parents = {d.parent(500 * (n + 1), account=account) for n, account in enumerate(accounts)}
    assert len(parents) == 1 and held not in parents  # one block held by six accounts
    [pid] = parents
    checked = 0
    for step, (bid, ask) in enumerate((("100.00", "100.02"), ("100.00", "100.02"), ("100.40", "100.42"),
                                       ("99.10", "99.12"), ("99.10", "99.12"), ("101.00", "101.02"))):
        for venue in (d.lit1, d.lit2):
            venue.book("AAPL", bid, ask)
        [child] = d.send(pid, 300, bid)
        d.fill(child, 100 + 50 * step, bid)  # partial: the fill's allocation moves some accounts only
        live = d.engine.risk.checks.marks
        fresh = Marks(d.engine.store.risk, d.engine.market)
        fresh.refresh_all()
        assert figures(live.firm) == figures(fresh.firm), step
        for account in ["HOLDER", *accounts]:
            assert figures(live.account(account)) == figures(fresh.account(account)), (step, account)
            checked += live.account(account).parts.get(Symbol("AAPL")) is not None
    assert checked > 12  # the accounts were holding positions, not compared empty
