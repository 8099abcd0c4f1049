"""A table model over row snapshots that repaints on a timer, not on every event.

`upsert` only records the newest snapshot per key; a QTimer (default 15 Hz) applies the pending work:
one `beginInsertRows`/`endInsertRows` for all new rows and one `dataChanged` per contiguous range of
changed rows on screen (plus one above and one below it, so off-screen changes cost no paint; at most
`max_ranges` on screen). A burst of 10k updates is therefore one repaint of the rows that changed.

Rows are stored once, in arrival order; what is shown and in which order is `RowOrder`'s. When sorted,
rows whose sort value changed move at the flush if they are few; a bigger wave is shown in place and
re-sorted by a slower timer (default 1 s), so a busy 100k-row sort costs one merge a second.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from widgets.columns import Column, as_is
from widgets.row_order import Accepts, RowOrder, SortValue, SortValues, dirty_ranges

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Raw comparable value of a cell (Decimal, int, float, str), never its display text."""
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""The row's key (its id)."""

DEFAULT_FLUSH_HZ = 15.0
DEFAULT_RESORT_MS = 1_000
IMMEDIATE_MOVES = 64
"""Up to this many rows whose sort value changed move at once; a bigger wave waits for the resort
timer, so a sorted 100k-row blotter under thousands of updates/s re-sorts about once a second."""
DEFAULT_MAX_RANGES = 16


class CoalescingTableModel(QAbstractTableModel, Generic[R]):
    """Rows keyed by id; updates are recorded on `upsert` and applied together on the flush timer.

    Sorting (`sort`, driven by the view's header) and the exact-match filter (`set_filter_value`) live
    in the model's `RowOrder`, not in a proxy: see row_order.py for why.
    """

    flushed = Signal(int, int)
    """(rows inserted, rows changed) after each flush that did any work."""

    def __init__(
        self,
        columns: Sequence[Column],
        key: Callable[[R], str],
        filter_key: Callable[[R], str] | None = None,
        flush_hz: float = DEFAULT_FLUSH_HZ,
        max_ranges: int = DEFAULT_MAX_RANGES,
        resort_ms: int = DEFAULT_RESORT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._key = key
        self._filter_key = filter_key
        self._filter_value: str | None = None
        self._row_filter: Callable[[R], bool] | None = None
        self._newest_first = False
        self._max_ranges = max_ranges
        self._rows: list[R] = []
        self._index: dict[str, int] = {}
        self._pending: dict[str, R] = {}
        self._order = RowOrder()
        self._sort_column = -1
        self.last_flush_s = 0.0
        """Wall time the last flush took (diagnostics: status bar, benchmarks)."""
        self.visible_rows: Callable[[], tuple[int, int] | None] | None = None
        """Set by a view: the rows on screen now, so changes there get exact ranges (see _emit_changed)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(1000 / flush_hz)))
        self._timer.timeout.connect(lambda: self._flush(defer_moves=True))
        self._resort_timer = QTimer(self)
        self._resort_timer.setSingleShot(True)
        self._resort_timer.setInterval(max(1, resort_ms))
        self._resort_timer.timeout.connect(self._move_stale)

    # --- writing -----------------------------------------------------------------------------------

    def upsert(self, row: R) -> None:
        """Record the newest snapshot of a row; shown at the next flush."""
        self._pending[self._key(row)] = row
        if not self._timer.isActive():
            self._timer.start()

    def upsert_many(self, rows: Iterable[R]) -> None:
        """Record many snapshots at once (a later one for the same key wins)."""
        key = self._key
        pending = self._pending
        for row in rows:
            pending[key(row)] = row
        if pending and not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Apply all pending work now, deferred moves of sorted rows included."""
        self._flush(defer_moves=False)
        self._move_stale()

    def _flush(self, defer_moves: bool) -> None:
        self._timer.stop()
        if not self._pending:
            return
        started = time.perf_counter()
        try:
            self._apply_pending(defer_moves)
        finally:
            self.last_flush_s = time.perf_counter() - started

    def _apply_pending(self, defer_moves: bool) -> None:
        pending, self._pending = self._pending, {}
        rows, index, order = self._rows, self._index, self._order
        new: list[int] = []
        changed: list[int] = []
        for key, snapshot in pending.items():
            at = index.get(key)
            if at is None:
                at = index[key] = len(rows)
                rows.append(snapshot)
                new.append(at)
            else:
                rows[at] = snapshot
                changed.append(at)
        if changed:
            moved, membership = order.moves(changed)
            if membership:
                self._rebuild()  # a row entered or left the filter: rare, so start over
                self.flushed.emit(len(new), len(changed))
                return
            if moved and defer_moves and (order.stale_count or len(moved) > IMMEDIATE_MOVES):
                order.defer(moved)
                if not self._resort_timer.isActive():
                    self._resort_timer.start()
            elif moved:
                self._relayout(lambda: order.move(moved))
            self._emit_changed(changed)
        if new:
            self._insert(new)
        self.flushed.emit(len(new), len(changed))

    def _move_stale(self) -> None:
        self._resort_timer.stop()
        if self._order.stale_count:
            self._relayout(self._order.move_stale)

    def clear(self) -> None:
        """Forget every row (e.g. before replaying a journal)."""
        self.beginResetModel()
        self._rows.clear()
        self._index.clear()
        self._pending.clear()
        self._timer.stop()
        self._configure_order()
        self.endResetModel()

    def set_filter_value(self, value: str | None) -> None:
        """Show only rows whose filter key (e.g. parent id) equals `value`; None shows every row."""
        if value == self._filter_value:
            return
        self._filter_value = value
        self.beginResetModel()
        self._configure_order()
        self.endResetModel()

    def set_row_filter(self, accepts: Callable[[R], bool] | None) -> None:
        """Show only rows this predicate accepts (working only, a symbol, an account), on top of the
        filter value; None drops it. Call again after what the predicate reads changed."""
        self._row_filter = accepts
        self._rebuild()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order rows by a column's raw value (Decimal, int, name); column -1 restores arrival order
        (newest first when `set_newest_first` asked for it)."""
        self._sort_column = column if 0 <= column < len(self._columns) else -1
        descending = order == Qt.SortOrder.DescendingOrder
        if self._sort_column >= 0:
            self._newest_first = False
        self._relayout(lambda: self._configure_order(descending))

    def set_newest_first(self, newest_first: bool) -> None:
        """Unsorted rows in reverse arrival order (the latest child on top); a column sort overrides it."""
        self._newest_first = newest_first
        if newest_first:
            self._sort_column = -1
        if self._sort_column < 0:
            self._relayout(lambda: self._configure_order(newest_first))

    @property
    def newest_first(self) -> bool:
        return self._newest_first and self._sort_column < 0

    def distinct(self, value: Callable[[R], object]) -> list[str]:
        """Sorted distinct non-empty texts a value takes over the stored rows (filter choices); each
        member of a set, tuple or list value counts."""
        seen: set[str] = set()
        for found in map(value, self._rows):
            if isinstance(found, set | frozenset | tuple | list):
                seen.update(map(str, found))
            elif found is not None:
                seen.add(str(found))
        seen.discard("")
        return sorted(seen)

    # --- reading -----------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def filter_value(self) -> str | None:
        return self._filter_value

    @property
    def stored_count(self) -> int:
        """Rows held, shown or filtered out."""
        return len(self._rows)

    def get(self, key: str) -> R | None:
        """The applied snapshot of a key, shown or filtered out (None when unknown)."""
        at = self._index.get(key)
        return None if at is None else self._rows[at]

    def row_at(self, row: int) -> R:
        """Snapshot shown at a visible row."""
        return self._rows[self._order.storage_row(row)]

    def key_at(self, row: int) -> str:
        return self._key(self.row_at(row))

    def visible_row_of(self, key: str) -> int | None:
        """Visible row of a key already applied (not pending), or None when absent or filtered out."""
        at = self._index.get(key)
        return None if at is None else self._order.visible_row(at)

    def visible_keys(self) -> list[str]:
        """Keys in the order shown."""
        return [self._key(self._rows[at]) for at in self._order.visible_rows()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == _DISPLAY:
            return self._columns[section].header
        if role == _TOOLTIP:
            return self._columns[section].tooltip
        if role == _ALIGN:
            return self._columns[section].align
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> object:
        # Hot path: called per visible cell and role on every repaint; keep it flat.
        spec = self._columns[index.column()]
        if role == _DISPLAY:
            return spec.fmt(spec.value(self._rows[self._order.storage_row(index.row())]))
        if role == _ALIGN:
            return spec.align
        if role == _FOREGROUND:
            if spec.foreground is None:
                return None
            return spec.foreground(self._rows[self._order.storage_row(index.row())])
        if role == SORT_ROLE:
            return spec.sort_key(spec.value(self._rows[self._order.storage_row(index.row())]))
        if role == KEY_ROLE:
            return self._key(self._rows[self._order.storage_row(index.row())])
        return None

    # --- internals ---------------------------------------------------------------------------------

    def _configure_order(self, descending: bool | None = None) -> None:
        column = self._sort_column
        value: SortValue | None = None
        values: SortValues | None = None
        if column < 0 and self._newest_first:
            value, values, descending = int, list, True  # the storage row is the arrival order
        elif column >= 0:
            rows = self._rows
            getter, sort_key = self._columns[column].value, self._columns[column].sort_key

            def value(at: int) -> object:
                return sort_key(getter(rows[at]))

            def values(ats: Sequence[int]) -> list[object]:
                raw = map(getter, map(rows.__getitem__, ats))  # C-level loops for 100k-row sorts
                return list(raw) if sort_key is as_is else list(map(sort_key, raw))

        accepts: Accepts | None = None
        rows, wanted, row_filter = self._rows, self._filter_value, self._row_filter
        filter_key = self._filter_key if wanted is not None else None
        if filter_key is not None and row_filter is not None:

            def accepts(at: int) -> bool:
                row = rows[at]
                return filter_key(row) == wanted and row_filter(row)

        elif filter_key is not None:

            def accepts(at: int) -> bool:
                return filter_key(rows[at]) == wanted

        elif row_filter is not None:

            def accepts(at: int) -> bool:
                return row_filter(rows[at])

        if descending is None:
            descending = self._order.descending
        self._order.configure(value, descending, accepts, len(self._rows), values)

    def _rebuild(self) -> None:
        self.beginResetModel()
        self._configure_order()
        self.endResetModel()

    def _insert(self, new: list[int]) -> None:
        order = self._order
        placed = order.park(new)
        if placed is None:
            return
        first, last = placed
        self.beginInsertRows(QModelIndex(), first, last)
        self.endInsertRows()
        if order.needs_settling():
            self._relayout(order.settle)
        else:
            order.settle()

    def _relayout(self, mutate: Callable[[], None]) -> None:
        """Reorder rows (count unchanged), keeping selections and the current row on the same rows."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        stored = [self._order.storage_row(ix.row()) for ix in before]
        mutate()
        after = []
        for ix, at in zip(before, stored, strict=True):
            row = self._order.visible_row(at)
            after.append(QModelIndex() if row is None else self.index(row, ix.column()))
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _emit_changed(self, changed: list[int]) -> None:
        order = self._order
        shown = [row for at in changed if (row := order.visible_row(at)) is not None]
        if not shown:
            return
        shown.sort()
        last_column = len(self._columns) - 1
        for first, last in self._ranges(shown):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))

    def _ranges(self, rows: list[int]) -> list[tuple[int, int]]:
        """Ranges to announce: exact on screen (only changed rows repaint), one above and one below."""
        on_screen = self.visible_rows() if self.visible_rows is not None else None
        if on_screen is None:
            return dirty_ranges(rows, self._max_ranges)
        top, bottom = on_screen
        lo, hi = bisect_left(rows, top), bisect_right(rows, bottom)
        ranges = dirty_ranges(rows[lo:hi], self._max_ranges)
        if lo:
            ranges.insert(0, (rows[0], rows[lo - 1]))
        if hi < len(rows):
            ranges.append((rows[hi], rows[-1]))
        return ranges
