"""Main window: composed parts, F2 to the ticket, kill switch in the toolbar, layout remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, Child, Fill, Parent
from widgets.main_window import MainWindow


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    return tmp_path


def make(qtbot: QtBot) -> MainWindow:
    window = MainWindow(
        symbols=["AAPL"], algos=["VWAP"], confirm=lambda *_: True, settings_org="ems-test", settings_app="layout"
    )
    qtbot.addWidget(window)
    return window


def test_window_exposes_its_parts_and_keeps_the_kill_switch_in_the_toolbar(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    assert [window.tabs.tabText(i) for i in range(3)] == ["Parents", "Children", "Fills"]
    assert window.kill_switch.parent() is window.toolbar
    assert not window.toolbar.toggleViewAction().isVisible()
    assert window.ticket_dock.widget() is window.ticket
    assert window.statusBar() is window.status


def test_selecting_a_parent_filters_children_and_fills(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    window.parents.upsert_many([Parent("P-1"), Parent("P-2")])
    window.child_orders.upsert_many([Child("C-1", "P-1"), Child("C-2", "P-2"), Child("C-3", "P-2")])
    window.fills.upsert_many([Fill("F-1", "C-1", "P-1"), Fill("F-2", "C-2", "P-2")])
    for blotter in (window.parents, window.child_orders, window.fills):
        blotter.flush()
    assert window.tabs.tabText(1) == "Children (3)"
    window.parents.select_key("P-2")
    assert window.child_orders.model.visible_keys() == ["C-2", "C-3"]
    assert window.fills.model.visible_keys() == ["F-2"]
    assert window.tabs.tabText(1) == "Children (2 of 3)"
    window.parents.table.clearSelection()
    window.parents.table.setCurrentIndex(window.parents.model.index(-1, -1))
    assert window.child_orders.model.rowCount() == 3


def test_f2_shows_the_ticket_dock_and_focuses_the_symbol(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.ticket_dock.hide()
    window.parents.table.setFocus()
    qtbot.keyClick(window.parents.table, Qt.Key.Key_F2)
    assert window.ticket_dock.isVisible()
    assert window.ticket.symbol_edit.hasFocus()


def test_status_bar_shows_clock_venues_journal_rate_lag_and_error(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    status = window.status
    status.set_clock(NS_0930 + 61 * 10**9)
    status.set_venue("SIM", True)
    status.set_venue("FIX-1", False, "logon refused")
    status.set_venue("SIM", False, "")
    status.set_journal_path("/tmp/j.db")
    status.set_events_per_s(12_345.4)
    status.set_loop_lag_ms(150)
    status.set_error("venue FIX-1: logon refused")
    assert status.clock.text() == "09:31:01"
    assert sorted(status.venues) == ["FIX-1", "SIM"]
    assert status.venues["SIM"].property("venue") == "down"
    assert "logon refused" in status.venues["FIX-1"].toolTip()
    assert status.journal.text() == "journal: /tmp/j.db"
    assert status.events_rate.text() == "12,345 ev/s"
    assert status.loop_lag.property("level") == "warn"
    assert status.last_error.text() == "venue FIX-1: logon refused"


def test_layout_is_saved_and_restored(qtbot: QtBot, settings_dir: Path) -> None:
    first = make(qtbot)
    first.add_right_dock("Book ladder", QLabel("book"))
    first.resize(1111, 777)
    first.removeDockWidget(first.ticket_dock)
    first.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first.ticket_dock)
    first.parents.table.horizontalHeader().resizeSection(0, 123)
    first.save_layout()
    assert list(settings_dir.rglob("*.ini")), "settings go to the injected scope"

    second = make(qtbot)
    dock = second.add_right_dock("Book ladder", QLabel("book"))
    assert dock.objectName() == "dock_book_ladder"
    assert second.restore_layout()
    assert second.dockWidgetArea(second.ticket_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert second.parents.table.horizontalHeader().sectionSize(0) == 123


def test_nothing_saved_restores_nothing(qtbot: QtBot, settings_dir: Path) -> None:
    assert not make(qtbot).restore_layout()


def test_toolbar_actions_go_left_of_the_kill_switch(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    calls: list[str] = []
    action = window.add_toolbar_action("Import basket", lambda: calls.append("import"))
    actions = window.toolbar.actions()
    assert actions.index(action) < len(actions) - 1
    action.trigger()
    assert calls == ["import"]
