"""The audit trail of the selected parent or ticket: every record that concerns it in order, filterable, exportable.

Rows are any objects with `time`, `category`, `record`, `order_id` and `text` (the engine's `AuditRow`
fits); the view never imports the engine. A text box filters on every column, a choice narrows to one
category; Export writes the rows shown through the exporter the app gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

COLUMNS = (("Time", "time"), ("Category", "category"), ("Record", "record"), ("Order", "order_id"), ("What", "text"))
ALL = "all categories"
Index = QModelIndex | QPersistentModelIndex
ChooseFile = Callable[[QWidget, str], str]
Exporter = Callable[[Sequence[Any], str], None]


def ask_for_csv_path(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export audit trail", suggested, "CSV files (*.csv)")
    return path


class AuditModel(QAbstractTableModel):
    """A list of audit rows, replaced whole when another order is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return str(getattr(self.rows[index.row()], COLUMNS[index.column()][1]))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.category = ""
        self.needle = ""

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AuditModel)
        row = model.rows[source_row]
        if self.category and row.category != self.category:
            return False
        if not self.needle:
            return True
        return any(self.needle in str(getattr(row, attribute)).lower() for _, attribute in COLUMNS)


class AuditView(QWidget):
    """Audit trail dock: filter box, category choice, Refresh and Export; `refresh_requested(order_id)`."""

    refresh_requested = Signal(str)

    def __init__(self, exporter: Exporter, choose_file: ChooseFile = ask_for_csv_path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exporter = exporter
        self._choose_file = choose_file
        self.order_id = ""
        self.model = AuditModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.title = QLabel("Select a parent order to see its audit trail", self)
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("Filter: child id, venue, reason, price…")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self._on_filter)
        self.category = QComboBox(self)
        self.category.currentTextChanged.connect(self._on_filter)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.clicked.connect(self.export)
        bar = QHBoxLayout()
        for widget in (self.filter_box, self.category, self.refresh_button, self.export_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self._set_categories([])
        self.export_button.setEnabled(False)

    def refresh(self) -> None:
        """Ask for the shown order's trail again (the journal grows while it works)."""
        if self.order_id:
            self.refresh_requested.emit(self.order_id)

    def show_loading(self, order_id: str) -> None:
        self.order_id = order_id
        self.title.setText(f"Audit trail of {order_id}: reading the journal…")

    def set_rows(self, order_id: str, rows: Sequence[Any]) -> None:
        """Show `rows` (journal order) as the trail of `order_id`."""
        self.order_id = order_id
        self.model.set_rows(rows)
        self._set_categories(sorted({r.category for r in rows}))
        self.title.setText(f"Audit trail of {order_id}: {len(rows):,} records")
        self.export_button.setEnabled(bool(rows))
        self.table.resizeColumnsToContents()

    def show_error(self, order_id: str, message: str) -> None:
        self.order_id = order_id
        self.model.set_rows([])
        self.title.setText(f"Audit trail of {order_id}: {message}")
        self.export_button.setEnabled(False)

    def visible_rows(self) -> list[Any]:
        """The rows the filter shows, in journal order."""
        return [self.model.rows[self.proxy.mapToSource(self.proxy.index(i, 0)).row()]
                for i in range(self.proxy.rowCount())]

    def export(self) -> str:
        """Write the rows shown to a CSV file the trader picks; returns its path ("" when cancelled)."""
        path = self._choose_file(self, f"audit-{self.order_id}.csv")
        if path:
            self._exporter(self.visible_rows(), path)
            self.title.setText(f"Audit trail of {self.order_id}: {self.proxy.rowCount():,} records written to {path}")
        return path

    def _set_categories(self, categories: Sequence[str]) -> None:
        current = self.category.currentText()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItems([ALL, *categories])
        self.category.setCurrentText(current if current in categories else ALL)
        self.category.blockSignals(False)
        self._on_filter()

    def _on_filter(self, *_: object) -> None:
        choice = self.category.currentText()
        self.proxy.beginFilterChange()
        self.proxy.category = "" if choice == ALL else choice
        self.proxy.needle = self.filter_box.text().strip().lower()[:200]
        self.proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
