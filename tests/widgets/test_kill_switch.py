"""Kill switch: confirmed before it fires, and its engaged state stays shown until re-enabled."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from widgets.kill_switch import MAX_REASON_CHARS, KillSwitch


class ScriptedConfirm:
    """Stands in for the modal dialog: answers from a script and records the questions."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.titles: list[str] = []

    def __call__(self, parent: QWidget, title: str, question: str) -> bool:
        self.titles.append(title)
        return self.answers.pop(0)


class ScriptedReason:
    """Stands in for the reason prompt: answers from a script (None = canceled) and counts the asks."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, parent: QWidget, title: str, prompt: str) -> str | None:
        self.asked += 1
        return self.answers.pop(0)


def make(qtbot: QtBot, *answers: bool, reasons: tuple[str | None, ...] = ("market reopened",),
         ) -> tuple[KillSwitch, ScriptedConfirm]:
    confirm = ScriptedConfirm(*answers)
    switch = KillSwitch(confirm=confirm, operator="jdoe", ask_reason=ScriptedReason(*reasons))
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
    with qtbot.waitSignal(switch.reenable_requested, timeout=1_000) as blocker:
        switch.button.click()
    assert blocker.args == ["market reopened"]
    assert switch.engaged, "only the engine's answer (set_engaged) clears the state"
    assert confirm.titles == ["KILL ALL", "Re-enable trading", "Re-enable trading"]
    switch.set_engaged(False, "")
    assert not switch.engaged and switch.banner.isHidden()
    assert switch.button.text() == "KILL ALL"


def engaged_switch(qtbot: QtBot, *reasons: str | None) -> tuple[KillSwitch, ScriptedReason]:
    ask = ScriptedReason(*reasons)
    switch = KillSwitch(confirm=lambda *_: True, operator="jdoe", ask_reason=ask)
    qtbot.addWidget(switch)
    switch.set_engaged(True, "by jdoe")
    return switch, ask


def test_reenable_sends_the_typed_reason_trimmed(qtbot: QtBot) -> None:
    switch, ask = engaged_switch(qtbot, "  feed back after outage  ")
    with qtbot.waitSignal(switch.reenable_requested, timeout=1_000) as blocker:
        switch.button.click()
    assert ask.asked == 1 and blocker.args == ["feed back after outage"]
    assert switch.notice.isHidden()


def test_reenable_without_a_reason_is_refused_with_a_message(qtbot: QtBot) -> None:
    switch, _ = engaged_switch(qtbot, "", "   ", "x" * (MAX_REASON_CHARS + 1))
    for expected in ("needs a reason", "needs a reason", f"at most {MAX_REASON_CHARS}"):
        with qtbot.assertNotEmitted(switch.reenable_requested):
            switch.button.click()
        assert expected in switch.notice.text() and switch.notice.isVisibleTo(switch)
        assert "nothing was sent" in switch.notice.text()
    assert switch.engaged
    switch.set_engaged(False)
    assert switch.notice.isHidden()


def test_canceled_reason_prompt_sends_nothing_and_says_nothing(qtbot: QtBot) -> None:
    switch, ask = engaged_switch(qtbot, None)
    with qtbot.assertNotEmitted(switch.reenable_requested):
        switch.button.click()
    assert ask.asked == 1 and switch.notice.isHidden() and switch.engaged
