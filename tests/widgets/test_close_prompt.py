"""Closing the window while orders work asks first; nothing works, or the question is off: it just closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from widgets.main_window import MainWindow


class Answer:
    """A confirmation that records what it was asked and answers as told (never a blocking dialog)."""

    def __init__(self, yes: bool) -> None:
        self.yes = yes
        self.asked: list[tuple[str, str]] = []

    def __call__(self, _parent: QWidget, title: str, question: str) -> bool:
        self.asked.append((title, question))
        return self.yes


def make(qtbot: QtBot, tmp_path: Path, answer: Answer, working: str) -> MainWindow:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = MainWindow(confirm=answer, settings_org="ems-test", settings_app="close")
    qtbot.addWidget(window)
    window.set_working_orders(lambda: working)
    window.show()
    return window


def test_closing_with_working_orders_asks_and_no_keeps_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    answer = Answer(yes=False)
    window = make(qtbot, tmp_path, answer, "2 parent order(s) working, 3 child order(s) live at venues.")
    assert not window.close()
    assert window.isVisible()
    assert answer.asked[0][0] == "Close the EMS" and answer.asked[0][1].startswith("2 parent order(s) working")
    answer.yes = True
    assert window.close()
    assert not window.isVisible()


def test_nothing_working_closes_without_asking(qtbot: QtBot, tmp_path: Path) -> None:
    answer = Answer(yes=False)
    window = make(qtbot, tmp_path, answer, "")
    assert window.close() and answer.asked == []


def test_the_question_can_be_turned_off(qtbot: QtBot, tmp_path: Path) -> None:
    answer = Answer(yes=False)
    window = make(qtbot, tmp_path, answer, "1 parent order(s) working, 0 child order(s) live at venues.")
    window.confirm_close = False
    assert window.close() and answer.asked == []
