"""A blotter's columns under the trader's control: shown or hidden, dragged into any order (both kept
in the header's state, which the main window saves with the layout), and a tooltip with the whole text
of any cell too narrow for it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

_TEXT_MARGIN_PX = 8
"""Room the style leaves around a cell's text (both sides together)."""


def columns_menu(header: QHeaderView, parent: QWidget | None = None) -> QMenu:
    """One checkable entry per column (checked = shown), and one to show them all again.

    The last shown column cannot be hidden: a blotter without columns cannot be got back from.
    """
    menu = QMenu("Columns", parent)
    model = header.model()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    for visual in range(header.count()):
        column = header.logicalIndex(visual)
        title = str(model.headerData(column, Qt.Orientation.Horizontal)) if model is not None else str(column)
        action = menu.addAction(title)
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(column))
        action.setEnabled(not (len(shown) == 1 and column in shown))
        action.toggled.connect(lambda on, c=column: header.setSectionHidden(c, not on))
    menu.addSeparator()
    show_all = menu.addAction("Show every column")
    show_all.triggered.connect(lambda: show_every_column(header))
    return menu


def show_every_column(header: QHeaderView) -> None:
    for column in range(header.count()):
        header.showSection(column)


def make_columns_choosable(header: QHeaderView) -> None:
    """Columns can be dragged into another order, and right-clicking the header offers the chooser."""
    header.setSectionsMovable(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def popup(position: QPoint) -> None:
        menu = columns_menu(header, header)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(header.mapToGlobal(position))

    header.customContextMenuRequested.connect(popup)


def is_truncated(view: QAbstractItemView, index: QModelIndex | QPersistentModelIndex, text: str) -> bool:
    """Whether `text` is wider than its cell shows (Qt then elides it with "…")."""
    width = view.columnWidth(index.column()) if isinstance(view, QTableView) else view.visualRect(index).width()
    return view.fontMetrics().horizontalAdvance(text) + _TEXT_MARGIN_PX > width


class FullTextTooltips(QStyledItemDelegate):
    """Shows a cell's whole text as its tooltip when the cell is too narrow for it, nothing otherwise."""

    def helpEvent(
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event is None or view is None or event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if text and is_truncated(view, index, text):
            QToolTip.showText(event.globalPos(), text, view)
        else:
            QToolTip.hideText()
        return True
