"""The risk panel: limit utilization bars, trading state per scope, positions and P&L, recent blocks and warnings,
and the limits in force with their editor (`limits`: widgets/limits_editor.py).

It renders what it is given (`show(snapshot)`: any object with the engine's risk snapshot attributes —
`utilization`, `states`, `positions`, `firm`, `recent`); it never reads the engine. Four small tables, each a
`QAbstractTableModel` reset on each show (a few dozen rows, shown at a few Hz); utilization is drawn as a bar
that turns amber past 80% and red at the limit. "Resume all" asks for the selected state's scope to be resumed
(`resume_all_requested(scope, key)`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets import formatting as fmt
from widgets import theme
from widgets.limits_editor import LimitsTab

Index = QModelIndex | QPersistentModelIndex
WARN_AT = 0.8


class RowsModel(QAbstractTableModel):
    """Rows of already formatted cells; a column may colour its text or carry a fraction (bars)."""

    def __init__(self, headers: Sequence[str], colour: Callable[[int, Any], Any] | None = None) -> None:
        super().__init__()
        self.headers = list(headers)
        self.rows: list[tuple[Any, ...]] = []
        self._colour = colour

    def set_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation is Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return value if isinstance(value, str) else f"{value:.0%}"
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.ForegroundRole and self._colour is not None:
            return self._colour(index.column(), self.rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, str) and _numeric(value):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BarDelegate(QStyledItemDelegate):
    """Draws a cell's fraction (UserRole) as a bar with its percentage."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(Qt.ItemDataRole.UserRole)
        if not isinstance(fraction, float):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect.adjusted(2, 3, -2, -3)  # type: ignore[attr-defined]
        colour = theme.ERROR if fraction >= 1.0 else theme.WARN if fraction >= WARN_AT else theme.OK
        painter.save()
        painter.fillRect(rect, theme.MUTED.darker(300))
        painter.fillRect(QRect(rect.left(), rect.top(), int(rect.width() * min(fraction, 1.0)), rect.height()), colour)
        painter.setPen(theme.color("text_bright"))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), f"{fraction:.0%}")
        painter.restore()


class RiskPanel(QWidget):
    """Utilization | States | Positions & P&L | Blocks & warnings | Limits."""

    resume_all_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("no positions")
        self.summary.setObjectName("riskSummary")
        self.utilization = RowsModel(("Control", "Scope", "Used", "Limit", "Utilization"))
        self.states = RowsModel(("Scope", "Key", "State", "Reason"), _state_colour)
        self.positions = RowsModel(("Account", "Symbol", "Position", "Avg price", "Mark", "Realized", "Unrealized",
                                    "Fees", "Total"), _pnl_colour)
        self.recent = RowsModel(("Time", "Kind", "Target", "Rule", "Text"), _kind_colour)
        self.tabs = QTabWidget()
        self.views: dict[str, QTableView] = {}
        for title, model in (("Utilization", self.utilization), ("States", self.states),
                             ("Positions && P&&L", self.positions), ("Blocks && warnings", self.recent)):
            view = QTableView()
            view.setModel(model)
            view.verticalHeader().setVisible(False)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.horizontalHeader().setStretchLastSection(True)
            view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
            self.views[title.replace("&&", "&")] = view
            self.tabs.addTab(view, title)
        self.views["Utilization"].setItemDelegateForColumn(4, BarDelegate(self))
        self.limits = LimitsTab()
        self.tabs.addTab(self.limits, "Limits")
        self.resume_button = QPushButton("Resume all in scope")
        self.resume_button.setToolTip("Resume every paused parent of the selected scope (after a re-enable)")
        self.resume_button.clicked.connect(self._resume_selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)
        layout.addWidget(self.resume_button)
        self.tabs.currentChanged.connect(lambda _: self.resume_button.setVisible(self.tabs.currentWidget() is not
                                                                                 self.limits))

    def show_snapshot(self, snapshot: Any) -> None:
        """Render a risk snapshot (engine.risk.snapshot.RiskSnapshot or anything with its attributes)."""
        firm = snapshot.firm
        self.summary.setText(f"P&L {_money(firm.total)}  (realized {_money(firm.realized)}, unrealized "
                             f"{_money(firm.unrealized)}, fees {_money(firm.fees)})")
        self.utilization.set_rows([(u.control, f"{u.scope} {u.key}".strip(), _number(u.used), _number(u.limit),
                                    float(u.fraction)) for u in snapshot.utilization])
        self.states.set_rows([(s.scope, s.key, s.state, s.reason) for s in snapshot.states])
        self.positions.set_rows([(p.account or "firm", p.symbol, fmt.integer(p.position),
                                  "" if p.avg_price is None else f"{p.avg_price:.4f}", fmt.decimal(p.mark),
                                  _money(p.realized), _money(p.unrealized), _money(p.fees), _money(p.total))
                                 for p in snapshot.positions])
        self.recent.set_rows([(fmt.time_of_day(d.ts_ns), d.kind, d.target, d.rule, d.text)
                              for d in reversed(snapshot.recent)])

    def _resume_selected(self) -> None:
        rows = self.views["States"].selectionModel().selectedRows()
        if rows:
            scope, key = self.states.rows[rows[0].row()][:2]
            self.resume_all_requested.emit(scope, key)
        else:
            self.resume_all_requested.emit("firm", "")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _number(value: Decimal) -> str:
    return f"{value:,.2f}" if value != value.to_integral_value() else f"{int(value):,}"


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def _state_colour(column: int, row: tuple[Any, ...]) -> Any:
    if column == 2:
        return theme.ERROR if row[2] == "HALTED" else theme.WARN if row[2] == "REDUCING" else None
    return None


def _pnl_colour(column: int, row: tuple[Any, ...]) -> Any:
    if column in (5, 6, 8) and isinstance(row[column], str) and row[column].startswith("-"):
        return theme.ERROR
    return None


def _kind_colour(column: int, row: tuple[Any, ...]) -> Any:
    if column == 1:
        return {"block": theme.ERROR, "kill": theme.ERROR, "warn": theme.WARN}.get(row[1])
    return None
