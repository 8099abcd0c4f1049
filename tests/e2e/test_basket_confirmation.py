"""A basket whose rows breach only soft limits waits for the trader's confirmation in the GUI (real wiring):
nothing is imported on the first submit, the warnings are shown with their lines, submitting the same rows
again imports them all as confirmed; another basket starts over, and a hard breach is never confirmable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui import GuiSession
from engine import events as ev
from tests.e2e.gui_session import gui_session

BASKET = ("account,symbol,side,quantity,algo,end\nPM1,AAPL,BUY,300,TWAP,09:50\n"
          "PM2,MSFT,SELL,2000,TWAP,09:50\nPM3,AAPL,SELL,1500,TWAP,09:50\n")


@pytest.fixture
def gui(tmp_path: Path, qtbot: QtBot) -> Iterator[GuiSession]:
    soft_qty = ('[risk.max_order_qty]\nmode = "soft"\nfirm = 1000\n'
                '[risk.max_order_notional]\nmode = "hard"\nfirm = 10000000\n')
    with gui_session(tmp_path, qtbot, "basket", soft_qty) as (session, _):
        yield session


def test_a_soft_breach_waits_then_the_same_basket_again_confirms_it(gui: GuiSession) -> None:
    messages: list[tuple[str, bool]] = []
    gui.window.show_basket_result = lambda m, ok: messages.append((m, ok))  # type: ignore[method-assign,assignment]
    rows = gui.bridge.parse_basket(BASKET).rows
    gui.bridge.submit_basket(rows)
    assert gui.engine.tickets() == []
    message, ok = messages[-1]
    assert not ok and "2 row(s) breach soft limits" in message
    assert "line 3" in message and "line 4" in message and "Submit again to confirm" in message
    gui.bridge.submit_basket(rows)
    assert sorted(t.quantity for t in gui.engine.tickets()) == [300, 1500, 2000]
    assert messages[-1] == ("3 tickets submitted (soft limits confirmed)", True)
    accepted = [r for r in gui.engine.journal.replay() if isinstance(r, ev.TicketAccepted)]
    assert len(accepted) == 3


def test_another_basket_in_between_starts_the_confirmation_over(gui: GuiSession) -> None:
    messages: list[tuple[str, bool]] = []
    gui.window.show_basket_result = lambda m, ok: messages.append((m, ok))  # type: ignore[method-assign,assignment]
    rows = gui.bridge.parse_basket(BASKET).rows
    gui.bridge.submit_basket(rows)
    gui.bridge.submit_basket(rows[:2])  # a different basket: waits on its own
    assert "1 row(s) breach soft limits" in messages[-1][0]
    gui.bridge.submit_basket(rows)  # the first basket again: not confirmed by the earlier submit any more
    assert gui.engine.tickets() == [] and "2 row(s) breach" in messages[-1][0]


def test_a_hard_breach_in_the_basket_is_refused_however_often_it_is_submitted(gui: GuiSession) -> None:
    messages: list[tuple[str, bool]] = []
    gui.window.show_basket_result = lambda m, ok: messages.append((m, ok))  # type: ignore[method-assign,assignment]
    rows = gui.bridge.parse_basket(BASKET + "PM4,MSFT,BUY,400000,TWAP,09:50\n").rows  # over 10M notional
    for _ in range(2):
        gui.bridge.submit_basket(rows)
        assert gui.engine.tickets() == []
    assert messages[-1][0].startswith("nothing imported: line 5")
