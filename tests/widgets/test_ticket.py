"""The order ticket widget: messages beside bad fields, a TicketForm on a good submit, engine verdicts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QTime
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930
from widgets.ticket import OrderTicket
from widgets.ticket_form import TicketForm


@pytest.fixture
def ticket(qtbot: QtBot) -> OrderTicket:
    widget = OrderTicket(symbols=["AAPL", "MSFT"], algos=["VWAP", "TWAP"])
    qtbot.addWidget(widget)
    widget.symbol.setEditText("AAPL")
    widget.quantity.setText("5,000")
    return widget


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "Quantity must be a whole number of shares, got 'abc'"),
        ("0", "Quantity must be positive, got 0"),
        ("-5", "Quantity must be positive, got -5"),
        ("1.5", "Quantity must be a whole number of shares, got '1.5'"),
    ],
)
def test_bad_quantity_shows_its_message_beside_the_field_and_sends_nothing(
    ticket: OrderTicket, qtbot: QtBot, quantity: str, message: str
) -> None:
    ticket.quantity.setText(quantity)
    with qtbot.assertNotEmitted(ticket.submitted):
        assert ticket.submit() is None
    assert ticket.error_text("quantity") == message
    assert ticket.quantity.property("invalid") is True


def test_bad_limit_shows_its_message(ticket: OrderTicket) -> None:
    ticket.limit.setText("x")
    ticket.submit()
    assert ticket.error_text("limit_price") == "Limit price must be a number, got 'x'"
    assert ticket.error_text("quantity") == ""


def test_end_before_start_is_refused(ticket: OrderTicket) -> None:
    ticket.start_now.setChecked(False)
    ticket.start.setTime(QTime(11, 0))
    ticket.end.setTime(QTime(10, 0))
    ticket.submit()
    assert ticket.error_text("end") == "End 10:00:00 must be after start 11:00:00"


def test_end_that_has_passed_is_refused_when_starting_now(ticket: OrderTicket) -> None:
    ticket.set_market_time(NS_0930 + 2 * 3_600 * 10**9)  # 11:30
    ticket.end.setTime(QTime(11, 0))
    ticket.submit()
    assert ticket.error_text("end") == "End 11:00:00 has passed (market time 11:30:00)"


def test_valid_ticket_emits_the_form(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.side.setCurrentText("SELL")
    ticket.limit.setText("101.25")
    ticket.algo.setCurrentText("TWAP")
    ticket.start_now.setChecked(False)
    ticket.start.setTime(QTime(10, 0))
    ticket.end.setTime(QTime(15, 30))
    with qtbot.waitSignal(ticket.submitted, timeout=1_000) as blocker:
        ticket.submit_button.click()
    assert blocker.args == [TicketForm("AAPL", "SELL", 5_000, Decimal("101.25"), "TWAP", 36_000, 55_800)]


def test_start_now_sends_no_start_time(ticket: OrderTicket, qtbot: QtBot) -> None:
    with qtbot.waitSignal(ticket.submitted, timeout=1_000) as blocker:
        ticket.submit()
    form = blocker.args[0]
    assert form.start_seconds is None and form.end_seconds == 16 * 3600 and form.limit_price is None


def test_fixing_a_field_clears_its_message(ticket: OrderTicket) -> None:
    ticket.quantity.setText("abc")
    ticket.submit()
    ticket.quantity.setText("100")
    ticket.submit()
    assert ticket.error_text("quantity") == ""
    assert not ticket.quantity.property("invalid")


def test_engine_rejection_is_shown_beside_the_named_field_and_on_the_status_line(ticket: OrderTicket) -> None:
    ticket.show_result(False, "Limit 101.255 is not on the tick 0.01", field="limit")
    assert ticket.error_text("limit_price") == "Limit 101.255 is not on the tick 0.01"
    assert ticket.status.text() == "Rejected: Limit 101.255 is not on the tick 0.01"
    ticket.show_result(False, "Trading is stopped (kill switch)")
    assert ticket.status.text() == "Rejected: Trading is stopped (kill switch)"
    assert ticket.error_text("limit_price") == ""
    ticket.show_result(True, "Accepted as P-7")
    assert ticket.status.text() == "Accepted as P-7"
    assert ticket.status.property("state") == "ok"


def test_focus_entry_puts_the_cursor_in_the_symbol_field(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.show()
    qtbot.waitExposed(ticket)
    ticket.activateWindow()
    ticket.focus_entry()
    assert ticket.symbol_edit.selectedText() == "AAPL"
