"""A parent's Status column says what the trader must trust at a glance: PAUSED, KILLED, or its order status."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import Child, OrdStatus, Parent, TicketRowFake
from widgets import theme
from widgets.blotters import ChildBlotter, ParentBlotter, TicketBlotter
from widgets.rows import KILLED, PAUSED, shown_status

FOREGROUND = Qt.ItemDataRole.ForegroundRole


def status_cell(blotter: ParentBlotter | ChildBlotter | TicketBlotter, key: str, role: int = 0) -> object:
    model = blotter.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    row = model.visible_row_of(key)
    assert row is not None
    return model.data(model.index(row, headers.index("Status")), role)


def test_paused_and_killed_parents_say_so_in_the_status_column(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([
        Parent("P-1", status=OrdStatus.PARTIALLY_FILLED),
        Parent("P-2", status=OrdStatus.PARTIALLY_FILLED, paused=True, text="paused: trader pause"),
        Parent("P-3", status=OrdStatus.NEW, paused=True, text="paused: kill switch"),
        Parent("P-4", status=OrdStatus.FILLED, paused=True, text="paused: kill switch"),
    ])
    blotter.flush()
    assert status_cell(blotter, "P-1") == "PARTIALLY FILLED"
    assert status_cell(blotter, "P-2") == "PAUSED"
    assert status_cell(blotter, "P-3") == "KILLED"
    assert status_cell(blotter, "P-4") == "FILLED"  # how it finished wins over how it was stopped
    assert status_cell(blotter, "P-2", FOREGROUND) == theme.WARN
    assert status_cell(blotter, "P-3", FOREGROUND) == theme.ERROR
    assert status_cell(blotter, "P-4", FOREGROUND) == theme.OK
    assert status_cell(blotter, "P-1", FOREGROUND) is None


def test_resuming_shows_the_order_status_again(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert(Parent("P-1", status=OrdStatus.NEW, paused=True, text="paused: kill switch"))
    blotter.flush()
    assert status_cell(blotter, "P-1") == "KILLED"
    blotter.upsert(Parent("P-1", status=OrdStatus.NEW))
    blotter.flush()
    assert status_cell(blotter, "P-1") == "NEW"


def test_rows_without_a_pause_show_their_status_unchanged(qtbot: QtBot) -> None:
    children, tickets = ChildBlotter(), TicketBlotter()
    qtbot.addWidget(children)
    qtbot.addWidget(tickets)
    children.upsert(Child("C-1", "P-1", status=OrdStatus.CANCELED))
    tickets.upsert(TicketRowFake("T-1", status="ALLOCATED"))
    children.flush()
    tickets.flush()
    assert status_cell(children, "C-1") == "CANCELED"
    assert status_cell(tickets, "T-1") == "ALLOCATED"


def test_shown_status_is_a_pure_reading_of_the_row() -> None:
    assert shown_status(Parent("P", paused=True)) is PAUSED
    assert shown_status(Parent("P", paused=True, text="paused: kill switch")) is KILLED
    assert shown_status(Parent("P", status=OrdStatus.CANCELED, paused=True)) is OrdStatus.CANCELED
