"""The Amend dialog: input checked field by field; the engine's refusal is shown and the dialog stays."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QTime
from pytestqt.qtbot import QtBot

from widgets.amend_dialog import PARENT, TICKET, AmendDialog, AmendError, AmendForm, amend_form

NINE_FORTY = 9 * 3600 + 40 * 60


def test_unchanged_limit_and_end_are_not_sent_as_changes() -> None:
    form = amend_form(PARENT, "P1", "2,000", "100.00", NINE_FORTY, current_limit=Decimal("100.00"),
                      current_end_seconds=NINE_FORTY)
    assert form == AmendForm(PARENT, "P1", 2_000, None, None)
    form = amend_form(PARENT, "P1", "2k", "100.05", NINE_FORTY + 60, current_limit=Decimal("100.00"),
                      current_end_seconds=NINE_FORTY)
    assert form == AmendForm(PARENT, "P1", 2_000, Decimal("100.05"), NINE_FORTY + 60)


def test_nonsense_input_names_the_field() -> None:
    assert amend_form(TICKET, "T1", "12x", "", None, current_limit=None, current_end_seconds=None) == AmendError(
        "quantity", "Quantity must be a whole number of shares, got '12x'")
    bad_limit = amend_form(TICKET, "T1", "100", "-3", None, current_limit=Decimal("10"), current_end_seconds=None)
    assert bad_limit == AmendError("limit", "Limit price must be positive, got -3")
    limited = amend_form(TICKET, "T1", "100", "10.00", None, current_limit=None, current_end_seconds=None)
    assert limited == AmendForm(TICKET, "T1", 100, Decimal("10.00"), None)  # a market order may take a limit


def test_the_dialog_emits_a_valid_form_and_stays_open_on_a_refusal(qtbot: QtBot) -> None:
    dialog = AmendDialog(PARENT, "P7", quantity=3_000, limit_price=Decimal("101.50"), end_seconds=NINE_FORTY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.quantity.text(), dialog.limit.text(), dialog.end.time()) == ("3,000", "101.50", QTime(9, 40))
    dialog.quantity.setText("lots")
    with qtbot.assertNotEmitted(dialog.submitted):
        dialog.ok_button.click()
    assert "Quantity must be a whole number" in dialog.error.text() and dialog.isVisible()
    dialog.quantity.setText("2,500")
    dialog.end.setTime(QTime(10, 0))
    with qtbot.waitSignal(dialog.submitted) as emitted:
        dialog.ok_button.click()
    assert emitted.args == [AmendForm(PARENT, "P7", 2_500, None, 10 * 3600)]
    dialog.show_result(False, "cannot reduce below 2,600 filled")
    assert dialog.isVisible() and dialog.error.text() == "cannot reduce below 2,600 filled"
    dialog.show_result(True, "P7 amended")
    assert not dialog.isVisible()


def test_a_ticket_to_the_close_has_no_end_row_and_a_blank_limit_keeps_a_market_ticket_market(qtbot: QtBot) -> None:
    dialog = AmendDialog(TICKET, "T3", quantity=500, limit_price=None)
    qtbot.addWidget(dialog)
    assert dialog.limit.text() == "" and dialog.end.parent() is None  # no End row
    with qtbot.waitSignal(dialog.submitted) as emitted:
        dialog.ok_button.click()
    assert emitted.args == [AmendForm(TICKET, "T3", 500, None, None)]


def test_a_ticket_with_an_end_time_can_move_it(qtbot: QtBot) -> None:
    dialog = AmendDialog(TICKET, "T4", quantity=500, limit_price=Decimal("10.00"), end_seconds=NINE_FORTY)
    qtbot.addWidget(dialog)
    dialog.end.setTime(QTime(9, 35))
    with qtbot.waitSignal(dialog.submitted) as emitted:
        dialog.ok_button.click()
    assert emitted.args == [AmendForm(TICKET, "T4", 500, None, 9 * 3600 + 35 * 60)]
