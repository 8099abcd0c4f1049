"""The ticket's account, urgency and per-algo parameter fields: shown per algo, validated, carried in the form."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from widgets.param_fields import ParamField
from widgets.ticket import OrderTicket
from widgets.ticket_form import TicketForm

COMMON = (
    ParamField("urgency", "Urgency", "choice", "MEDIUM", choices=("LOW", "MEDIUM", "HIGH")),
    ParamField("slice_seconds", "Slice (s)", "int", "60", minimum=1, maximum=3600),
)
SPECS = {
    "VWAP": (*COMMON, ParamField("recalibration", "Curve", "choice", "DYNAMIC", choices=("DYNAMIC", "STATIC"))),
    "POV": (
        ParamField("rate", "Participation rate", "float", "0.10", minimum=0.001, maximum=1, at_most="max_rate"),
        ParamField("max_rate", "Max rate (blank = by urgency)", "float", "", minimum=0, maximum=1, optional=True),
    ),
    "TWAP": (),
}


@pytest.fixture
def ticket(qtbot: QtBot) -> OrderTicket:
    widget = OrderTicket(symbols=["AAPL"], algos=["VWAP", "POV", "TWAP"])
    qtbot.addWidget(widget)
    widget.set_algo_params(SPECS)
    widget.symbol.setEditText("AAPL")
    widget.quantity.setText("5,000")
    return widget


def submitted(ticket: OrderTicket, qtbot: QtBot) -> TicketForm:
    with qtbot.waitSignal(ticket.submitted, timeout=1_000) as blocker:
        ticket.submit()
    form = blocker.args[0]
    assert isinstance(form, TicketForm)
    return form


def test_no_parameter_section_until_the_app_tells_which_parameters_each_algo_takes(qtbot: QtBot) -> None:
    bare = OrderTicket(symbols=["AAPL"], algos=["VWAP"])
    qtbot.addWidget(bare)
    assert bare.params_toggle.isHidden() and bare.params_area.isHidden()
    bare.set_algo_params(SPECS)
    assert not bare.params_toggle.isHidden() and not bare.params_area.isHidden()


def test_only_the_chosen_algos_fields_are_shown_and_urgency_is_not_repeated(ticket: OrderTicket) -> None:
    assert [f.name for f in ticket.params.fields()] == ["slice_seconds", "recalibration"]
    assert isinstance(ticket.params.input("recalibration"), QComboBox)
    ticket.algo.setCurrentText("POV")
    assert [f.name for f in ticket.params.fields()] == ["rate", "max_rate"]
    assert isinstance(ticket.params.input("rate"), QLineEdit)
    assert ticket.params_toggle.text() == "▾ POV parameters (2)"
    ticket.algo.setCurrentText("TWAP")
    assert ticket.params.fields() == []
    assert ticket.params.stack.currentWidget() is ticket.params._none


def test_what_was_typed_for_an_algo_survives_switching_away_and_back(ticket: OrderTicket) -> None:
    ticket.params.set_text("slice_seconds", "30")
    ticket.algo.setCurrentText("POV")
    ticket.algo.setCurrentText("VWAP")
    assert ticket.params.raw()["slice_seconds"] == "30"


@pytest.mark.parametrize(
    ("algo", "name", "text", "message"),
    [
        ("VWAP", "slice_seconds", "abc", "Slice (s): 'abc' is not a whole number"),
        ("VWAP", "slice_seconds", "0", "Slice (s): 0 is below the minimum 1"),
        ("POV", "rate", "150", "Participation rate: 150% is above the maximum 100%"),  # typed as a percentage
    ],
)
def test_bad_parameter_is_refused_with_its_message_beside_the_field(
    ticket: OrderTicket, qtbot: QtBot, algo: str, name: str, text: str, message: str
) -> None:
    ticket.algo.setCurrentText(algo)
    ticket.params.set_text(name, text)
    with qtbot.assertNotEmitted(ticket.submitted):
        assert ticket.submit() is None
    assert ticket.params.error_text(name) == message
    assert ticket.error_text("params") == message
    assert ticket.params.input(name).property("invalid") is True
    assert ticket.status.text() == "Fix the highlighted fields"


def test_a_collapsed_parameter_section_opens_to_show_a_problem(ticket: OrderTicket) -> None:
    ticket.params_toggle.setChecked(False)
    assert ticket.params_area.isHidden()
    ticket.params.set_text("slice_seconds", "x")
    ticket.submit()
    assert not ticket.params_area.isHidden()


def test_form_carries_account_urgency_and_only_changed_parameters(ticket: OrderTicket, qtbot: QtBot) -> None:
    untouched = submitted(ticket, qtbot)
    assert (untouched.account, untouched.urgency, untouched.params) == ("DESK", "MEDIUM", ())
    ticket.account.setText("  FUND-A ")
    ticket.urgency.setCurrentText("HIGH")
    ticket.params.set_text("slice_seconds", "1,200")
    ticket.params.set_text("recalibration", "STATIC")
    form = submitted(ticket, qtbot)
    assert form.account == "FUND-A"
    assert form.urgency == "HIGH"
    assert form.params == (("slice_seconds", "1200"), ("recalibration", "STATIC"))
    assert (form.symbol, form.quantity, form.algo) == ("AAPL", 5_000, "VWAP")


def test_blank_account_is_refused_beside_the_account_field(ticket: OrderTicket, qtbot: QtBot) -> None:
    ticket.account.setText(" ")
    with qtbot.assertNotEmitted(ticket.submitted):
        ticket.submit()
    assert ticket.error_text("account") == "Account is required"


def test_engine_parameter_rejection_is_shown_beside_the_field_its_label_names(ticket: OrderTicket) -> None:
    ticket.show_result(False, "Slice (s): '5000' is above the maximum 3600", field="params")
    assert ticket.params.error_text("slice_seconds") == "Slice (s): '5000' is above the maximum 3600"
    assert ticket.status.text() == "Rejected: Slice (s): '5000' is above the maximum 3600"
    ticket.show_result(False, "unknown parameter(s) foo; this algo takes slice_seconds", field="params")
    assert ticket.params.error_text("slice_seconds") == ""
    assert ticket.error_text("params") == "unknown parameter(s) foo; this algo takes slice_seconds"
    ticket.show_result(True, "Accepted")
    assert ticket.error_text("params") == ""


def test_new_specs_replace_the_old_pages(ticket: OrderTicket) -> None:
    ticket.set_algo_params({"VWAP": (ParamField("volume_halflife_minutes", "Half-life (min)", "float", "15"),)})
    assert [f.name for f in ticket.params.fields()] == ["volume_halflife_minutes"]
    ticket.algo.setCurrentText("POV")
    assert ticket.params.fields() == []


def test_an_optional_choice_starts_blank_so_the_desk_default_applies_until_one_is_picked(qtbot: QtBot) -> None:
    """The routing policy: blank sends nothing (the desk's [routing] policy); a pick is sent as picked."""
    routing = ParamField("routing", "Routing (blank = desk default)", "choice", "",
                         choices=("AUTO", "SEQUENTIAL", "PARALLEL", "LIQUIDITY"), optional=True)
    widget = OrderTicket(symbols=["AAPL"], algos=["TWAP"])
    qtbot.addWidget(widget)
    widget.set_algo_params({"TWAP": (routing,)})
    widget.symbol.setEditText("AAPL")
    widget.quantity.setText("5,000")
    combo = widget.findChild(QComboBox, "param_routing")
    assert combo is not None and combo.itemText(0) == "" and combo.currentText() == ""
    assert submitted(widget, qtbot).params == ()
    widget.params.set_text("routing", "PARALLEL")
    widget.quantity.setText("6,000")  # not the same order again (that would ask first)
    assert submitted(widget, qtbot).params == (("routing", "PARALLEL"),)
