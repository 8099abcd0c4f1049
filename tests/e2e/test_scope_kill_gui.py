"""Per-scope kills on the real wiring: "Kill SYMBOL" on the market panel halts that instrument only, and
"Kill account ACC" from the parent blotter halts that account only, each journaled with the typed reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui import GuiSession
from engine import events as ev
from engine.clock import VirtualClock
from tests.e2e.gui_session import gui_session
from tests.e2e.test_gui_wiring import enter_ticket, run
from widgets.scope_kill import ScopeKillPrompt

HALTED, ACTIVE = ev.TradingState.HALTED, ev.TradingState.ACTIVE


@pytest.fixture
def gui(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[GuiSession, VirtualClock]]:
    with gui_session(tmp_path, qtbot, "scope") as opened:
        yield opened


def answering(reason: str) -> ScopeKillPrompt:
    return ScopeKillPrompt(lambda *_: True, lambda *_: reason, lambda *_: None)


def test_kill_symbol_from_the_market_panel_halts_only_that_instrument(
        gui: tuple[GuiSession, VirtualClock]) -> None:
    session, clock = gui
    engine, market = session.engine, session.window.market
    market.set_symbol("MSFT")
    market.kill_prompt = answering("bad prints")
    seen: list[ev.Event] = []
    engine.subscribe(seen.append)
    market.kill_button.click()
    run(session, clock, 1)
    assert engine.store.risk.state(ev.RiskScope.INSTRUMENT, "MSFT") is HALTED
    assert engine.store.risk.state(ev.RiskScope.INSTRUMENT, "AAPL") is ACTIVE
    assert not engine.store.kill_engaged
    changes = [e for e in seen if isinstance(e, ev.TradingStateChanged)]
    assert [(e.scope, e.key, e.reason) for e in changes] == [(ev.RiskScope.INSTRUMENT, "MSFT", "bad prints")]


def test_kill_account_from_the_parent_menu_halts_only_that_account(gui: tuple[GuiSession, VirtualClock]) -> None:
    session, clock = gui
    engine, parents = session.engine, session.window.parents
    enter_ticket(session, "AAPL", "BUY", "1,000")
    run(session, clock, 2)
    account = next(iter(parents.accounts_of_parent("P000001")))
    parents.kill_prompt = answering("client asked to stop")
    action = next(a for a in parents.actions_menu(0).actions() if a.text() == f"Kill account {account}…")
    action.trigger()
    run(session, clock, 1)
    assert engine.store.risk.state(ev.RiskScope.ACCOUNT, account) is HALTED
    assert engine.store.risk.state(ev.RiskScope.ACCOUNT, account + "-OTHER") is ACTIVE
    assert not engine.store.kill_engaged


def test_kill_venue_from_the_venues_panel_cancels_there_and_routes_elsewhere(
        gui: tuple[GuiSession, VirtualClock]) -> None:
    session, clock = gui
    engine = session.engine
    panel = session.bridge.venue_view.panel
    enter_ticket(session, "AAPL", "BUY", "20,000", minutes=30)
    run(session, clock, 20)
    menu = panel.venue_menu(panel.model.venues().index("LIT1"))
    assert menu is not None and [a.text() for a in menu.actions()] == ["Kill LIT1…"]
    panel.kill_prompt = answering("LIT1 is printing off-market")
    seen: list[ev.Event] = []
    engine.subscribe(seen.append)
    menu.actions()[0].trigger()
    run(session, clock, 30)
    assert engine.store.risk.state(ev.RiskScope.VENUE, "LIT1") is HALTED
    assert engine.store.risk.state(ev.RiskScope.VENUE, "LIT2") is ACTIVE and not engine.store.kill_engaged
    [killed] = [e for e in seen if isinstance(e, ev.ScopeKilled)]
    assert (killed.scope, killed.key, killed.reason) == (ev.RiskScope.VENUE, "LIT1", "LIT1 is printing off-market")
    after = [e for e in seen if isinstance(e, ev.ChildSubmitted) and e.ts_ns > killed.ts_ns]
    assert all(e.venue != "LIT1" for e in after)  # nothing new goes to the killed venue
    assert panel.venue_menu(len(panel.model.venues())) is None


def test_kill_desk_from_the_parent_menu_halts_that_desk(qtbot: QtBot, tmp_path: Path) -> None:
    with gui_session(tmp_path, qtbot, "desk", '[risk]\ndesks = { EQUITIES = ["DESK", "PM1"] }\n') as (session, clock):
        engine, parents = session.engine, session.window.parents
        enter_ticket(session, "AAPL", "BUY", "1,000")
        run(session, clock, 2)
        texts = [a.text() for a in parents.actions_menu(0).actions()]
        assert "Kill desk EQUITIES…" in texts and "Kill account DESK…" in texts
        parents.kill_prompt = answering("desk over its loss budget")
        action = next(a for a in parents.actions_menu(0).actions() if a.text() == "Kill desk EQUITIES…")
        action.trigger()
        run(session, clock, 1)
        assert engine.store.risk.state(ev.RiskScope.DESK, "EQUITIES") is HALTED
        assert engine.store.risk.state(ev.RiskScope.ACCOUNT, "DESK") is ACTIVE and not engine.store.kill_engaged
        assert engine.store.parent(engine.store.parent_ids()[0]).paused
