"""Ticket blotter: each client ticket with its parent, source, requested/allocated, average price, status."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import OrdStatus, Parent, Side, TicketRowFake
from widgets import theme
from widgets.blotters import ParentBlotter, TicketBlotter


def headers(blotter: TicketBlotter | ParentBlotter) -> list[object]:
    model = blotter.model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def cell(blotter: TicketBlotter | ParentBlotter, row: int, header: str, role: int = 0) -> object:
    model = blotter.model
    return model.data(model.index(row, headers(blotter).index(header)), role)


def make(qtbot: QtBot) -> TicketBlotter:
    blotter = TicketBlotter()
    qtbot.addWidget(blotter)
    return blotter


def test_ticket_row_shows_parent_source_requested_allocated_price_and_status(qtbot: QtBot) -> None:
    blotter = make(qtbot)
    blotter.upsert(
        TicketRowFake(
            "T-7", "P-2", account="FUND-A", source="FIX:OMS1", side=Side.SELL, requested=3_000, allocated=1_200,
            avg_price=Decimal("99.98"), crossed=500, status=OrdStatus.PARTIALLY_FILLED, text="netted 500",
        )
    )
    blotter.flush()
    shown = {str(header): cell(blotter, 0, str(header)) for header in headers(blotter)}
    assert shown == {
        "Time": "09:30:00.000", "Ticket": "T-7", "Parent": "P-2", "Account": "FUND-A", "Source": "FIX:OMS1",
        "Symbol": "AAPL", "Side": "SELL", "Requested": "3,000", "Limit": "", "Allocated": "1,200", "Alloc %": "40.0%",
        "Avg px": "99.9800", "Crossed": "500", "Status": "PARTIALLY FILLED", "Text": "netted 500",
    }
    assert cell(blotter, 0, "Side", Qt.ItemDataRole.ForegroundRole) == theme.SELL


def test_ticket_not_yet_in_a_parent_and_without_optional_attributes_still_shows(qtbot: QtBot) -> None:
    class Bare:
        ticket_id, parent_id, account, source, symbol = "T-1", None, "DESK", "basket", "MSFT"
        side, requested, allocated, avg_price, status = Side.BUY, 100, 0, None, "PENDING_NEW"

    blotter = make(qtbot)
    blotter.upsert(Bare())
    blotter.flush()
    assert cell(blotter, 0, "Parent") == ""
    assert cell(blotter, 0, "Crossed") == "0"
    assert cell(blotter, 0, "Time") == ""
    assert cell(blotter, 0, "Text") == ""
    assert cell(blotter, 0, "Status") == "PENDING NEW"
    assert cell(blotter, 0, "Avg px") == ""


def test_filled_and_rejected_tickets_are_coloured_whether_status_is_an_enum_or_text(qtbot: QtBot) -> None:
    blotter = make(qtbot)
    blotter.upsert_many([TicketRowFake("T-1", status=OrdStatus.FILLED), TicketRowFake("T-2", status="REJECTED")])
    blotter.flush()
    foreground = Qt.ItemDataRole.ForegroundRole
    assert cell(blotter, 0, "Status", foreground) == theme.OK
    assert cell(blotter, 1, "Status", foreground) == theme.ERROR


def test_ticket_blotter_filters_to_one_parent_and_picks_up_tickets_that_join_it_later(qtbot: QtBot) -> None:
    blotter = make(qtbot)
    blotter.upsert_many([TicketRowFake("T-1", "P-1"), TicketRowFake("T-2", "P-2"), TicketRowFake("T-3", None)])
    blotter.flush()
    blotter.set_parent_filter("P-2")
    assert blotter.model.visible_keys() == ["T-2"]
    blotter.upsert(TicketRowFake("T-3", "P-2"))  # joined the parent once aggregated
    blotter.flush()
    assert blotter.model.visible_keys() == ["T-2", "T-3"]
    blotter.set_parent_filter(None)
    assert blotter.model.rowCount() == 3


def test_parent_blotter_shows_ticket_count_and_netted_quantity_when_the_row_has_them(qtbot: QtBot) -> None:
    @dataclass(frozen=True, slots=True)
    class Block(Parent):
        tickets: int = 0
        netted_qty: int = 0

    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([Block("P-1", tickets=12, netted_qty=4_500), Block("P-2", tickets=3, netted_qty=0)])
    blotter.flush()
    assert (cell(blotter, 0, "Tickets"), cell(blotter, 0, "Netted")) == ("12", "4,500")
    blotter.table.sortByColumn(headers(blotter).index("Tickets"), Qt.SortOrder.AscendingOrder)
    assert blotter.model.visible_keys() == ["P-2", "P-1"]


def test_right_click_offers_amend_and_cancel_of_an_open_ticket_only(qtbot: QtBot) -> None:
    blotter = make(qtbot)
    blotter.upsert_many([
        TicketRowFake("T-1", "P-1", limit_price=Decimal("101.25")),
        TicketRowFake("T-2", "P-1", allocated=1_000, status=OrdStatus.FILLED),
    ])
    blotter.flush()
    assert cell(blotter, 0, "Limit") == "101.25"
    amend, cancel = blotter.actions_menu(0).actions()[:2]
    assert amend.isEnabled() and cancel.isEnabled()
    with qtbot.waitSignal(blotter.amend_requested, timeout=1_000) as requested:
        amend.trigger()
    assert requested.args == ["T-1"]
    order_actions = [a for a in blotter.actions_menu(1).actions()
                     if not a.isSeparator() and not a.text().startswith(("Copy", "Export"))]
    assert not any(action.isEnabled() for action in order_actions)
