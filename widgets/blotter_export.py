"""A blotter as the trader sees it, as CSV or tab-separated text: shown rows in the shown order, shown
columns in the shown order, cells as displayed (prices at their precision, times HH:MM:SS.mmm)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QHeaderView

_NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shown_columns(header: QHeaderView) -> list[int]:
    """Logical column indexes in the order they are shown, hidden ones left out."""
    columns = [header.logicalIndex(visual) for visual in range(header.count())]
    return [column for column in columns if not header.isSectionHidden(column)]


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (an OMS's or a venue's message could start with "=");
    numbers such as "-5" or "+3.1" stay as they are."""
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def table_text(model: QAbstractItemModel, header: QHeaderView, rows: Sequence[int] | None = None) -> list[list[str]]:
    """The header line and one line per row (all shown rows, or the given ones) of display texts."""
    columns = shown_columns(header)
    display = Qt.ItemDataRole.DisplayRole
    lines = [[str(model.headerData(c, Qt.Orientation.Horizontal, display) or "") for c in columns]]
    for row in range(model.rowCount()) if rows is None else rows:
        lines.append([safe_cell(str(model.data(model.index(row, c), display) or "")) for c in columns])
    return lines


def write_csv(path: str | Path, lines: list[list[str]]) -> int:
    """Write the lines as CSV (UTF-8, header first); returns the number of data rows."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(lines)
    return max(0, len(lines) - 1)


def tab_separated(lines: list[list[str]]) -> str:
    """Lines as tab-separated text, for the clipboard (pastes into a spreadsheet as cells)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(lines)
    return buffer.getvalue()
