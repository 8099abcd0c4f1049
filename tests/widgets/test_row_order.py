"""RowOrder keeps the shown rows filtered and sorted through inserts, updates and re-sorts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.row_order import RowOrder


def expected(values: list[int | None], groups: list[int], sort: bool, descending: bool, group: int | None):
    shown = [r for r in range(len(values)) if group is None or groups[r] == group]
    if not sort:
        return shown
    filled = sorted((r for r in shown if values[r] is not None), key=lambda r: (values[r], r))
    empty = [r for r in shown if values[r] is None]
    if descending:
        # Descending reads the ascending order backwards, but empty cells still come last.
        return filled[::-1] + empty[::-1]
    return filled + empty


def make(values: list[int | None], groups: list[int], sort: bool, descending: bool, group: int | None):
    order = RowOrder()
    order.configure(
        (lambda r: values[r]) if sort else None,
        descending,
        None if group is None else (lambda r: groups[r] == group),
        len(values),
    )
    return order


def test_unsorted_shows_rows_in_arrival_order_and_filters_by_group() -> None:
    order = make([5, 1, 3], [0, 1, 0], sort=False, descending=False, group=0)
    assert order.visible_rows() == [0, 2]
    assert order.visible_row(2) == 1
    assert order.visible_row(1) is None


def test_sorted_ties_keep_arrival_order_and_empty_values_go_last_both_ways() -> None:
    values: list[int | None] = [2, None, 1, 2, None]
    assert make(values, [0] * 5, True, False, None).visible_rows() == [2, 0, 3, 1, 4]
    assert make(values, [0] * 5, True, True, None).visible_rows() == [3, 0, 2, 4, 1]


ops = st.lists(
    st.one_of(
        st.tuples(st.just("new"), st.lists(st.one_of(st.none(), st.integers(0, 9)), min_size=1, max_size=40)),
        st.tuples(st.just("change"), st.lists(st.tuples(st.integers(0, 500), st.integers(0, 9)), max_size=40)),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    initial=st.lists(st.one_of(st.none(), st.integers(0, 9)), max_size=60),
    sort=st.booleans(),
    descending=st.booleans(),
    group=st.one_of(st.none(), st.integers(0, 2)),
    operations=ops,
)
def test_order_matches_a_full_resort_after_any_inserts_and_updates(
    initial: list[int | None], sort: bool, descending: bool, group: int | None, operations: list
) -> None:
    values = list(initial)
    groups = [r % 3 for r in range(len(values))]
    order = make(values, groups, sort, descending, group)
    for kind, payload in operations:
        if kind == "new":
            first = len(values)
            values.extend(payload)
            groups.extend(r % 3 for r in range(first, len(values)))
            shown_before = len(order)
            placed = order.park(list(range(first, len(values))))
            if placed is not None:
                assert placed == (shown_before, len(order) - 1)  # announced as one block at the end
            order.settle()
        elif values:
            changed: list[int] = []
            for row, value in payload:
                row %= len(values)
                if row not in changed:
                    changed.append(row)
                    values[row] = value
            moved, membership = order.moves(changed)
            assert not membership  # the group of a row never changes here
            order.move(moved)
        want = expected(values, groups, sort, descending, group)
        assert order.visible_rows() == want
    for visible, row in enumerate(order.visible_rows()):
        assert order.storage_row(visible) == row
        assert order.visible_row(row) == visible


def test_many_changed_rows_are_merged_by_one_resort() -> None:
    values: list[int | None] = [r % 97 for r in range(3_000)]
    order = make(values, [0] * 3_000, sort=True, descending=False, group=None)
    changed = list(range(0, 3_000, 2))
    for row in changed:
        values[row] = 500 - row % 13
    moved, _ = order.moves(changed)
    assert len(moved) == 1_500
    order.move(moved)
    assert order.visible_rows() == expected(values, [0] * 3_000, True, False, None)


def test_a_large_batch_of_new_rows_lands_in_place_in_a_descending_sort() -> None:
    values: list[int | None] = [r % 50 for r in range(1_000)]
    order = make(values, [0] * 1_000, sort=True, descending=True, group=None)
    values.extend((r * 7) % 53 if r % 11 else None for r in range(2_000))
    assert order.park(list(range(1_000, 3_000))) == (1_000, 2_999)
    assert order.needs_settling()
    order.settle()
    assert order.visible_rows() == expected(values, [0] * 3_000, True, True, None)
