"""Blotters as a desk uses them: many rows at once, filters, columns chosen and moved (kept with the
layout), CSV export as shown, right-click on children and fills, whole text of narrow cells, newest first."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, Child, Fill, OrdStatus, Parent, TicketRowFake
from widgets.blotter_export import safe_cell
from widgets.blotter_filters import RowFilter
from widgets.blotters import ChildBlotter, FillBlotter, ParentBlotter, TicketBlotter
from widgets.main_window import MainWindow


def headers(blotter: ParentBlotter | ChildBlotter | FillBlotter | TicketBlotter) -> list[str]:
    model = blotter.model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def parents(qtbot: QtBot) -> ParentBlotter:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([
        Parent("P-1", symbol="AAPL"), Parent("P-2", symbol="MSFT", paused=True),
        Parent("P-3", symbol="AAPL", status=OrdStatus.FILLED), Parent("P-4", symbol="MSFT"),
    ])
    blotter.flush()
    return blotter


def select_rows(blotter: ParentBlotter | ChildBlotter | TicketBlotter, *rows: int) -> None:
    table = blotter.table
    table.clearSelection()
    flags = table.selectionModel().SelectionFlag.Select | table.selectionModel().SelectionFlag.Rows
    for row in rows:
        table.selectionModel().select(blotter.model.index(row, 0), flags)


def test_rows_can_be_selected_many_at_a_time_and_the_menu_acts_on_all_that_apply(qtbot: QtBot) -> None:
    blotter = parents(qtbot)
    select_rows(blotter, 0, 1, 2)
    assert blotter.selected_keys() == ["P-1", "P-2", "P-3"]
    menu = blotter.actions_menu(1)
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts[:4] == ["Amend… P-1", "Cancel 2 parents", "Pause P-1", "Resume P-2"]
    assert not menu.actions()[0].isEnabled()  # amend is for one order
    canceled: list[str] = []
    blotter.cancel_requested.connect(canceled.append)
    menu.actions()[1].trigger()
    assert canceled == ["P-1", "P-2"]  # the filled one is not canceled again


def test_a_bulk_cancel_asks_once_and_nothing_goes_when_declined(qtbot: QtBot) -> None:
    blotter = parents(qtbot)
    questions: list[tuple[str, str]] = []
    blotter.confirm_cancel = lambda title, question: questions.append((title, question)) is not None
    canceled: list[str] = []
    blotter.cancel_requested.connect(canceled.append)
    assert blotter.request("cancel", ["P-1", "P-2", "P-4"]) == []
    assert questions[0][0] == "Cancel 3 parent orders" and "P-1, P-2, P-4" in questions[0][1]
    assert canceled == []
    assert blotter.request("kill", ["P-1"]) == ["P-1"]  # kill never asks
    assert len(questions) == 1 and canceled == ["P-1"]


@pytest.mark.parametrize(
    ("wanted", "shown"),
    [
        (RowFilter(working_only=True), ["P-1", "P-2", "P-4"]),
        (RowFilter(symbol="msft"), ["P-2", "P-4"]),
        (RowFilter(working_only=True, symbol="AAPL"), ["P-1"]),
        (RowFilter(account="FUND-B"), ["P-2", "P-3"]),
        (RowFilter(), ["P-1", "P-2", "P-3", "P-4"]),
    ],
)
def test_filters_working_only_symbol_and_account(qtbot: QtBot, wanted: RowFilter, shown: list[str]) -> None:
    blotter = parents(qtbot)
    accounts = {"P-1": {"FUND-A"}, "P-2": {"FUND-A", "FUND-B"}, "P-3": {"FUND-B"}}
    blotter.set_parent_accounts(lambda pid: accounts.get(pid, set()))
    blotter.set_row_filter(wanted)
    assert blotter.model.visible_keys() == shown
    assert blotter.filters.value() == wanted


def test_a_row_that_stops_working_leaves_the_working_only_view(qtbot: QtBot) -> None:
    blotter = parents(qtbot)
    blotter.set_row_filter(RowFilter(working_only=True))
    blotter.upsert(Parent("P-1", symbol="AAPL", status=OrdStatus.CANCELED))
    blotter.flush()
    assert blotter.model.visible_keys() == ["P-2", "P-4"]


def test_ticket_filters_read_the_tickets_own_account_and_feed_the_parents(qtbot: QtBot) -> None:
    tickets = TicketBlotter()
    qtbot.addWidget(tickets)
    tickets.upsert_many([TicketRowFake("T-1", "P-1", account="FUND-A"), TicketRowFake("T-2", "P-2", account="FUND-B"),
                         TicketRowFake("T-3", "P-2", account="FUND-A", status="FILLED")])
    tickets.flush()
    tickets.set_row_filter(RowFilter(account="FUND-A", working_only=True))
    assert tickets.model.visible_keys() == ["T-1"]
    assert sorted(tickets.accounts_of("P-2")) == ["FUND-A", "FUND-B"]
    assert tickets._accounts() == ["FUND-A", "FUND-B"]  # the account filter's choices


def test_newest_first_puts_the_latest_child_on_top_new_ones_included(qtbot: QtBot) -> None:
    children = ChildBlotter()
    qtbot.addWidget(children)
    children.upsert_many(Child(f"C-{i}", "P-1") for i in range(3))
    children.flush()
    assert children.newest_first is not None
    children.newest_first.setChecked(True)
    assert children.model.visible_keys() == ["C-2", "C-1", "C-0"]
    children.upsert(Child("C-3", "P-1"))
    children.flush()
    assert children.model.visible_keys() == ["C-3", "C-2", "C-1", "C-0"]
    children.table.sortByColumn(headers(children).index("Qty"), Qt.SortOrder.AscendingOrder)
    assert not children.newest_first.isChecked()  # a column sort replaces it
    children.newest_first.setChecked(False)
    children.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert children.model.visible_keys() == ["C-0", "C-1", "C-2", "C-3"]


def test_export_writes_the_rows_and_columns_shown_as_shown(qtbot: QtBot, tmp_path: Path) -> None:
    fills = FillBlotter()
    qtbot.addWidget(fills)
    fills.upsert_many([
        Fill("F-1", "C-1", "P-1", price=Decimal("189.5"), quantity=1_200, ts_ns=NS_0930),
        Fill("F-2", "C-2", "P-2", venue="=HYPERLINK(1)", price=Decimal("410.12")),
    ])
    fills.flush()
    header = fills.table.horizontalHeader()
    header.hideSection(headers(fills).index("Fee"))
    header.moveSection(header.visualIndex(headers(fills).index("Price")), 0)
    fills.set_parent_filter("P-1")
    chosen: list[str] = []
    fills.choose_export_file = lambda _parent, suggested: chosen.append(suggested) or str(tmp_path / "fills.csv")
    assert fills.export_csv() == 1
    with open(tmp_path / "fills.csv", newline="", encoding="utf-8") as written:
        lines = list(csv.reader(written))
    assert chosen == ["fills.csv"]
    assert lines[0][:4] == ["Price", "Time", "Bust", "Fill"] and "Fee" not in lines[0]
    assert lines[1][:4] == ["189.50", "09:30:00.000", "", "F-1"] and lines[1][lines[0].index("Qty")] == "1,200"
    fills.set_parent_filter(None)
    fills.export_csv(tmp_path / "all.csv")
    text = (tmp_path / "all.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text  # a venue's text never runs as a spreadsheet formula
    assert fills.choose_export_file is not None
    fills.choose_export_file = lambda _parent, _suggested: None
    assert fills.export_csv() is None


@pytest.mark.parametrize(("text", "safe"), [("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-5", "-5"),
                                            ("+3.1", "+3.1"), ("-12.5%", "-12.5%"), ("P-1", "P-1")])
def test_cells_that_would_run_as_formulas_are_quoted(text: str, safe: str) -> None:
    assert safe_cell(text) == safe


def test_copy_puts_the_selected_rows_on_the_clipboard_tab_separated(qtbot: QtBot) -> None:
    blotter = parents(qtbot)
    select_rows(blotter, 1, 3)
    text = blotter.copy_rows()
    lines = text.splitlines()
    assert lines[0].split("\t")[:2] == ["Id", "Symbol"]
    assert [line.split("\t")[0] for line in lines[1:]] == ["P-2", "P-4"]
    assert QApplication.clipboard().text() == text


def test_columns_hidden_and_moved_are_kept_with_the_layout(qtbot: QtBot, tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))

    def window() -> MainWindow:
        made = MainWindow(symbols=["AAPL"], algos=["VWAP"], confirm=lambda *_: True, settings_org="ems-test",
                          settings_app="columns")
        qtbot.addWidget(made)
        return made

    first = window()
    header = first.child_orders.table.horizontalHeader()
    assert header.sectionsMovable()  # a trader drags headers into another order
    text_column = headers(first.child_orders).index("Text")
    header.hideSection(headers(first.child_orders).index("TIF"))
    header.moveSection(header.visualIndex(text_column), 0)
    first.child_orders.set_newest_first(True)
    first.parents.set_row_filter(RowFilter(working_only=True, symbol="AAPL"))
    first.save_layout()

    second = window()
    second.restore_layout()
    restored = second.child_orders.table.horizontalHeader()
    assert restored.isSectionHidden(headers(second.child_orders).index("TIF"))
    assert restored.logicalIndex(0) == text_column
    assert second.child_orders.model.newest_first
    assert second.parents.row_filter == RowFilter(working_only=True, symbol="AAPL")


def test_the_columns_menu_hides_and_shows_but_never_the_last_column(qtbot: QtBot) -> None:
    from widgets.blotter_header import columns_menu

    blotter = parents(qtbot)
    header = blotter.table.horizontalHeader()
    menu = columns_menu(header)
    menu.actions()[headers(blotter).index("Algo")].setChecked(False)
    assert header.isSectionHidden(headers(blotter).index("Algo"))
    for column in range(1, header.count()):
        header.hideSection(column)
    again = columns_menu(header)
    last = again.actions()[0]
    assert last.isChecked() and not last.isEnabled()


def test_child_and_fill_menus_lead_to_the_parent_and_child(qtbot: QtBot, tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = MainWindow(symbols=["AAPL"], algos=["VWAP"], confirm=lambda *_: True, settings_org="ems-test",
                        settings_app="menus")
    qtbot.addWidget(window)
    window.parents.upsert_many([Parent("P-1"), Parent("P-2")])
    window.child_orders.upsert_many([Child("C-1", "P-1"), Child("C-2", "P-2")])
    window.fills.upsert_many([Fill("F-1", "C-2", "P-2")])
    for blotter in (window.parents, window.child_orders, window.fills):
        blotter.flush()
    fill_menu = window.fills.actions_menu(0)
    assert [a.text() for a in fill_menu.actions()[:2]] == ["Show parent P-2", "Show child C-2"]
    fill_menu.actions()[1].trigger()
    assert window.tabs.currentWidget() is window.child_orders and window.child_orders.selected_key() == "C-2"
    paused: list[str] = []
    window.parents.pause_requested.connect(paused.append)
    child_menu = window.child_orders.actions_menu(0)
    texts = [a.text() for a in child_menu.actions() if not a.isSeparator()]
    assert texts[:4] == ["Show parent P-1", "Pause parent P-1", "Resume parent P-1", "Cancel parent P-1"]
    child_menu.actions()[1].trigger()
    assert paused == ["P-1"]
    child_menu.actions()[0].trigger()
    assert window.tabs.currentWidget() is window.parents and window.parents.selected_key() == "P-1"


def test_a_cell_too_narrow_for_its_text_shows_the_whole_text_as_tooltip(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QToolTip, "showText", lambda _pos, text, *_: shown.append(text))
    children = ChildBlotter()
    qtbot.addWidget(children)
    message = "venue rejected: price outside the collar for this session"
    children.upsert_many([Child("C-1", "P-1", text=message), Child("C-2", "P-1", text="ok")])
    children.flush()
    children.resize(900, 300)
    children.show()
    qtbot.waitExposed(children)
    column = headers(children).index("Text")
    table = children.table
    table.horizontalHeader().setStretchLastSection(False)
    table.setColumnWidth(column, 60)
    table.scrollTo(children.model.index(0, column))

    def hover(row: int) -> str:
        shown.clear()
        rect = table.visualRect(children.model.index(row, column))
        event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), table.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(table.viewport(), event)
        return "".join(shown)

    assert hover(0) == message
    assert hover(1) == ""  # "ok" fits: no tooltip
    table.setColumnWidth(column, 2_000)
    assert hover(0) == ""


def test_an_account_filter_on_parents_follows_new_tickets(qtbot: QtBot, tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = MainWindow(symbols=["AAPL"], algos=["VWAP"], confirm=lambda *_: True, settings_org="ems-test",
                        settings_app="accounts")
    qtbot.addWidget(window)
    window.parents.upsert_many([Parent("P-1"), Parent("P-2")])
    window.child_orders.upsert_many([Child("C-1", "P-1"), Child("C-2", "P-2")])
    window.tickets.upsert_many([TicketRowFake("T-1", "P-1", account="FUND-A")])
    for blotter in (window.parents, window.child_orders, window.tickets):
        blotter.flush()
    window.parents.set_row_filter(RowFilter(account="FUND-B"))
    window.child_orders.set_row_filter(RowFilter(account="FUND-A"))
    assert window.parents.model.visible_keys() == [] and window.child_orders.model.visible_keys() == ["C-1"]
    window.tickets.upsert_many([TicketRowFake("T-2", "P-2", account="FUND-B")])
    window.tickets.flush()
    assert window.parents.model.visible_keys() == ["P-2"]
