"""Which stored rows a blotter shows, and in what order: sorting and filtering in bulk Python.

Kept out of Qt on purpose. A `QSortFilterProxyModel` over a Python model makes one Python call per
comparison (~11 µs here): sorting 100k rows took 19 s and switching a filter ~1 s. Here every row's
sort key is computed once when it is placed and kept in `_placed`, so sorts, bisections and lookups
run at C speed (`list.sort`/`bisect` with `key=_placed.__getitem__`), and an update moves only the
rows whose key changed.

Storage rows are integers (a row's place in the model's list, fixed for life). The order ascends by
key = (sort value, storage row): ties keep arrival order and every key is unique. A descending sort
is the same list read backwards; empty (None) values go last either way. Unsorted, the key is the
storage row itself.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

SortValue = Callable[[int], object]
"""Storage row -> raw comparable value of the sort column (None = empty cell)."""
SortValues = Callable[[Sequence[int]], list[object]]
"""The same for many storage rows at once (a model can do it with C-level `map`)."""
Accepts = Callable[[int], bool]
"""Storage row -> shown under the current filter."""

_ONE_BY_ONE = 200  # up to this many rows are re-placed by bisection; more by one merge


class _Extreme:
    """Compares above (or below) every value, so empty cells sort to one end whatever the column type."""

    __slots__ = ("_high",)

    def __init__(self, high: bool) -> None:
        self._high = high

    def __lt__(self, other: object) -> bool:
        return other is not self and not self._high

    def __gt__(self, other: object) -> bool:
        return other is not self and self._high

    def __le__(self, other: object) -> bool:
        return other is self or not self._high

    def __ge__(self, other: object) -> bool:
        return other is self or self._high


_LAST = _Extreme(high=True)
_FIRST = _Extreme(high=False)


class RowOrder:
    """The visible rows of a blotter: filtered storage rows, ascending by their placed key."""

    def __init__(self) -> None:
        self._order: list[int] = []
        self._placed: list[Any] = []  # storage row -> key it is placed under; None when not shown
        self._value: SortValue | None = None
        self._values: SortValues | None = None
        self._accepts: Accepts | None = None
        self._descending = False
        self._empty: _Extreme = _LAST
        self._parked = 0
        self._stale: set[int] = set()  # shown rows whose key changed but which have not moved yet

    # --- configuration -----------------------------------------------------------------------------

    @property
    def sorted(self) -> bool:
        return self._value is not None

    @property
    def descending(self) -> bool:
        return self._descending

    def configure(
        self,
        value: SortValue | None,
        descending: bool,
        accepts: Accepts | None,
        row_count: int,
        values: SortValues | None = None,
    ) -> None:
        """Set the sort and filter, then rebuild the order over storage rows 0..row_count-1.

        `values`, when given, must agree with `value` row by row; it only makes bulk sorts faster.
        """
        self._value = value
        if value is not None and values is None:
            values = lambda rows: [value(row) for row in rows]  # noqa: E731
        self._values = values
        self._descending = descending and value is not None
        self._empty = _FIRST if self._descending else _LAST
        self._accepts = accepts
        self._parked = 0
        self._stale.clear()
        shown = list(range(row_count)) if accepts is None else [r for r in range(row_count) if accepts(r)]
        self._placed = [None] * row_count
        self._order = self._place_keys(shown, sort=True)

    def key(self, row: int) -> Any:
        """Key of a storage row from its data now."""
        if self._value is None:
            return row
        value = self._value(row)
        return (self._empty if value is None else value, row)

    def accepts(self, row: int) -> bool:
        return self._accepts is None or self._accepts(row)

    def _place_keys(self, rows: Sequence[int], sort: bool = False) -> list[int]:
        """Record the keys of `rows` (ascending storage rows when `sort`); returns them, sorted if asked."""
        placed = self._placed
        if self._values is None:
            for row in rows:
                placed[row] = row
            return list(rows)
        empty = self._empty
        values: list[Any] = [empty if value is None else value for value in self._values(rows)]
        for value, row in zip(values, rows, strict=True):
            placed[row] = (value, row)
        if not sort:
            return list(rows)
        # Comparing bare values is much cheaper than (value, row) tuples; stability keeps ties by row.
        ranks = sorted(range(len(rows)), key=values.__getitem__)
        return [rows[rank] for rank in ranks]

    # --- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    def storage_row(self, visible: int) -> int:
        return self._order[-1 - visible] if self._descending else self._order[visible]

    def visible_row(self, row: int) -> int | None:
        """Where a storage row is shown now, or None when it is filtered out (not while rows are parked)."""
        at = self._find(row)
        if at is None:
            return None
        return len(self._order) - 1 - at if self._descending else at

    def visible_rows(self) -> list[int]:
        """Storage rows in the order shown."""
        return self._order[::-1] if self._descending else list(self._order)

    def _find(self, row: int) -> int | None:
        placed = self._placed
        key = placed[row] if row < len(placed) else None
        if key is None:
            return None
        order = self._order
        at = bisect_left(order, key, key=placed.__getitem__)
        return at if at < len(order) and order[at] == row else None

    # --- new rows ----------------------------------------------------------------------------------

    def park(self, rows: Sequence[int]) -> tuple[int, int] | None:
        """Show new storage rows at the visible end for now; returns their visible (first, last) or None.

        A model announces them as one inserted block, then calls `settle` to put them in sort order.
        New storage rows must be larger than every stored one (the model appends).
        """
        if rows:
            self._placed.extend([None] * (max(rows) + 1 - len(self._placed)))
        accepted = [row for row in rows if self.accepts(row)]
        if not accepted:
            return None
        self._place_keys(accepted)
        first = len(self._order)
        if self._descending:
            self._order[0:0] = accepted[::-1]
        else:
            self._order.extend(accepted)
        self._parked = len(accepted) if self._value is not None else 0
        return first, first + len(accepted) - 1

    def needs_settling(self) -> bool:
        """True when parked rows are not already in sort order (settling will move rows)."""
        parked = self._parked
        if not parked:
            return False
        block = self._order[: parked + 1] if self._descending else self._order[-parked - 1 :]
        keys = [self._placed[row] for row in block]
        return any(b < a for a, b in pairwise(keys))

    def settle(self) -> None:
        """Move parked rows to their place in sort order."""
        if not self.needs_settling():
            self._parked = 0
            return
        parked, self._parked = self._parked, 0
        if self._descending:
            rows = self._order[:parked]
            del self._order[:parked]
        else:
            rows = self._order[-parked:]
            del self._order[-parked:]
        self._insert(rows)

    # --- changed rows ------------------------------------------------------------------------------

    def moves(self, rows: Sequence[int]) -> tuple[list[int], bool]:
        """For storage rows whose data changed: those shown whose key changed (they must move), and
        whether any row entered or left the filter."""
        moved: list[int] = []
        membership = False
        placed = self._placed
        for row in rows:
            was_shown = placed[row] is not None
            if self.accepts(row) != was_shown:
                membership = True
            elif was_shown and self._value is not None and placed[row] != self.key(row):
                moved.append(row)
        return moved, membership

    def move(self, rows: Sequence[int]) -> None:
        """Re-place shown rows whose key changed (as returned by `moves`)."""
        if not rows:
            return
        if len(rows) > _ONE_BY_ONE:
            gone = set(rows)
            self._order = [row for row in self._order if row not in gone]
        else:
            order, placed = self._order, self._placed
            for row in rows:
                at = self._find(row)
                if at is None:
                    raise LookupError(f"row {row} is not where its placed key {placed[row]!r} puts it")
                del order[at]
        self._insert(rows)

    @property
    def stale_count(self) -> int:
        return len(self._stale)

    def defer(self, rows: Sequence[int]) -> None:
        """Leave rows whose key changed where they are for now (their cells still show new data)."""
        self._stale.update(rows)

    def move_stale(self) -> None:
        """Re-place every deferred row in one go."""
        stale, self._stale = self._stale, set()
        self.move(sorted(stale))

    def _insert(self, rows: Sequence[int]) -> None:
        """Insert rows absent from the order at their sorted place (computing their keys)."""
        order, placed = self._order, self._placed
        self._place_keys(rows)
        if len(rows) > _ONE_BY_ONE:
            # Two sorted runs: timsort merges them in linear time.
            order.extend(sorted(rows, key=placed.__getitem__))
            order.sort(key=placed.__getitem__)
            return
        for row in rows:
            order.insert(bisect_left(order, placed[row], key=placed.__getitem__), row)


def dirty_ranges(rows: Sequence[int], max_ranges: int) -> list[tuple[int, int]]:
    """Inclusive (first, last) ranges covering the sorted, distinct `rows`, at most `max_ranges` of them.

    Contiguous rows share a range; past the cap the smallest gaps are bridged, so the few extra rows
    repainted are the cheapest ones.
    """
    if not rows:
        return []
    ranges: list[tuple[int, int]] = []
    first = last = rows[0]
    for row in rows[1:]:
        if row == last + 1:
            last = row
        else:
            ranges.append((first, last))
            first = last = row
    ranges.append((first, last))
    if len(ranges) <= max(1, max_ranges):
        return ranges
    # Keep the (max_ranges - 1) widest gaps as the only split points.
    gaps = sorted(range(len(ranges) - 1), key=lambda i: ranges[i + 1][0] - ranges[i][1], reverse=True)
    splits = sorted(gaps[: max(1, max_ranges) - 1])
    merged: list[tuple[int, int]] = []
    start = 0
    for split in splits:
        merged.append((ranges[start][0], ranges[split][1]))
        start = split + 1
    merged.append((ranges[start][0], ranges[-1][1]))
    return merged
