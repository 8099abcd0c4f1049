"""Main window: composed parts, F2 to the ticket, kill switch in the toolbar, layout remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import (
    NS_0930,
    BasketLine,
    BasketProblem,
    Child,
    Fill,
    Parent,
    Preview,
    Progress,
    Side,
    TicketRowFake,
)
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
    assert [window.tabs.tabText(i) for i in range(4)] == ["Tickets", "Parents", "Children", "Fills"]
    assert window.tabs.currentWidget() is window.parents
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
    assert window.tabs.tabText(2) == "Children (3)"
    window.parents.select_key("P-2")
    assert window.child_orders.model.visible_keys() == ["C-2", "C-3"]
    assert window.fills.model.visible_keys() == ["F-2"]
    assert window.tabs.tabText(2) == "Children (2 of 3)"
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


def test_selecting_a_parent_filters_tickets_and_drives_progress_and_book(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    window.parents.upsert_many([Parent("P-1"), Parent("P-2", symbol="MSFT", side=Side.SELL)])
    window.tickets.upsert_many([TicketRowFake("T-1", "P-1"), TicketRowFake("T-2", "P-2"), TicketRowFake("T-3", "P-2")])
    window.progress.add_progress(Progress(NS_0930, "P-2", target_qty=100))
    for blotter in (window.parents, window.tickets):
        blotter.flush()
    window.parents.select_key("P-2")
    assert window.tickets.model.visible_keys() == ["T-2", "T-3"]
    assert window.tabs.tabText(0) == "Tickets (2 of 3)"
    assert window.progress.parent_id == "P-2"
    assert window.progress._side == "SELL"
    assert window.book.shown_symbol == "MSFT"
    assert window.dockWidgetArea(window.progress_dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_basket_import_goes_from_toolbar_to_preview_to_submitted_rows(qtbot: QtBot, settings_dir: Path) -> None:
    window = make(qtbot)
    rows = (BasketLine(2, "FUND-A", "AAPL", Side.BUY, 100),)
    window.set_basket_parser(lambda _text: Preview(rows, (BasketProblem(3, "side", "bad side"),)))
    assert window.basket_action is not None and window.basket_action in window.toolbar.actions()
    window.basket_action.trigger()
    dialog = window.basket_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    dialog.text.setPlainText("account,symbol,side,quantity\n")
    dialog.parse_text()
    with qtbot.waitSignal(window.basket_submitted, timeout=1_000) as blocker:
        dialog.submit_button.click()
    assert blocker.args == [rows]
    window.show_basket_result("kill switch engaged", ok=False)
    assert dialog.status.text() == "kill switch engaged"
    window.alerts.model.flush()
    assert window.status.last_error.text().endswith(" basket: refused: kill switch engaged")
    assert window.open_basket_import() is dialog  # one preview, kept between uses


def test_bottom_docks_are_tabbed_with_the_alerts_so_the_right_column_keeps_the_charts(
    qtbot: QtBot, settings_dir: Path
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    window = make(qtbot)
    audit = window.add_bottom_dock("Audit trail", QLabel("audit"))
    risk = window.add_bottom_dock("Risk", QLabel("risk"))
    assert {audit, risk} <= set(window.tabifiedDockWidgets(window.alerts_dock))
    assert window.dockWidgetArea(risk) == Qt.DockWidgetArea.BottomDockWidgetArea
