"""Parent, child and fill blotters: columns, colours, selection, parent filter, right-click actions."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import Child, Fill, OrdStatus, Parent, Side
from widgets import theme
from widgets.blotters import PARENT_COLUMNS, ChildBlotter, FillBlotter, ParentBlotter


def headers(blotter: ParentBlotter | ChildBlotter | FillBlotter) -> list[str]:
    model = blotter.model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def cell(blotter: ParentBlotter | ChildBlotter | FillBlotter, row: int, header: str, role: int = 0) -> object:
    model = blotter.model
    return model.data(model.index(row, headers(blotter).index(header)), role)


def test_parent_row_shows_the_order_the_way_a_trader_reads_it(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert(
        Parent(
            "P-1",
            side=Side.SELL,
            quantity=25_000,
            cum_qty=10_000,
            leaves_qty=15_000,
            avg_price=Decimal("100.05"),
            arrival_mid=Decimal("100.00"),
            status=OrdStatus.PARTIALLY_FILLED,
        )
    )
    blotter.flush()
    assert len(PARENT_COLUMNS) == 19
    assert cell(blotter, 0, "Tickets") == ""  # a row without ticket counts still shows
    assert cell(blotter, 0, "Netted") == ""
    assert cell(blotter, 0, "Side") == "SELL"
    assert cell(blotter, 0, "Qty") == "25,000"
    assert cell(blotter, 0, "Filled %") == "40.0%"
    assert cell(blotter, 0, "Avg px") == "100.0500"  # tick precision + 2 for averages
    assert cell(blotter, 0, "Limit") == ""
    assert cell(blotter, 0, "Slip (bps)") == "+5.0"  # sold above arrival: better
    assert cell(blotter, 0, "Status") == "PARTIALLY FILLED"
    assert cell(blotter, 0, "Start") == "09:30:00.000"
    assert cell(blotter, 0, "End") == "10:30:00.000"


def test_buys_and_sells_are_told_apart_by_colour(qtbot: QtBot) -> None:
    blotter = ChildBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([Child("C1", "P1", side=Side.BUY), Child("C2", "P1", side=Side.SELL)])
    blotter.flush()
    foreground = Qt.ItemDataRole.ForegroundRole
    assert cell(blotter, 0, "Side", foreground) == theme.BUY
    assert cell(blotter, 1, "Side", foreground) == theme.SELL


def test_sorting_a_parent_column_by_clicking_its_header_sorts_by_number(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many(Parent(f"P{i}", quantity=q) for i, q in enumerate([900, 12_000, 1_500, 80]))
    blotter.flush()
    column = headers(blotter).index("Qty")
    blotter.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert [cell(blotter, r, "Qty") for r in range(4)] == ["80", "900", "1,500", "12,000"]


def test_selecting_a_parent_emits_its_id(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([Parent("P-1"), Parent("P-2")])
    blotter.flush()
    with qtbot.waitSignal(blotter.parent_selected, timeout=1_000) as blocker:
        blotter.table.selectRow(1)
    assert blocker.args == ["P-2"]
    assert blotter.selected_key() == "P-2"


def test_child_and_fill_blotters_filter_to_one_parent_and_back(qtbot: QtBot) -> None:
    children, fills = ChildBlotter(), FillBlotter()
    qtbot.addWidget(children)
    qtbot.addWidget(fills)
    children.upsert_many(Child(f"C{i}", f"P{i % 3}") for i in range(9))
    fills.upsert_many(Fill(f"F{i}", f"C{i}", f"P{i % 3}") for i in range(9))
    children.flush()
    fills.flush()
    children.set_parent_filter("P1")
    fills.set_parent_filter("P1")
    assert children.model.visible_keys() == ["C1", "C4", "C7"]
    assert fills.model.visible_keys() == ["F1", "F4", "F7"]
    children.upsert(Child("C9", "P1"))
    children.upsert(Child("C10", "P2"))
    children.flush()
    assert children.model.visible_keys() == ["C1", "C4", "C7", "C9"]
    assert children._show_all is not None
    children._show_all.click()
    assert children.model.rowCount() == 11


def test_right_click_menu_amends_cancels_pauses_and_resumes_the_parent(qtbot: QtBot) -> None:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.upsert_many([Parent("P-1"), Parent("P-2", paused=True), Parent("P-3", status=OrdStatus.FILLED)])
    blotter.flush()
    menu = blotter.actions_menu(0)
    amend, cancel, pause, resume = menu.actions()[:4]
    assert (amend.isEnabled(), cancel.isEnabled(), pause.isEnabled(), resume.isEnabled()) == (True, True, True, False)
    with qtbot.waitSignal(blotter.amend_requested, timeout=1_000) as amended:
        amend.trigger()
    assert amended.args == ["P-1"]
    with qtbot.waitSignal(blotter.cancel_requested, timeout=1_000) as canceled:
        cancel.trigger()
    assert canceled.args == ["P-1"]
    with qtbot.waitSignal(blotter.pause_requested, timeout=1_000) as paused:
        pause.trigger()
    assert paused.args == ["P-1"]
    resume_2 = blotter.actions_menu(1).actions()[3]
    assert resume_2.isEnabled()
    with qtbot.waitSignal(blotter.resume_requested, timeout=1_000) as resumed:
        resume_2.trigger()
    assert resumed.args == ["P-2"]
    order_actions = [a for a in blotter.actions_menu(2).actions()
                     if not a.isSeparator() and not a.text().startswith(("Copy", "Export"))]
    assert not any(action.isEnabled() for action in order_actions)  # filled: nothing to do
