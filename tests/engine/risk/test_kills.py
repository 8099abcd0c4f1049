"""Kill switches at every scope: a kill blocks new orders in its scope, cancels every working child in it,
pauses its parents and says what it did; nothing outside the scope is touched. Re-enabling takes a reason and
leaves parents paused until resumed together; who may do either is configured."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine import events as ev
from engine.model import ChildId, ParentId, Side
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, limits

S, T = ev.RiskScope, ev.TradingState


def two_parents(d: Desk) -> tuple[ParentId, ParentId, dict[ParentId, list[ChildId]]]:
    """AAPL for PM1 (desk EQ) and MSFT for PM2, each with a child at LIT1 and one at LIT2."""
    aapl = d.parent(5000, account="PM1")
    msft = d.parent(5000, symbol="MSFT", account="PM2")
    children = {aapl: d.send(aapl, 2000, "100.02", sweep=True), msft: d.send(msft, 2000, "50.02", sweep=True)}
    assert all(len(c) == 2 for c in children.values())
    return aapl, msft, children


SCOPES = [  # scope, key, which parents it holds (by name), which children it cancels
    (S.FIRM, "", {"aapl", "msft"}, "all"),
    (S.DESK, "EQ", {"aapl"}, "parents"),
    (S.ACCOUNT, "PM2", {"msft"}, "parents"),
    (S.INSTRUMENT, "AAPL", {"aapl"}, "parents"),
    (S.PARENT, "aapl", {"aapl"}, "parents"),
    (S.VENUE, "LIT1", {"aapl", "msft"}, "LIT1"),
]


@pytest.mark.parametrize(("scope", "key", "held", "cancels"), SCOPES)
def test_a_kill_cancels_pauses_and_blocks_only_its_scope(
    desk: MakeDesk, scope: ev.RiskScope, key: str, held: set[str], cancels: str
) -> None:
    d = desk(replace(limits(), desks={"PM1": "EQ"}))
    aapl, msft, children = two_parents(d)
    names = {"aapl": aapl, "msft": msft}
    key = names.get(key, key)
    assert d.engine.kill("test", by="alice", scope=scope, key=key).ok
    [killed] = d.journaled(ev.ScopeKilled)
    in_scope = {names[n] for n in held}
    if cancels == "LIT1":
        expected = {c for cs in children.values() for c in cs if c in d.lit1.submitted}
    else:
        expected = {c for p in in_scope for c in children[p]}
    assert set(killed.children_canceled) == expected
    assert set(d.lit1.cancels + d.lit2.cancels) == expected
    assert set(killed.parents_paused) == in_scope
    for pid in (aapl, msft):
        assert d.engine.store.parent(pid).paused is (pid in in_scope)
    assert any("kill by alice" in a.text and "paused" in a.text for a in d.journaled(ev.AlertRaised))
    # new orders in scope are blocked; outside it they go
    for pid, price in ((aapl, "100.00"), (msft, "50.00")):
        before = len(d.sent())
        sent = d.send(pid, 10, price)
        if scope is S.VENUE:
            assert all(o.venue == "LIT2" for o in d.sent()[before:])  # LIT1 gets nothing new
        elif pid in in_scope:
            assert sent == [] and d.blocks()[-1].rule in ("halted", "kill_switch")
        else:
            assert sent
    for ticket, refused in TICKETS[scope]:
        assert d.ticket(10, **ticket).accepted is not refused, (ticket, scope)
    # a parent in a halted scope cannot be resumed one by one: the scope is re-enabled first
    for pid in in_scope if scope is not S.VENUE else ():
        resumed = d.engine.resume(pid)
        said = "kill switch engaged" if scope is S.FIRM else f"{scope.value} {key} is halted"
        assert not resumed.ok and resumed.reason == f"{said}: re-enable first", (scope, resumed)
        assert d.engine.store.parent(pid).paused


AAPL_PM1, MSFT_PM2 = {"account": "PM1"}, {"symbol": "MSFT", "account": "PM2"}
TICKETS = {
    S.FIRM: [(AAPL_PM1, True), (MSFT_PM2, True)],
    S.DESK: [(AAPL_PM1, True), (MSFT_PM2, False)],
    S.ACCOUNT: [(AAPL_PM1, False), (MSFT_PM2, True)],
    S.INSTRUMENT: [(AAPL_PM1, True), (MSFT_PM2, False)],
    S.PARENT: [(AAPL_PM1, False), (MSFT_PM2, False)],
    S.VENUE: [(AAPL_PM1, False), (MSFT_PM2, False)],
}


def test_reenable_takes_a_reason_leaves_parents_paused_and_resume_all_restarts_them(desk: MakeDesk) -> None:
    d = desk(limits())
    aapl, _, _ = two_parents(d)
    assert d.engine.kill("test", scope=S.INSTRUMENT, key="AAPL").ok
    refused = d.engine.resume(aapl)
    assert not refused.ok and "instrument AAPL is halted: re-enable first" in refused.reason
    assert not d.engine.resume_all(scope=S.INSTRUMENT, key="AAPL").ok
    assert d.engine.reenable(scope=S.INSTRUMENT, key="AAPL", reason="fat finger checked").ok
    [changed] = [e for e in d.journaled(ev.TradingStateChanged) if e.state is T.ACTIVE]
    assert changed.reason == "fat finger checked"
    assert d.engine.store.parent(aapl).paused
    assert any("1 parent(s) stay paused" in a.text for a in d.journaled(ev.AlertRaised))
    assert not d.engine.reenable(scope=S.INSTRUMENT, key="AAPL", reason="again").ok  # not halted any more
    result = d.engine.resume_all(scope=S.INSTRUMENT, key="AAPL")
    assert result.ok and result.reason == "1 of 1 paused parent(s) resumed"
    assert not d.engine.store.parent(aapl).paused and d.send(aapl, 10, "100.00")


def test_the_firm_kill_is_the_kill_switch_and_bulk_resume_follows_its_release(desk: MakeDesk) -> None:
    d = desk(limits())
    two_parents(d)
    assert d.engine.kill("panic").ok and d.engine.kill_state() == (True, "panic")
    assert not d.engine.kill("again").ok
    assert d.engine.reenable(reason="calm").ok and d.engine.kill_state() == (False, "")
    assert d.engine.resume_all().reason == "2 of 2 paused parent(s) resumed"


def test_who_may_kill_and_who_may_reenable_is_configured(desk: MakeDesk) -> None:
    d = desk(replace(limits(), kill_users=frozenset({"alice"}), reenable_users=frozenset({"bob"})))
    d.parent(100)
    result = d.engine.kill("mine", by="carol", scope=S.ACCOUNT, key="PM1")
    assert not result.ok and "carol may not kill" in result.reason
    assert d.journaled(ev.ScopeKilled) == []
    assert d.engine.kill("mine", by="alice", scope=S.ACCOUNT, key="PM1").ok
    assert not d.engine.reenable(by="alice", scope=S.ACCOUNT, key="PM1", reason="x").ok
    assert d.engine.reenable(by="bob", scope=S.ACCOUNT, key="PM1", reason="x").ok
    rejected = [e.reason for e in d.journaled(ev.CommandRejected)]
    assert any("alice may not re-enable" in r for r in rejected)


def test_reducing_is_refused_to_a_user_who_may_not_kill_and_never_softens_a_kill(desk: MakeDesk) -> None:
    d = desk(replace(limits(), kill_users=frozenset({"alice"})))
    d.parent(100)
    refused = d.engine.set_trading_state(S.INSTRUMENT, "AAPL", T.REDUCING, "limit", by="carol")
    assert not refused.ok and "carol may not kill" in refused.reason
    assert d.engine.store.risk.state(S.INSTRUMENT, "AAPL") is T.ACTIVE
    assert d.engine.kill("stop", by="alice", scope=S.INSTRUMENT, key="AAPL").ok
    softer = d.engine.set_trading_state(S.INSTRUMENT, "AAPL", T.REDUCING, "softer", by="alice")
    assert not softer.ok and "AAPL is HALTED: re-enable it first" in softer.reason
    assert d.engine.store.risk.state(S.INSTRUMENT, "AAPL") is T.HALTED
    assert [e.state for e in d.journaled(ev.TradingStateChanged)] == [T.HALTED]


def test_a_scope_kill_needs_its_key(desk: MakeDesk) -> None:
    d = desk(limits())
    assert "names the account" in d.engine.kill("x", scope=S.ACCOUNT).reason
    assert "unknown parent" in d.engine.kill("x", scope=S.PARENT, key="P999").reason


def test_reducing_lets_only_risk_reducing_children_out(desk: MakeDesk) -> None:
    d = desk(limits())
    buy = d.parent(3000)
    [child] = d.send(buy, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # the firm is long 1,000 AAPL
    sell = d.parent(3000, side=Side.SELL, account="PM2", allow_cross=False)
    assert d.engine.set_trading_state(S.INSTRUMENT, "AAPL", T.REDUCING, "limit reached").ok
    assert d.send(buy, 10, "100.00") == []
    assert d.blocks()[-1].rule == "reducing" and d.engine.store.parent(buy).paused
    assert d.send(sell, 600, "100.02") and d.send(sell, 400, "100.02")  # down to flat with what is working
    assert d.send(sell, 1, "100.02") == []  # past flat
    assert d.blocks()[-1].rule == "reducing"


def test_an_account_kill_names_the_blocks_it_stops_for_other_accounts(desk: MakeDesk) -> None:
    d = desk(limits())
    first, second = d.ticket(1000, account="PM1"), d.ticket(500, account="PM2")
    assert first.parent_id == second.parent_id and first.parent_id is not None  # one block, two accounts
    alone = d.parent(300, symbol="MSFT", account="PM1")
    assert d.engine.kill("PM1 limit", scope=S.ACCOUNT, key="PM1").ok
    [alert] = [a for a in d.journaled(ev.AlertRaised) if a.source == "kill switch"]
    assert f"{first.parent_id} (also PM2)" in alert.text and "1 paused block(s)" in alert.text
    assert alone not in alert.text.split("paused with it")[1]
    assert d.engine.kill("MSFT", scope=S.INSTRUMENT, key="MSFT").ok  # other scopes name no shared blocks
    assert "also work for other accounts" not in d.journaled(ev.AlertRaised)[-1].text
