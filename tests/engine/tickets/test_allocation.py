"""Pro-rata maths: one-shot largest remainder and the monotone continuous (quota method) rule."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tickets.allocation import (
    AllocationError,
    ContinuousAllocator,
    _earliest,
    _earliest_exact,
    allocate_increment,
    pro_rata,
)


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [6, 6, 2], [4, 4, 2]),  # remainders .29/.29/.43: the small ticket gets the spare
        (11, [6, 6, 2], [5, 5, 1]),
        (3, [1, 1, 1, 1], [1, 1, 1, 0]),  # equal remainders: earlier arrival first
        (7, [0, 5, 5], [0, 4, 3]),
        (0, [3, 4], [0, 0]),
        (9, [9], [9]),
    ],
)
def test_pro_rata_is_largest_remainder_with_ties_by_arrival(
    total: int, weights: list[int], expected: list[int]
) -> None:
    assert pro_rata(total, weights) == expected


@given(st.integers(0, 10_000), st.lists(st.integers(0, 500), min_size=1, max_size=30))
def test_pro_rata_sums_exactly_and_stays_within_one_unit(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    shares = pro_rata(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * sum(weights) - weight * total) < sum(weights)


def test_pro_rata_refuses_to_split_over_nothing() -> None:
    with pytest.raises(AllocationError):
        pro_rata(5, [0, 0])


def test_alabama_paradox_naive_largest_remainder_takes_a_lot_back_but_the_continuous_rule_does_not() -> None:
    weights = [6, 6, 2]
    # Re-apportioning the cumulative fill by largest remainder: 10 lots, then 11 lots.
    assert pro_rata(10, weights) == [4, 4, 2]
    assert pro_rata(11, weights) == [5, 5, 1]  # the third ticket would lose a lot the OMS already saw
    allocator = ContinuousAllocator(list(weights))
    first = allocator.allocate(10)
    second = allocator.allocate(1)
    assert min(second) >= 0 and sum(first) + sum(second) == 11
    assert [a + b for a, b in zip(first, second, strict=True)] == allocate_increment(weights, first, 14, 10, 1)


def test_next_lot_goes_to_the_ticket_whose_share_reaches_it_first() -> None:
    # 10 of 14 lots over 6/6/2: exact shares 4.29/4.29/1.43. The 5th lot of a 6-lot ticket is due at
    # 11.67 lots, the 2nd lot of the 2-lot ticket at 14: the first big ticket (earlier arrival) gets it.
    assert allocate_increment([6, 6, 2], [0, 0, 0], 14, 0, 10) == [5, 4, 1]


def test_largest_remainder_in_place_of_deadlines_would_get_stuck() -> None:
    # Found by random search: with largest remainder deciding the spare lots, this fill sequence later
    # forces a ticket below its lower quota. The quota-method order stays within quota throughout.
    weights = [100, 13, 2, 100, 5, 1]
    fills = [1, 2, 184, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 20]
    _run_and_check(weights, fills)


def _run_and_check(weights: list[int], fills: list[int]) -> list[int]:
    """Feed fills to both implementations and check every invariant after each one."""
    total = sum(weights)
    allocator = ContinuousAllocator(list(weights))
    given = [0] * len(weights)
    filled = 0
    for lots in fills:
        new = allocate_increment(weights, given, total, filled, lots)
        deltas = allocator.allocate(lots)
        filled += lots
        assert deltas == [b - a for a, b in zip(given, new, strict=True)]  # same rule, both forms
        assert sum(new) == filled  # nothing lost, nothing created
        for a, b, w in zip(given, new, weights, strict=True):
            assert b >= a  # monotone: never takes back
            assert w * filled // total <= b <= -(-w * filled // total)  # floor..ceil: within one lot
        given = new
    if filled == total:
        assert given == weights  # exact at completion
    return given


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=25).filter(lambda w: sum(w) > 0),
    st.randoms(use_true_random=False),
)
def test_continuous_allocation_is_exact_monotone_within_one_lot_and_complete(
    weights: list[int], rnd: random.Random
) -> None:
    total = sum(weights)
    fills = []
    left = total
    while left:
        lots = min(left, rnd.choice([1, 1, 2, 3, rnd.randint(1, total)]))
        fills.append(lots)
        left -= lots
    assert _run_and_check(weights, fills) == weights


@given(st.lists(st.integers(1, 40), min_size=1, max_size=12), st.lists(st.integers(1, 30), max_size=12))
def test_continuous_allocation_is_deterministic(weights: list[int], fills: list[int]) -> None:
    def run() -> list[list[int]]:
        allocator = ContinuousAllocator(list(weights))
        out = []
        for lots in fills:
            if allocator.filled + lots > allocator.total:
                break
            out.append(allocator.allocate(lots))
        return out

    assert run() == run()


def test_overfill_is_refused() -> None:
    allocator = ContinuousAllocator([2, 3])
    allocator.allocate(4)
    with pytest.raises(AllocationError, match="overfill"):
        allocator.allocate(2)
    with pytest.raises(AllocationError, match="overfill"):
        allocate_increment([2, 3], [0, 0], 5, 0, 6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=2, max_size=30), st.randoms(use_true_random=False))
def test_float_deadlines_pick_the_same_tickets_as_exact_integer_keys(weights: list[int], rnd: random.Random) -> None:
    # Small weights make equal deadlines with different weights common (1/2 = 2/4 = 3/6): the tie rule
    # (smaller ticket, then arrival) is exercised across the cut as well as inside it.
    total, filled = sum(weights), 0
    allocator = ContinuousAllocator(list(weights))
    while filled < total - 1:
        after = rnd.randint(filled + 1, total - 1)
        given = allocator.given
        new = [max(g, w * after // total) for w, g in zip(weights, given, strict=True)]
        short = after - sum(new)
        if short:
            fast = _earliest(list(new), weights, total, after, short)
            exact = _earliest_exact(list(new), weights, total, after, short, max(weights))
            assert sorted(fast) == sorted(exact)  # the same tickets get the spare lots
        allocator.allocate(after - filled)
        filled = after


def test_states_the_allocator_can_never_reach_are_refused_not_allocated() -> None:
    """Invariant checks: lots left over when every ticket already holds its share (or more) raise instead of
    handing a ticket a lot beyond its exact quota."""
    with pytest.raises(AllocationError, match="1 lot over no ticket below its share"):
        _earliest([1, 1], [1, 1], 2, 2, 1)
    with pytest.raises(AllocationError, match="2 lots over too few tickets"):
        _earliest([1, 1], [1, 1], 2, 2, 2)
    with pytest.raises(AllocationError, match="2 lots over too few tickets"):
        _earliest_exact([1, 1], [1, 1], 2, 2, 2, 1)
    with pytest.raises(AllocationError, match="1 lots over-allocated"):
        allocate_increment([2, 2], [2, 2], 4, 2, 1)  # 4 lots held after 3 filled
