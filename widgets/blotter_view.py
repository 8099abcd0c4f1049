"""A blotter on screen: a `CoalescingTableModel` in a `QTableView` set up for large, busy tables.

Above the table: filters (working only, symbol, account), the parent filter, newest first (children),
the column chooser and CSV export. Rows can be selected many at a time for bulk actions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.blotter_export import tab_separated, table_text, write_csv
from widgets.blotter_filters import FilterBar, FilterFields, RowFilter, row_predicate
from widgets.blotter_header import FullTextTooltips, columns_menu, make_columns_choosable
from widgets.blotter_model import DEFAULT_FLUSH_HZ, CoalescingTableModel
from widgets.columns import Column

ChooseExportFile = Callable[[QWidget, str], str | None]
"""(parent, suggested file name) -> the path to write, or None when the trader changed their mind."""


def ask_for_export_file(parent: QWidget, suggested: str) -> str | None:
    """The default: a save dialog for a CSV file."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export to CSV", suggested, "CSV files (*.csv);;All files (*)")
    return path or None

_CELL_PADDING_PX = 18

R = TypeVar("R")


class BlotterTable(QTableView):
    """A QTableView that repaints only the changed rows that are on screen.

    Qt repaints the whole viewport for a changed range far off screen; at thousands of updates per
    second that paint dominates. No editors live in these tables, so skipping Qt's handler is safe.
    """

    def visible_rows(self) -> tuple[int, int] | None:
        """First and last row on screen, or None when no row is."""
        count = self.model().rowCount() if self.model() is not None else 0
        if count == 0:
            return None
        top = self.rowAt(0)
        if top < 0:
            return None
        bottom = self.rowAt(self.viewport().height() - 1)
        return top, count - 1 if bottom < 0 else bottom

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        on_screen = self.visible_rows()
        if on_screen is None or not self.isVisible():
            return
        first, last = max(top_left.row(), on_screen[0]), min(bottom_right.row(), on_screen[1])
        if first > last:
            return
        top = self.rowViewportPosition(first)
        bottom = self.rowViewportPosition(last) + self.rowHeight(last)
        self.viewport().update(0, top, self.viewport().width(), bottom - top)


class BlotterView(QWidget, Generic[R]):
    """A sortable table of row snapshots; optionally filtered to one parent order.

    Rows arrive through `upsert`/`upsert_many` and appear at the model's next flush (10-20 Hz).
    """

    selected_key_changed = Signal(str)
    """Key (id) of the row now current; "" when none."""

    def __init__(
        self,
        columns: Sequence[Column],
        key: Callable[[R], str],
        noun: str,
        filter_key: Callable[[R], str] | None = None,
        flush_hz: float = DEFAULT_FLUSH_HZ,
        parent: QWidget | None = None,
        filters: FilterFields | None = None,
        newest_first_option: bool = False,
    ) -> None:
        super().__init__(parent)
        self._noun = noun
        self._selected = ""
        self.model: CoalescingTableModel[R] = CoalescingTableModel(
            columns, key, filter_key=filter_key, flush_hz=flush_hz, parent=self
        )
        self.table = BlotterTable(self)
        self._setup_table()
        self.model.visible_rows = self.table.visible_rows
        self.choose_export_file: ChooseExportFile = ask_for_export_file
        self._fields = filters or FilterFields()
        self._row_filter = RowFilter()
        self._parent_accounts: Callable[[str], Collection[str]] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._filter_label: QLabel | None = None
        self._show_all: QPushButton | None = None
        self.newest_first: QCheckBox | None = None
        self.filters = FilterBar(self._fields, self._symbols, self._accounts)
        self.filters.changed.connect(self.set_row_filter)
        layout.addWidget(self._filter_bar(filter_key is not None, newest_first_option))
        layout.addWidget(self.table)

    # --- rows --------------------------------------------------------------------------------------

    def upsert(self, row: R) -> None:
        self.model.upsert(row)

    def upsert_many(self, rows: Iterable[R]) -> None:
        self.model.upsert_many(rows)

    def flush(self) -> None:
        """Show pending rows now (tests; the timer does it otherwise)."""
        self.model.flush()

    def clear(self) -> None:
        self.model.clear()

    # --- selection and filter ----------------------------------------------------------------------

    def selected_key(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.key_at(index.row()) if index.isValid() else None

    def selected_rows(self) -> list[int]:
        """Visible rows selected, top to bottom (the current row when nothing is selected)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return rows

    def selected_keys(self) -> list[str]:
        """Keys of the selected rows, top to bottom (bulk actions act on these)."""
        return [self.model.key_at(row) for row in self.selected_rows()]

    def set_row_filter(self, wanted: RowFilter) -> None:
        """Working only / symbol / account, on top of the parent filter."""
        self._row_filter = wanted
        self.model.set_row_filter(row_predicate(wanted, self._fields))
        if self.filters.value() != wanted:
            self.filters.set_value(wanted)

    @property
    def row_filter(self) -> RowFilter:
        return self._row_filter

    def set_parent_accounts(self, accounts_of_parent: Callable[[str], Collection[str]]) -> None:
        """Where a parent's accounts come from (its tickets'): lets parents and children filter by account."""
        self._parent_accounts = accounts_of_parent
        if self._row_filter.account:
            self.set_row_filter(self._row_filter)

    def accounts_of_parent(self, parent_id: str) -> Collection[str]:
        return self._parent_accounts(parent_id) if self._parent_accounts is not None else ()

    def set_newest_first(self, newest_first: bool) -> None:
        """Unsorted, newest row on top (the header's sort indicator is cleared)."""
        if newest_first:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
        self.model.set_newest_first(newest_first)
        if self.newest_first is not None and self.newest_first.isChecked() != newest_first:
            self.newest_first.blockSignals(True)
            self.newest_first.setChecked(newest_first)
            self.newest_first.blockSignals(False)

    # --- export ------------------------------------------------------------------------------------

    def export_csv(self, path: str | Path | None = None) -> int | None:
        """Write the shown rows and columns, as shown, to a CSV file (asked for when not given).

        Returns the number of rows written, None when no file was chosen.
        """
        if path is None:
            path = self.choose_export_file(self, f"{self._noun.replace(' ', '_')}.csv")
            if not path:
                return None
        written = write_csv(path, table_text(self.model, self.table.horizontalHeader()))
        self.set_note(f"{written:,} {self._noun} exported to {Path(path).name}")
        return written

    def copy_rows(self, rows: Sequence[int] | None = None) -> str:
        """The selected rows (or the given ones), with the header, to the clipboard as tab-separated text."""
        text = tab_separated(table_text(self.model, self.table.horizontalHeader(),
                                        self.selected_rows() if rows is None else rows))
        QGuiApplication.clipboard().setText(text)
        return text

    def set_note(self, text: str) -> None:
        """A short message at the right of the blotter's bar (e.g. what an export wrote)."""
        self.note.setText(text)

    def select_key(self, key: str) -> bool:
        """Make the row with this key current and selected; False when it is not shown."""
        row = self.model.visible_row_of(key)
        if row is None:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def set_parent_filter(self, parent_id: str | None) -> None:
        """Show only rows of one parent order ("" or None: every row)."""
        value = parent_id or None
        self.model.set_filter_value(value)
        if self._filter_label is not None and self._show_all is not None:
            if value is None:
                self._filter_label.setText(f"All {self._noun}")
            else:
                self._filter_label.setText(f"{self._noun.capitalize()} of parent {value}")
            self._show_all.setEnabled(value is not None)

    # --- internals ---------------------------------------------------------------------------------

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setItemDelegate(FullTextTooltips(table))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setCornerButtonEnabled(False)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size hints at 100k rows
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSortIndicatorClearable(True)  # third click returns to arrival order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        make_columns_choosable(header)
        header.sortIndicatorChanged.connect(self._on_sort_changed)
        metrics = table.fontMetrics()
        for section, column in enumerate(self.model.columns):
            sample = max(column.header, column.sample, key=len)
            header.resizeSection(section, metrics.horizontalAdvance(sample) + _CELL_PADDING_PX)
        table.selectionModel().currentRowChanged.connect(self._on_current_row)

    def _filter_bar(self, by_parent: bool, newest_first_option: bool) -> QWidget:
        bar = QWidget(self)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.filters)
        if newest_first_option:
            self.newest_first = QCheckBox("Newest first", bar)
            self.newest_first.setToolTip(f"The latest {self._noun} on top (a column sort replaces it)")
            self.newest_first.toggled.connect(self.set_newest_first)
            layout.addWidget(self.newest_first)
        if by_parent:
            self._filter_label = QLabel(f"All {self._noun}", bar)
            self._filter_label.setObjectName("filterBar")
            self._filter_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(self._filter_label, 1)
        self.note = QLabel("", bar)
        self.note.setProperty("role", "muted")
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.note, 1)
        if by_parent:
            self._show_all = QPushButton("Show all", bar)
            self._show_all.setEnabled(False)
            self._show_all.setToolTip(f"Show the {self._noun} of every parent order")
            self._show_all.clicked.connect(lambda: self.set_parent_filter(None))
            layout.addWidget(self._show_all)
        self.table_button = QToolButton(bar)
        self.table_button.setText("Table")
        self.table_button.setToolTip("Columns shown (drag a header to reorder; kept with the layout), copy, "
                                     "export to CSV")
        self.table_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.table_menu = QMenu(self.table_button)
        self.table_menu.aboutToShow.connect(self._fill_table_menu)
        self.table_button.setMenu(self.table_menu)
        layout.addWidget(self.table_button)
        return bar

    def _fill_table_menu(self) -> None:
        menu = self.table_menu
        menu.clear()
        menu.addMenu(columns_menu(self.table.horizontalHeader(), menu))
        menu.addSeparator()
        menu.addAction("Copy selected rows", lambda: self.copy_rows())
        menu.addAction("Export shown rows to CSV…", lambda: self.export_csv())

    def _on_sort_changed(self, column: int, _order: Qt.SortOrder) -> None:
        if column >= 0 and self.newest_first is not None and self.newest_first.isChecked():
            self.newest_first.blockSignals(True)
            self.newest_first.setChecked(False)
            self.newest_first.blockSignals(False)

    def _symbols(self) -> list[str]:
        symbol_of = self._fields.symbol_of
        return self.model.distinct(symbol_of) if symbol_of is not None else []

    def _accounts(self) -> list[str]:
        accounts_of = self._fields.accounts_of
        return self.model.distinct(accounts_of) if accounts_of is not None else []

    def _on_current_row(self, current: QModelIndex | QPersistentModelIndex, _: object) -> None:
        key = self.model.key_at(current.row()) if current.isValid() else ""
        if key != self._selected:
            self._selected = key
            self.selected_key_changed.emit(key)
