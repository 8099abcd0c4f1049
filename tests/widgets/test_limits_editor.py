"""The Limits tab: the table shows each control's limits in force; the editor refuses nonsense beside its field
and sends nothing, sends a valid edit, shows the engine's refusal and stays open; users who may not edit get a
disabled button that says why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from engine.risk.limits import LimitRow, LimitsView
from widgets.limits_editor import LimitEditDialog, LimitError, LimitRequest, LimitsTab, limit_request
from widgets.risk_panel import RiskPanel

D = Decimal
ROWS = (
    LimitRow("max_order_qty", "hard", D(10_000_000), (("instrument", "AAPL", D(500_000)), ("account", "PM1", D(100))),
             "shares", False),
    LimitRow("child_price_band", "soft", D("2.5"), (), "%", True),
    LimitRow("self_match", "off", None, (), "", False),
)
CONTROLS = [r.control for r in ROWS]


@dataclass(frozen=True)
class Answer:
    ok: bool
    reason: str = ""


class Engine:
    """Stands in for `RiskView.set_limit`: records what was sent, answers as told."""

    def __init__(self, answer: Answer = Answer(True)) -> None:
        self.sent: list[LimitRequest] = []
        self.answer = answer

    def __call__(self, request: LimitRequest) -> Answer:
        self.sent.append(request)
        return self.answer


@pytest.mark.parametrize(("scope", "key", "value", "mode", "reason", "field", "words"), [
    ("firm", "", "1E-999999999", "", "r", "value", "a limit is a number"),
    ("firm", "", "abc", "", "r", "value", "a limit is a number"),
    ("firm", "", "-5", "", "r", "value", "a limit is a number"),
    ("firm", "", "1.123456789", "", "r", "value", "8 decimals"),
    ("firm", "", "1" * 17, "", "r", "value", "a limit is a number"),
    ("firm", "", "2000000000000000", "", "r", "value", "at most 1,000,000,000,000,000"),
    ("firm", "", "", "", "r", "value", "nothing would change"),
    ("instrument", "  ", "5", "", "r", "key", "name the instrument"),
    ("firm", "", "5", "", "   ", "reason", "needs a reason"),
    ("firm", "", "5", "", "x" * 201, "reason", "201 characters; at most 200"),
    ("firm", "", "5", "fast", "r", "mode", "hard, soft or off"),
])
def test_nonsense_is_refused_naming_its_field(scope: str, key: str, value: str, mode: str, reason: str,
                                              field: str, words: str) -> None:
    checked = limit_request(CONTROLS, "max_order_qty", scope, key, value, mode, reason)
    assert isinstance(checked, LimitError) and checked.field == field and words in checked.message, checked


def test_valid_input_becomes_a_request() -> None:
    assert limit_request(CONTROLS, "max_order_qty", "instrument", " AAPL ", "250,000", "soft", " news ") == \
        LimitRequest("max_order_qty", "instrument", "AAPL", D(250_000), "soft", "news")
    assert limit_request(CONTROLS, "max_order_qty", "account", "PM1", "", "", "gone") == \
        LimitRequest("max_order_qty", "account", "PM1", None, None, "gone")  # blank at a scope: remove it
    assert limit_request(CONTROLS, "child_price_band", "firm", "ignored", "0.75", "", "r") == \
        LimitRequest("child_price_band", "firm", "", D("0.75"), None, "r")
    assert isinstance(limit_request(CONTROLS, "max_qty", "firm", "", "5", "", "r"), LimitError)


def dialog(qtbot: QtBot, engine: Engine, control: str = "max_order_qty") -> LimitEditDialog:
    d = LimitEditDialog(ROWS, engine, control)
    qtbot.addWidget(d)
    d.show()
    return d


def test_the_dialog_shows_an_error_beside_the_field_and_sends_nothing(qtbot: QtBot) -> None:
    engine = Engine()
    d = dialog(qtbot, engine)
    d.value.setText("1E-999999999")
    d.reason.setText("typo")
    assert not d.submit()
    assert "a limit is a number" in d.errors["value"].text() and d.errors["value"].property("role") == "fieldError"
    d.value.setText("500")
    d.reason.setText("")
    d.apply_button.click()
    assert "needs a reason" in d.errors["reason"].text() and d.errors["value"].text() == ""
    assert engine.sent == [] and d.isVisible()


def test_a_valid_edit_is_sent_and_the_dialog_closes(qtbot: QtBot) -> None:
    engine = Engine()
    d = dialog(qtbot, engine)
    assert d.current.text() == "max_order_qty: mode hard, firm value 10,000,000 shares"
    d.scope.setCurrentText("instrument")
    d.key.setText("AAPL")
    assert "instrument value 500,000" in d.current.text() and d.key.isEnabled()
    d.value.setText("400000")
    d.mode.setCurrentText("soft")
    d.reason.setText("earnings")
    d.apply_button.click()
    assert engine.sent == [LimitRequest("max_order_qty", "instrument", "AAPL", D(400_000), "soft", "earnings")]
    assert not d.isVisible()


def test_the_engines_refusal_is_shown_and_the_dialog_stays_open(qtbot: QtBot) -> None:
    engine = Engine(Answer(False, "unknown instrument 'ZZZZ'"))
    d = dialog(qtbot, engine)
    d.scope.setCurrentText("instrument")
    d.key.setText("ZZZZ")
    d.value.setText("5")
    d.reason.setText("r")
    assert not d.submit()
    assert d.refusal.text() == "refused: unknown instrument 'ZZZZ'" and d.isVisible() and len(engine.sent) == 1


def test_the_table_lists_each_control_and_keeps_its_selection_when_nothing_changed(qtbot: QtBot) -> None:
    tab = LimitsTab()
    qtbot.addWidget(tab)
    tab.show_limits(LimitsView(ROWS, frozenset({"*"})), "trader")
    m = tab.model
    assert m.rows[0] == ("max_order_qty", "hard", "10,000,000", "shares", "AAPL 500,000", "PM1 100", "", "", "")
    assert m.rows[1][:4] == ("child_price_band", "soft", "2.5", "%") and m.rows[1][-1] == "yes"
    assert m.rows[2][:3] == ("self_match", "off", "")
    assert m.data(m.index(0, 1), Qt.ItemDataRole.ForegroundRole) is not None
    resets: list[int] = []
    m.modelReset.connect(lambda: resets.append(1))
    tab.view.selectRow(1)
    tab.show_limits(LimitsView(ROWS, frozenset({"*"})), "trader")
    assert resets == [] and tab.view.selectionModel().selectedRows()[0].row() == 1


def test_the_editor_opens_on_the_selected_control_for_an_editor(qtbot: QtBot) -> None:
    tab = LimitsTab()
    qtbot.addWidget(tab)
    engine = Engine()
    tab.connect_sender(engine)
    tab.show_limits(LimitsView(ROWS, frozenset({"alice"})), "alice")
    assert tab.edit_button.isEnabled()
    tab.view.selectRow(1)
    opened = tab.open_editor()
    assert opened is not None and opened.control.currentText() == "child_price_band"
    opened.close()


def test_a_user_who_may_not_edit_gets_a_disabled_button_saying_why(qtbot: QtBot) -> None:
    tab = LimitsTab()
    qtbot.addWidget(tab)
    tab.connect_sender(Engine())
    tab.show_limits(LimitsView(ROWS, frozenset({"alice"})), "bob")
    assert not tab.edit_button.isEnabled()
    assert tab.edit_button.toolTip() == "bob may not edit limits ([risk] limit_editors)"
    assert tab.open_editor("max_order_qty") is None and tab.dialog is None


def test_the_risk_panel_has_a_limits_tab(qtbot: QtBot) -> None:
    panel = RiskPanel()
    qtbot.addWidget(panel)
    titles = [panel.tabs.tabText(i) for i in range(panel.tabs.count())]
    assert titles[-1] == "Limits" and panel.tabs.widget(len(titles) - 1) is panel.limits
