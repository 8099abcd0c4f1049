"""Child sizing: whole round lots, no child below the minimum, except the final remainder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.pipeline.sizing import MAX_ROUND_LOT, ChildSizing, child_quantity, fit_split, fit_sweep


@pytest.mark.parametrize(
    ("wanted", "room", "lot", "min_qty", "expected"),
    [
        (5, 10_000, 1, 0, 5),  # no policy: what the algo asks for
        (5, 10_000, 100, 100, 0),  # MSFT slices of 5 shares: nothing yet, the algo asks again
        (99, 10_000, 100, 100, 0),
        (100, 10_000, 100, 100, 100),
        (250, 10_000, 100, 100, 200),  # rounded down to whole lots
        (250, 10_000, 100, 300, 0),  # below the minimum child
        (350, 10_000, 100, 300, 300),
        (50, 50, 100, 100, 50),  # the final remainder goes whole, odd and small
        (80, 50, 100, 100, 50),  # never more than the room
        (1_050, 1_050, 100, 100, 1_050),  # everything at once: the odd tail rides along
        (1_000, 1_050, 100, 100, 1_000),
        (10, 0, 100, 100, 0),  # no room: nothing
        (0, 500, 100, 100, 0),
        (-3, 500, 1, 0, 0),
    ],
)
def test_child_quantity_table(wanted: int, room: int, lot: int, min_qty: int, expected: int) -> None:
    assert child_quantity(wanted, room, lot, min_qty) == expected


@pytest.mark.parametrize(
    ("slices", "quantity", "room", "lot", "min_qty", "expected"),
    [
        ([170, 130], 300, 10_000, 1, 0, [170, 130]),  # no policy: the router's cut
        ([170, 130], 300, 10_000, 100, 100, [100, 100]),  # whole lots per venue
        ([170, 30], 200, 10_000, 100, 100, [100, 0]),  # a venue below the minimum gets nothing
        ([400, 300], 600, 10_000, 100, 200, [400, 200]),  # never more than asked in all
        ([150, 100], 250, 250, 100, 200, [150, 100]),  # final: the tail rides on the first slice, no minimum
        ([100, 150], 250, 250, 100, 100, [100, 150]),  # final: the first slice with room for the tail takes it
        ([120, 120], 250, 250, 100, 100, [100, 100]),  # no slice shows the whole tail: it waits
        ([180, 180], 250, 250, 100, 100, [150, 100]),  # only one slice carries an odd lot
        ([30, 20], 50, 50, 100, 100, [0, 0]),  # a 50-share tail split over two venues waits for one to show it
    ],
)
def test_fit_sweep_table(
    slices: list[int], quantity: int, room: int, lot: int, min_qty: int, expected: list[int]
) -> None:
    assert fit_sweep(slices, quantity, room, lot, min_qty) == expected


def test_sizing_policy_takes_the_least_common_lot_and_refuses_nonsense_naming_the_key() -> None:
    assert ChildSizing(round_lot=100).lot_for(1) == 100
    assert ChildSizing(round_lot=100).lot_for(10) == 100
    assert ChildSizing(round_lot=25).lot_for(10) == 50
    assert ChildSizing.from_config({"round_lot": 100, "min_child_qty": 200}) == ChildSizing(100, 200)
    assert ChildSizing.from_config({}) == ChildSizing(1, 0)
    with pytest.raises(ValueError, match=r"algos\.round_lot"):
        ChildSizing.from_config({"round_lot": 0})
    with pytest.raises(ValueError, match=r"algos\.round_lot"):
        ChildSizing.from_config({"round_lot": "100"})
    with pytest.raises(ValueError, match=r"algos\.min_child_qty"):
        ChildSizing.from_config({"min_child_qty": -1})
    with pytest.raises(ValueError, match=r"algos\.round_lot"):
        ChildSizing.from_config({"round_lot": 10**12})
    assert ChildSizing.from_config({"round_lot": MAX_ROUND_LOT}).round_lot == MAX_ROUND_LOT  # the bound itself
    with pytest.raises(ValueError, match=r"algos\.round_lot"):
        ChildSizing.from_config({"round_lot": MAX_ROUND_LOT + 1})


lots = st.sampled_from([1, 10, 100])


@given(wanted=st.integers(-10, 5_000), room=st.integers(-10, 5_000), lot=lots, min_qty=st.integers(0, 700))
def test_a_child_is_whole_lots_and_at_least_the_minimum_unless_it_is_the_final_remainder(
    wanted: int, room: int, lot: int, min_qty: int
) -> None:
    quantity = child_quantity(wanted, room, lot, min_qty)
    assert 0 <= quantity <= max(0, room)
    if 0 < quantity < room:
        assert quantity % lot == 0 and quantity >= min_qty and quantity <= wanted


@given(
    quantity=st.integers(1, 20_000),
    extra_room=st.integers(0, 5_000),
    shown=st.lists(st.integers(0, 3_000), max_size=6),
    lot=lots,
    min_qty=st.integers(0, 700),
)
def test_a_sweep_is_whole_lots_above_the_minimum_and_never_more_than_asked(
    quantity: int, extra_room: int, shown: list[int], lot: int, min_qty: int
) -> None:
    room = quantity + extra_room
    fitted = fit_sweep(shown, quantity, room, lot, min_qty)
    assert len(fitted) == len(shown)
    assert all(0 <= f <= s for f, s in zip(fitted, shown, strict=True))
    assert sum(fitted) <= quantity
    odd = [f for f in fitted if f % lot]
    if quantity < room:
        assert not odd and all(f == 0 or f >= min_qty for f in fitted)
    else:
        assert len(odd) <= 1 and (not odd or odd[0] % lot == room % lot)


@given(
    quantity=st.integers(1, 5_000),
    lot=lots,
    min_qty=st.integers(0, 500),
    wants=st.lists(st.tuples(st.integers(0, 6_000), st.floats(0, 1)), min_size=1, max_size=40),
)
def test_working_a_parent_sends_lots_above_the_minimum_and_never_more_than_its_leaves(
    quantity: int, lot: int, min_qty: int, wants: list[tuple[int, float]]
) -> None:
    """A parent worked child by child (each partly filled, the rest canceled): every child but the one
    that takes the final remainder is whole lots and at least the minimum; nothing past the leaves."""
    filled = 0
    for wanted, fill_share in wants:
        room = quantity - filled
        child = child_quantity(wanted, room, lot, min_qty)
        assert child <= room
        if child and child != room:
            assert child % lot == 0 and child >= min_qty
        filled += int(child * fill_share)
        assert filled <= quantity


@pytest.mark.parametrize(("slices", "lot", "min_qty", "room", "expected"), [
    ([137, 263], 100, 100, 5_000, [100, 300]),  # the largest remainder takes the leftover lot
    ([250, 250], 100, 100, 5_000, [300, 200]),  # a tie: the first
    ([75, 75], 100, 0, 150, [150, 0]),  # a final remainder below a lot each: one child carries it
    ([75, 75], 100, 0, 5_000, [100, 0]),  # not the final remainder: the odd tail is dropped
    ([150, 50, 800], 100, 200, 5_000, [200, 0, 800]),
    ([150, 50, 800], 100, 300, 5_000, [0, 0, 1000]),  # 200 would be below the minimum: folded into the largest
    ([130, 70], 100, 100, 5_000, [100, 100]),
    ([333, 333, 334], 100, 100, 5_000, [300, 300, 400]),
    ([70, 1, 30], 100, 100, 5_000, [100, 0, 0]),  # a Cont-Kukanov overpost of 101 for 100: 100, one child
    ([1049, 1], 100, 0, 1_050, [1050, 0]),  # a final remainder's odd tail on the largest slice
    ([400], 100, 100, 5_000, [400]),
    ([101], 100, 100, 5_000, [100]),  # one odd slice, not final: whole lots
    ([101], 100, 100, 101, [101]),  # one odd slice that completes the parent: whole
])
def test_fit_split_table(slices: list[int], lot: int, min_qty: int, room: int, expected: list[int]) -> None:
    assert fit_split(slices, lot, min_qty, room) == expected


@given(st.lists(st.integers(0, 5_000), min_size=1, max_size=5), st.sampled_from([1, 10, 100]),
       st.integers(0, 500), st.integers(0, 30_000))
def test_a_split_keeps_its_whole_lots_an_odd_tail_only_when_final_and_nothing_below_the_minimum(
    slices: list[int], lot: int, min_qty: int, room: int,
) -> None:
    total = sum(slices)
    fitted = fit_split(slices, lot, min_qty, room)
    final = total >= room
    assert len(fitted) == len(slices) and min(fitted) >= 0
    assert sum(fitted) == (total if final else total - total % lot)  # never more than the router asked
    odd = [q for q in fitted if q % lot]
    assert len(odd) <= (1 if final else 0)
    live = [q for q in fitted if q > 0]
    assert len(live) <= 1 or all(q >= min_qty for q in live)
