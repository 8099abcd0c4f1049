"""The limits table of the Risk dock: each control's mode, firm value and values per scope, as in force.

It renders what it is given (`set_limits(rows)`: objects with the attributes of the engine's
`engine.risk.limits.LimitRow` — control, mode, firm, overrides, unit, edited); it never reads the engine. The
model is reset only when the rows change (the dock refreshes at a few Hz; a reset would drop the selection).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from widgets import theme

Index = QModelIndex | QPersistentModelIndex
SCOPE_COLUMNS = ("instrument", "account", "desk", "venue")
HEADERS = ("Control", "Mode", "Firm", "Unit", "Instrument", "Account", "Desk", "Venue", "Edited")
MAX_SHOWN = 6
"""Values per scope cell; past that the cell says how many more there are."""


def limit_text(value: Decimal | None) -> str:
    """A limit as the trader reads it: thousands separated, no trailing zeros ("" for none)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def scope_text(overrides: Sequence[tuple[str, str, Decimal]], scope: str) -> str:
    """One scope's values of a control: "AAPL 500, MSFT 100" (the first few, then how many more)."""
    values = [f"{key} {limit_text(value)}" for where, key, value in overrides if where == scope]
    if len(values) > MAX_SHOWN:
        values = [*values[:MAX_SHOWN], f"+{len(values) - MAX_SHOWN} more"]
    return ", ".join(values)


class LimitsModel(QAbstractTableModel):
    """One row per control; the limit rows as given are kept in `limits` (the editor reads them)."""

    def __init__(self) -> None:
        super().__init__()
        self.limits: list[Any] = []
        self.rows: list[tuple[str, ...]] = []

    def set_limits(self, limits: Sequence[Any]) -> None:
        rows = [(r.control, r.mode, limit_text(r.firm), r.unit,
                 *(scope_text(r.overrides, scope) for scope in SCOPE_COLUMNS), "yes" if r.edited else "")
                for r in limits]
        if rows == self.rows:
            return
        self.beginResetModel()
        self.limits, self.rows = list(limits), rows
        self.endResetModel()

    def limit(self, control: str) -> Any | None:
        """The row of `control` as given (None: not shown)."""
        return next((r for r in self.limits if r.control == control), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation is Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row[column]
        if role == Qt.ItemDataRole.ToolTipRole and column >= 4:
            return row[column] or None
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return {"hard": theme.ERROR, "soft": theme.WARN, "off": theme.MUTED}.get(row[1])
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
