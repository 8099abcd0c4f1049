"""Kill switch: confirmed before it fires, and its engaged state stays shown until re-enabled."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from widgets.kill_switch import KillSwitch


class ScriptedConfirm:
    """Stands in for the modal dialog: answers from a script and records the questions."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.titles: list[str] = []

    def __call__(self, parent: QWidget, title: str, question: str) -> bool:
        self.titles.append(title)
        return self.answers.pop(0)


def make(qtbot: QtBot, *answers: bool) -> tuple[KillSwitch, ScriptedConfirm]:
    confirm = ScriptedConfirm(*answers)
    switch = KillSwitch(confirm=confirm, operator="jdoe")
    qtbot.addWidget(switch)
    return switch, confirm


def test_kill_asks_first_and_fires_only_when_confirmed(qtbot: QtBot) -> None:
    switch, confirm = make(qtbot, True)
    with qtbot.waitSignal(switch.kill_requested, timeout=1_000) as blocker:
        switch.button.click()
    assert confirm.titles == ["KILL ALL"]
    assert blocker.args == ["KILL ALL by jdoe"]


def test_cancelled_confirmation_sends_nothing(qtbot: QtBot) -> None:
    switch, confirm = make(qtbot, False)
    with qtbot.assertNotEmitted(switch.kill_requested):
        switch.button.click()
    assert confirm.titles == ["KILL ALL"]
    assert not switch.engaged and switch.banner.isHidden()


def test_engaged_state_stays_shown_until_the_app_reenables(qtbot: QtBot) -> None:
    switch, confirm = make(qtbot, True, False, True)
    switch.button.click()
    assert switch.banner.text() == "Kill requested — waiting for the engine"
    switch.set_engaged(True, "12:03:04 by jdoe")
    assert switch.banner.text() == "KILLED — 12:03:04 by jdoe"
    assert switch.button.text() == "Re-enable"
    with qtbot.assertNotEmitted(switch.reenable_requested):
        switch.button.click()  # declined: still killed
    assert switch.engaged and switch.banner.isVisibleTo(switch)
    with qtbot.waitSignal(switch.reenable_requested, timeout=1_000):
        switch.button.click()
    assert switch.engaged, "only the engine's answer (set_engaged) clears the state"
    assert confirm.titles == ["KILL ALL", "Re-enable trading", "Re-enable trading"]
    switch.set_engaged(False, "")
    assert not switch.engaged and switch.banner.isHidden()
    assert switch.button.text() == "KILL ALL"
