"""The ticket as a trader types into it: Enter never sends, Ctrl+Enter does (once, after a confirmation
when one is due), rates in percent, a limit stays with its symbol, Submit never moves, select-all works
in time fields."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from widgets.amend_dialog import PARENT, AmendDialog
from widgets.confirmations import OrderGate
from widgets.desk_config import DeskConfig
from widgets.param_fields import ParamField
from widgets.ticket import OrderTicket
from widgets.ticket_form import TicketForm

SPECS = {
    "VWAP": (ParamField("slice_seconds", "Slice (s)", "int", "60", minimum=1, maximum=3600),),
    "POV": (
        ParamField("rate", "Participation rate", "float", "0.10", minimum=0.001, maximum=1, at_most="max_rate"),
        ParamField("max_rate", "Max rate (blank = by urgency)", "float", "", minimum=0, maximum=1, optional=True),
        ParamField("max_participation", "Max participation (0 = no cap)", "float", "0", minimum=0, maximum=1),
    ),
}


class Asked:
    """A confirmation that records the questions and answers as told."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, _parent: QWidget, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.answer


@pytest.fixture
def ticket(qtbot: QtBot) -> Iterator[OrderTicket]:
    widget = OrderTicket(symbols=["AAPL", "MSFT"], algos=["VWAP", "POV"])
    qtbot.addWidget(widget)
    widget.set_algo_params(SPECS)
    widget.set_confirmations(OrderGate(DeskConfig()), Asked(True), lambda _symbol: None)
    widget.symbol.setEditText("AAPL")
    widget.quantity.setText("500")
    widget.resize(360, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    yield widget


def sent(ticket: OrderTicket, qtbot: QtBot, action: object) -> list[TicketForm]:
    forms: list[TicketForm] = []
    ticket.submitted.connect(forms.append)
    assert callable(action)
    action()
    qtbot.wait(1)
    return forms


@pytest.mark.parametrize("field", ["account", "symbol_edit", "quantity", "limit"])
def test_enter_in_a_ticket_field_moves_to_the_next_field_and_sends_nothing(
    ticket: OrderTicket, qtbot: QtBot, field: str
) -> None:
    widget = getattr(ticket, field)
    widget.setFocus()
    with qtbot.assertNotEmitted(ticket.submitted):
        qtbot.keyClick(widget, Qt.Key.Key_Return)
        qtbot.keyClick(widget, Qt.Key.Key_Enter)
    assert not widget.hasFocus()


def test_enter_walks_the_fields_in_order_and_into_the_parameters(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.quantity.setFocus()
    qtbot.keyClick(ticket.quantity, Qt.Key.Key_Return)
    assert ticket.limit.hasFocus()
    ticket.end.setFocus()
    qtbot.keyClick(ticket.end, Qt.Key.Key_Return)
    assert ticket.params.input("slice_seconds").hasFocus()
    with qtbot.assertNotEmitted(ticket.submitted):
        qtbot.keyClick(ticket.params.input("slice_seconds"), Qt.Key.Key_Return)  # the last field: nothing sent
    assert "Ctrl+Enter" in ticket.status.text()


def test_ctrl_enter_sends_exactly_one_order(ticket: OrderTicket, qtbot: QtBot) -> None:
    forms = sent(ticket, qtbot, lambda: qtbot.keyClick(ticket.quantity, Qt.Key.Key_Return,
                                                       Qt.KeyboardModifier.ControlModifier))
    assert [(f.symbol, f.quantity) for f in forms] == [("AAPL", 500)]


def test_error_text_never_moves_the_submit_button(ticket: OrderTicket, qtbot: QtBot) -> None:
    before = ticket.submit_button.geometry()
    ticket.quantity.setText("abc")
    ticket.limit.setText("x")
    ticket.account.setText(" ")
    ticket.params.set_text("slice_seconds", "0")
    ticket.submit()
    qtbot.wait(1)
    assert ticket.error_text("quantity") and ticket.error_text("params")
    assert ticket.submit_button.geometry() == before
    ticket.show_result(False, "Trading is stopped: the kill switch is engaged and nothing new goes out "
                              "until someone re-enables it, which takes a long sentence to say")
    qtbot.wait(1)
    assert ticket.submit_button.geometry() == before


def test_a_limit_does_not_carry_over_to_another_symbol(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.limit.setText("189.50")
    ticket.symbol.setEditText("AAPL")  # the same symbol again: the limit stays
    assert ticket.limit.text() == "189.50"
    ticket.symbol.setEditText("MSFT")
    assert ticket.limit.text() == ""
    assert "was for AAPL" in ticket.status.text()
    forms = sent(ticket, qtbot, ticket.submit)
    assert forms[0].symbol == "MSFT" and forms[0].limit_price is None


def test_a_known_symbol_typed_in_the_ticket_is_announced(ticket: OrderTicket, qtbot: QtBot) -> None:
    with qtbot.waitSignal(ticket.symbol_changed, timeout=1_000) as blocker:
        ticket.symbol.setEditText("msft")
    assert blocker.args == ["MSFT"]


@pytest.mark.parametrize(("typed", "engine"), [("10", "0.1"), ("12.5%", "0.125"), ("2", "0.02")])
def test_participation_rates_are_typed_as_percentages(
    ticket: OrderTicket, qtbot: QtBot, typed: str, engine: str
) -> None:
    ticket.algo.setCurrentText("POV")
    assert ticket.params.raw()["rate"] == "10"  # the engine's default 0.10, shown as 10 (%)
    ticket.params.set_text("rate", typed)
    forms = sent(ticket, qtbot, ticket.submit)
    assert dict(forms[0].params).get("rate", "0.1") == engine


def test_a_rate_above_100_percent_or_above_its_maximum_is_refused_in_percent(ticket: OrderTicket) -> None:
    ticket.algo.setCurrentText("POV")
    ticket.params.set_text("rate", "150")
    assert ticket.submit() is None
    assert ticket.params.error_text("rate") == "Participation rate: 150% is above the maximum 100%"
    ticket.params.set_text("rate", "30")
    ticket.params.set_text("max_rate", "20")
    assert ticket.submit() is None
    assert ticket.params.error_text("rate") == "Participation rate: 30% is above Max rate (blank = by urgency) 20%"
    ticket.params.set_text("rate", "1e-999999")
    assert ticket.submit() is None
    assert "is not a percentage" in ticket.params.error_text("rate")


def test_select_all_then_typing_replaces_the_time(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.end.setFocus()
    qtbot.keyClick(ticket.end, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(ticket.end, "1030")
    assert ticket.end.time() == QTime(10, 30)


def test_select_all_works_in_the_amend_dialogs_end_time(qtbot: QtBot) -> None:
    dialog = AmendDialog(PARENT, "P-1", quantity=100, limit_price=None, end_seconds=16 * 3600)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.end.setFocus()
    qtbot.keyClick(dialog.end, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.end, "153000")
    assert dialog.end.time() == QTime(15, 30)


def test_a_large_order_is_sent_only_after_the_trader_says_yes(ticket: OrderTicket, qtbot: QtBot) -> None:
    no = Asked(False)
    ticket.set_confirmations(OrderGate(DeskConfig()), no, lambda _symbol: Decimal("189.50"))
    ticket.quantity.setText("60,000")
    assert sent(ticket, qtbot, ticket.submit) == []
    assert "60,000 shares is more than 50,000" in no.questions[0]
    assert "worth about 11,370,000" in no.questions[0]
    assert ticket.status.text().startswith("Not sent")
    yes = Asked(True)
    ticket.set_confirmations(OrderGate(DeskConfig()), yes)
    assert len(sent(ticket, qtbot, ticket.submit)) == 1


def test_a_limit_far_from_the_mid_asks_first(ticket: OrderTicket, qtbot: QtBot) -> None:
    asked = Asked(False)
    ticket.set_confirmations(OrderGate(DeskConfig()), asked, lambda _symbol: Decimal("189.50"))
    ticket.limit.setText("198.00")  # a buy 4.5% through the mid
    assert sent(ticket, qtbot, ticket.submit) == []
    assert "4.5% through the mid" in asked.questions[0]
    ticket.limit.setText("189.40")
    assert len(sent(ticket, qtbot, ticket.submit)) == 1
    assert len(asked.questions) == 1  # near the market, small: no question


def test_the_same_order_again_within_seconds_asks_first(ticket: OrderTicket, qtbot: QtBot) -> None:
    clock = [100.0]
    asked = Asked(False)
    ticket.set_confirmations(OrderGate(DeskConfig(), now_s=lambda: clock[0]), asked)
    assert len(sent(ticket, qtbot, ticket.submit)) == 1
    clock[0] += 3
    assert sent(ticket, qtbot, ticket.submit) == []
    assert "the same order was sent 3 s ago" in asked.questions[0]
    clock[0] += 30
    assert len(sent(ticket, qtbot, ticket.submit)) == 1


def test_confirmations_can_be_switched_off(ticket: OrderTicket, qtbot: QtBot) -> None:
    asked = Asked(False)
    ticket.set_confirmations(OrderGate(DeskConfig(confirm_orders=False)), asked, lambda _symbol: Decimal("189.50"))
    ticket.quantity.setText("60,000")
    assert len(sent(ticket, qtbot, ticket.submit)) == 1
    assert asked.questions == []


def test_a_buy_or_sell_ticket_starts_a_fresh_order_in_the_symbol_field(ticket: OrderTicket) -> None:
    ticket.limit.setText("189.50")
    ticket.new_order("SELL")
    assert ticket.side.currentText() == "SELL"
    assert (ticket.quantity.text(), ticket.limit.text()) == ("", "")
    assert ticket.symbol_edit.hasFocus() and ticket.symbol_edit.selectedText() == "AAPL"
