"""The limits editor on the real wiring: an edit made in the Risk dock's Limits tab goes to the engine (journaled
with the window's user and the reason), the very next ticket just over the new limit is refused and one at it
accepted; the engine's refusal of an edit shows in the dialog."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui import GuiSession
from engine import events as ev
from engine.clock import VirtualClock
from tests.e2e.gui_session import gui_session
from tests.e2e.test_gui_wiring import enter_ticket, run


@pytest.fixture
def gui(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[GuiSession, VirtualClock]]:
    with gui_session(tmp_path, qtbot, "limits") as opened:
        yield opened


def test_an_edit_from_the_limits_tab_is_in_force_for_the_next_ticket(gui: tuple[GuiSession, VirtualClock]) -> None:
    session, clock = gui
    engine, tab = session.engine, session.bridge.risk_view.panel.limits
    session.bridge.risk_view.refresh()
    assert tab.edit_button.isEnabled()  # limit_editors = ["*"]
    tab.view.selectRow(next(i for i, row in enumerate(tab.model.rows) if row[0] == "max_order_qty"))
    dialog = tab.open_editor()
    assert dialog is not None and dialog.control.currentText() == "max_order_qty"
    dialog.scope.setCurrentText("instrument")
    dialog.key.setText("AAPL")
    dialog.value.setText("1,500")
    dialog.reason.setText("earnings today")
    dialog.apply_button.click()
    assert not dialog.isVisible(), dialog.refusal.text()
    [changed] = [r for r in engine.journal.replay() if isinstance(r, ev.RiskLimitChanged)]
    assert (changed.scope, changed.key, changed.new_value, changed.by, changed.reason) == \
        ("instrument", "AAPL", Decimal(1500), "trader", "earnings today")
    row = next(r for r in tab.model.rows if r[0] == "max_order_qty")
    assert row[4] == "AAPL 1,500" and row[-1] == "yes"
    enter_ticket(session, "AAPL", "BUY", "1,501")
    run(session, clock, 1)
    assert engine.tickets() == [] and "1,500" in session.window.ticket.error_text("quantity")
    enter_ticket(session, "AAPL", "BUY", "1,500")
    run(session, clock, 1)
    assert [t.quantity for t in engine.tickets()] == [1500]


def test_the_engines_refusal_shows_in_the_dialog(gui: tuple[GuiSession, VirtualClock]) -> None:
    session, _ = gui
    tab = session.bridge.risk_view.panel.limits
    dialog = tab.open_editor("max_child_qty")
    assert dialog is not None
    dialog.scope.setCurrentText("instrument")
    dialog.key.setText("ZZZZ")
    dialog.value.setText("10")
    dialog.reason.setText("test")
    dialog.apply_button.click()
    assert dialog.isVisible() and dialog.refusal.text() == "refused: unknown instrument 'ZZZZ'"
    assert not [r for r in session.engine.journal.replay() if isinstance(r, ev.RiskLimitChanged)]
