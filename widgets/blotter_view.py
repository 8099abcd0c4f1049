"""A blotter on screen: a `CoalescingTableModel` in a `QTableView` set up for large, busy tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets.blotter_model import DEFAULT_FLUSH_HZ, CoalescingTableModel
from widgets.columns import Column

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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._filter_label: QLabel | None = None
        self._show_all: QPushButton | None = None
        if filter_key is not None:
            layout.addWidget(self._filter_bar())
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
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
        metrics = table.fontMetrics()
        for section, column in enumerate(self.model.columns):
            sample = max(column.header, column.sample, key=len)
            header.resizeSection(section, metrics.horizontalAdvance(sample) + _CELL_PADDING_PX)
        table.selectionModel().currentRowChanged.connect(self._on_current_row)

    def _filter_bar(self) -> QWidget:
        bar = QWidget(self)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(6, 2, 6, 2)
        self._filter_label = QLabel(f"All {self._noun}", bar)
        self._filter_label.setObjectName("filterBar")
        self._show_all = QPushButton("Show all", bar)
        self._show_all.setEnabled(False)
        self._show_all.setToolTip(f"Show the {self._noun} of every parent order")
        self._show_all.clicked.connect(lambda: self.set_parent_filter(None))
        layout.addWidget(self._filter_label)
        layout.addStretch(1)
        layout.addWidget(self._show_all)
        return bar

    def _on_current_row(self, current: QModelIndex | QPersistentModelIndex, _: object) -> None:
        key = self.model.key_at(current.row()) if current.isValid() else ""
        if key != self._selected:
            self._selected = key
            self.selected_key_changed.emit(key)
