"""Tables that only show (the book ladder, time and sales, the venues): nothing to select or edit, no grid,
rows one line of text high."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def make_display_only(table: QTableView) -> None:
    """Set `table` up as a display: no selection, no editing, no grid, compact rows."""
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
