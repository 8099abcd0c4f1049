"""Hotkeys: buy and sell tickets, cancel / kill / pause-resume the selected orders, and a help overlay
(F1 or ?) listing exactly what is bound."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import Child, OrdStatus, Parent, TicketRowFake
from widgets.hotkeys import HOTKEYS, install_hotkeys, key_text
from widgets.main_window import MainWindow


class Asked:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.titles: list[str] = []

    def __call__(self, _parent: QWidget, title: str, _question: str) -> bool:
        self.titles.append(title)
        return self.answer


def make(qtbot: QtBot, tmp_path: Path, confirm: Asked) -> MainWindow:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = MainWindow(symbols=["AAPL", "MSFT"], algos=["VWAP"], confirm=confirm, settings_org="ems-test",
                        settings_app="keys")
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.parents.upsert_many([Parent("P-1"), Parent("P-2", paused=True), Parent("P-3"),
                                Parent("P-4", status=OrdStatus.FILLED)])
    window.parents.flush()
    return window


def select(window: MainWindow, *keys: str) -> None:
    window.tabs.setCurrentWidget(window.parents)
    window.parents.table.clearSelection()
    table = window.parents.table
    for key in keys:
        row = window.parents.model.visible_row_of(key)
        assert row is not None
        table.selectionModel().select(window.parents.model.index(row, 0),
                                      table.selectionModel().SelectionFlag.Select
                                      | table.selectionModel().SelectionFlag.Rows)
    table.setFocus()


def emitted(qtbot: QtBot, window: MainWindow) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"cancel": [], "pause": [], "resume": []}
    window.parents.cancel_requested.connect(seen["cancel"].append)
    window.parents.pause_requested.connect(seen["pause"].append)
    window.parents.resume_requested.connect(seen["resume"].append)
    return seen


def test_f3_and_f4_open_a_buy_and_a_sell_ticket(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    window.ticket_dock.hide()
    window.parents.table.setFocus()
    qtbot.keyClick(window.parents.table, Qt.Key.Key_F4)
    assert window.ticket_dock.isVisible() and window.ticket.side.currentText() == "SELL"
    assert window.ticket.symbol_edit.hasFocus()
    qtbot.keyClick(window.ticket.symbol_edit, Qt.Key.Key_F3)
    assert window.ticket.side.currentText() == "BUY"


def test_delete_cancels_the_selected_parents_after_asking(qtbot: QtBot, tmp_path: Path) -> None:
    asked = Asked(False)
    window = make(qtbot, tmp_path, asked)
    seen = emitted(qtbot, window)
    select(window, "P-1", "P-3", "P-4")
    qtbot.keyClick(window.parents.table, Qt.Key.Key_Delete)
    assert asked.titles == ["Cancel 2 parent orders"] and seen["cancel"] == []  # said no: nothing canceled
    asked.answer = True
    qtbot.keyClick(window.parents.table, Qt.Key.Key_Delete)
    assert seen["cancel"] == ["P-1", "P-3"]  # the filled one is left alone


def test_shift_delete_kills_the_selection_without_a_question(qtbot: QtBot, tmp_path: Path) -> None:
    asked = Asked(False)
    window = make(qtbot, tmp_path, asked)
    seen = emitted(qtbot, window)
    select(window, "P-1", "P-2")
    qtbot.keyClick(window.parents.table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert asked.titles == [] and seen["cancel"] == ["P-1", "P-2"]


def test_ctrl_p_pauses_the_running_and_resumes_the_paused(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    seen = emitted(qtbot, window)
    select(window, "P-1", "P-2", "P-4")
    qtbot.keyClick(window.parents.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert (seen["pause"], seen["resume"]) == (["P-1"], ["P-2"])


def test_keys_on_the_children_tab_act_on_their_parents(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    seen = emitted(qtbot, window)
    window.child_orders.upsert_many([Child("C-1", "P-1"), Child("C-2", "P-1"), Child("C-3", "P-3")])
    window.child_orders.flush()
    window.tabs.setCurrentWidget(window.child_orders)
    window.child_orders.table.selectAll()
    window.child_orders.table.setFocus()
    qtbot.keyClick(window.child_orders.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert seen["pause"] == ["P-1", "P-3"]


def test_delete_cancels_selected_tickets_on_the_tickets_tab(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    window.tickets.upsert_many([TicketRowFake("T-1", "P-1"), TicketRowFake("T-2", "P-1", allocated=1_000)])
    window.tickets.flush()
    canceled: list[str] = []
    window.tickets.cancel_requested.connect(canceled.append)
    window.tabs.setCurrentWidget(window.tickets)
    window.tickets.table.selectAll()
    window.tickets.table.setFocus()
    qtbot.keyClick(window.tickets.table, Qt.Key.Key_Delete)
    assert canceled == ["T-1"]  # T-2 is fully allocated: nothing to cancel


def test_order_keys_in_a_ticket_field_edit_the_text_and_touch_no_order(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    seen = emitted(qtbot, window)
    select(window, "P-1")
    window.ticket.quantity.setText("500")
    window.ticket.quantity.setFocus()
    window.ticket.quantity.setCursorPosition(0)
    qtbot.keyClick(window.ticket.quantity, Qt.Key.Key_Delete)
    qtbot.keyClick(window.ticket.quantity, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.ticket.quantity, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.ticket.quantity.text() == "00" and seen == {"cancel": [], "pause": [], "resume": []}


def test_f1_or_question_mark_shows_every_hotkey_and_escape_closes_it(qtbot: QtBot, tmp_path: Path) -> None:
    window = make(qtbot, tmp_path, Asked(True))
    help_overlay = window.desk.help
    window.parents.table.setFocus()
    qtbot.keyClick(window.parents.table, Qt.Key.Key_F1)
    assert help_overlay.isVisible() and help_overlay.geometry().bottom() == window.rect().bottom()
    assert not help_overlay.geometry().intersects(window.toolbar.geometry())  # the kill switch stays in reach
    listed = {row[0] for row in help_overlay.rows}
    assert listed == {" or ".join(key_text(key) for key in hotkey.keys) for hotkey in HOTKEYS}
    assert any("Kill" in row[1] for row in help_overlay.rows)
    qtbot.keyClick(help_overlay, Qt.Key.Key_Escape)
    assert not help_overlay.isVisible()
    window.parents.table.setFocus()
    qtbot.keyClick(window.parents.table, Qt.Key.Key_Question)
    assert help_overlay.isVisible()
    qtbot.mouseClick(help_overlay, Qt.MouseButton.LeftButton)
    assert not help_overlay.isVisible()


def test_every_hotkey_bound_here_needs_a_handler(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    with pytest.raises(KeyError, match="buy_ticket"):
        install_hotkeys({"anywhere": owner, "blotters": owner}, {"help": lambda: None})
