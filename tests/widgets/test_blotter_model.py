"""CoalescingTableModel: upserts are coalesced into one flush; sorting uses raw values, not text."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import Side
from widgets import formatting
from widgets.blotter_model import SORT_ROLE, CoalescingTableModel, dirty_ranges
from widgets.columns import RIGHT, Column


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    side: Side = Side.BUY
    quantity: int = 0
    price: Decimal | None = None
    group: str = "g"


COLUMNS = (
    Column.attr("Id", "order_id"),
    Column.attr("Side", "side", formatting.enum_name),
    Column.attr("Qty", "quantity", formatting.integer, RIGHT),
    Column.attr("Price", "price", formatting.decimal, RIGHT),
)
QTY, PRICE = 2, 3


class Recorder:
    """Counts the model's structural and data signals."""

    def __init__(self, model: CoalescingTableModel[Order]) -> None:
        self.inserts: list[tuple[int, int]] = []
        self.changed: list[tuple[int, int]] = []
        model.rowsInserted.connect(lambda _parent, first, last: self.inserts.append((first, last)))
        model.dataChanged.connect(lambda top, bottom, *_: self.changed.append((top.row(), bottom.row())))


def make_model(max_ranges: int = 16) -> tuple[CoalescingTableModel[Order], Recorder]:
    model: CoalescingTableModel[Order] = CoalescingTableModel(
        COLUMNS, key=lambda o: o.order_id, filter_key=lambda o: o.group, max_ranges=max_ranges
    )
    return model, Recorder(model)


def shown(model: CoalescingTableModel[Order], column: int = 0) -> list[str]:
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_upserts_show_nothing_until_the_flush_then_arrive_as_one_insert_batch() -> None:
    model, signals = make_model()
    model.upsert_many(Order(f"O{i}", quantity=i) for i in range(1_000))
    for i in range(500):
        model.upsert(Order(f"O{i}", quantity=i + 1))  # updates before the first flush coalesce too
    assert model.rowCount() == 0 and signals.inserts == []
    model.flush()
    assert signals.inserts == [(0, 999)]
    assert signals.changed == []
    assert model.data(model.index(3, QTY)) == "4"


def test_a_burst_of_updates_to_one_row_is_one_data_changed_with_the_latest_value() -> None:
    model, signals = make_model()
    model.upsert_many(Order(f"O{i}") for i in range(10))
    model.flush()
    for qty in range(1, 1_001):
        model.upsert(Order("O7", quantity=qty))
    model.flush()
    assert signals.changed == [(7, 7)]
    assert model.data(model.index(7, QTY)) == "1,000"


def test_contiguous_updates_are_one_range_and_scattered_ones_are_capped(qtbot: QtBot) -> None:
    model, signals = make_model(max_ranges=8)
    model.upsert_many(Order(f"O{i}") for i in range(10_000))
    model.flush()
    model.upsert_many(Order(f"O{i}", quantity=1) for i in range(100, 400))
    model.flush()
    assert signals.changed == [(100, 399)]
    signals.changed.clear()
    model.upsert_many(Order(f"O{i}", quantity=2) for i in range(0, 10_000, 7))
    model.flush()
    assert 1 <= len(signals.changed) <= 8
    covered = {row for first, last in signals.changed for row in range(first, last + 1)}
    assert covered >= set(range(0, 10_000, 7))


def test_the_timer_flushes_pending_work_on_its_own(qtbot: QtBot) -> None:
    model: CoalescingTableModel[Order] = CoalescingTableModel(COLUMNS, key=lambda o: o.order_id, flush_hz=500)
    with qtbot.waitSignal(model.flushed, timeout=2_000) as blocker:
        model.upsert(Order("O1"))
        model.upsert(Order("O2"))
    assert blocker.args == [2, 0]
    assert model.rowCount() == 2


def test_sorting_uses_numbers_not_text() -> None:
    model, _ = make_model()
    prices = ["9.50", "10.00", "100.25", "2.125"]
    quantities = [200, 1_000, 30, 4_000_000]
    model.upsert_many(
        Order(f"O{i}", quantity=q, price=Decimal(p)) for i, (p, q) in enumerate(zip(prices, quantities, strict=True))
    )
    model.flush()
    model.sort(PRICE, Qt.SortOrder.AscendingOrder)
    assert shown(model, PRICE) == ["2.125", "9.50", "10.00", "100.25"]
    model.sort(QTY, Qt.SortOrder.DescendingOrder)
    assert shown(model, QTY) == ["4,000,000", "1,000", "200", "30"]
    assert model.data(model.index(0, PRICE), SORT_ROLE) == Decimal("2.125")
    model.sort(-1)
    assert shown(model) == ["O0", "O1", "O2", "O3"]


def test_empty_prices_sort_last_both_ways() -> None:
    model, _ = make_model()
    model.upsert_many([Order("A", price=None), Order("B", price=Decimal("5")), Order("C", price=Decimal("7"))])
    model.flush()
    model.sort(PRICE, Qt.SortOrder.AscendingOrder)
    assert shown(model) == ["B", "C", "A"]
    model.sort(PRICE, Qt.SortOrder.DescendingOrder)
    assert shown(model) == ["C", "B", "A"]


def test_rows_move_to_their_sorted_place_when_values_change_and_when_new_rows_arrive() -> None:
    model, signals = make_model()
    model.upsert_many(Order(f"O{i}", quantity=10 * i) for i in range(5))
    model.flush()
    model.sort(QTY, Qt.SortOrder.AscendingOrder)
    model.upsert(Order("O0", quantity=25))
    model.upsert(Order("N1", quantity=5))
    model.flush()
    assert shown(model) == ["N1", "O1", "O2", "O0", "O3", "O4"]
    assert signals.inserts[-1] == (5, 5)  # announced at the end, then moved by a layout change


def test_selection_follows_its_row_when_the_sort_moves_it() -> None:
    model, _ = make_model()
    model.upsert_many(Order(f"O{i}", quantity=i) for i in range(5))
    model.flush()
    model.sort(QTY, Qt.SortOrder.DescendingOrder)
    held = QPersistentModelIndex(model.index(model.visible_row_of("O3") or 0, 0))
    model.upsert(Order("O3", quantity=100))
    model.flush()
    assert held.row() == 0 and model.data(model.index(held.row(), 0)) == "O3"


def test_filter_shows_only_matching_rows_and_new_ones_that_match() -> None:
    model, _ = make_model()
    model.upsert_many(Order(f"O{i}", group="a" if i % 2 else "b") for i in range(6))
    model.flush()
    model.set_filter_value("a")
    assert shown(model) == ["O1", "O3", "O5"]
    model.upsert_many([Order("X", group="b"), Order("Y", group="a")])
    model.flush()
    assert shown(model) == ["O1", "O3", "O5", "Y"]
    model.set_filter_value(None)
    assert model.rowCount() == 8 == model.stored_count


def test_clear_forgets_rows_and_pending_work() -> None:
    model, _ = make_model()
    model.upsert(Order("O1"))
    model.flush()
    model.upsert(Order("O2"))
    model.clear()
    model.flush()
    assert model.rowCount() == 0 and model.pending_count == 0


def test_cells_are_formatted_and_numbers_right_aligned() -> None:
    model, _ = make_model()
    model.upsert(Order("O1", side=Side.SELL, quantity=1234567, price=Decimal("12.3400")))
    model.flush()
    assert shown(model, 1) == ["SELL"]
    assert model.data(model.index(0, QTY)) == "1,234,567"
    assert model.data(model.index(0, PRICE)) == "12.3400"
    assert model.data(model.index(0, PRICE), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.headerData(QTY, Qt.Orientation.Horizontal) == "Qty"
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 1


@given(st.sets(st.integers(0, 300), max_size=80), st.integers(1, 12))
def test_dirty_ranges_cover_every_dirty_row_within_the_cap(rows: set[int], cap: int) -> None:
    ranges = dirty_ranges(sorted(rows), cap)
    assert len(ranges) <= cap
    assert all(first <= last for first, last in ranges)
    assert all(a[1] < b[0] for a, b in pairwise(ranges))
    covered = {row for first, last in ranges for row in range(first, last + 1)}
    assert covered >= rows
    if rows and len(dirty_ranges(sorted(rows), 10_000)) <= cap:
        assert covered == rows  # under the cap nothing extra is repainted


def test_a_big_wave_of_moves_is_shown_at_once_but_reordered_by_the_resort_timer(qtbot: QtBot) -> None:
    model: CoalescingTableModel[Order] = CoalescingTableModel(
        COLUMNS, key=lambda o: o.order_id, flush_hz=500, resort_ms=20
    )
    model.upsert_many(Order(f"O{i:03d}", quantity=i) for i in range(200))
    model.flush()
    model.sort(QTY, Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(model.flushed, timeout=2_000):
        model.upsert_many(Order(f"O{i:03d}", quantity=1_000 - i) for i in range(100))  # > IMMEDIATE_MOVES
    assert model.data(model.index(0, QTY)) == "1,000"  # new value shown in place, not yet moved
    with qtbot.waitSignal(model.layoutChanged, timeout=2_000):
        pass
    quantities = [model.data(model.index(r, QTY), SORT_ROLE) for r in range(model.rowCount())]
    assert quantities == sorted(quantities)
