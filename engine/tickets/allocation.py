"""Pro-rata allocation in whole lots: one-shot largest remainder and the monotone continuous rule.

All quantities here are integers in one unit (lots for shares, notional units for money); the caller
converts at the edge. Index order is arrival order: every tie goes to the lower index.

`pro_rata` splits a known total once (Hamilton's largest remainder, ties by arrival).

Continuous allocation (fills arriving one by one) cannot simply re-apportion the cumulative fill by
largest remainder: that can take a lot back from a ticket the OMS has already been told about (the
Alabama paradox: 10 lots over weights 6/6/2 give 4/4/2, 11 lots give 5/5/1). `allocate_increment`
is the Balinski-Young *quota method* run a whole fill at a time; it is monotone and always within
quota (floor..ceil of the exact share, so strictly within one lot of it):

1. every ticket first gets its lower quota ``floor(w * filled / total)`` (never less than it has);
2. the lots still to hand out go, one each, to the tickets still below their exact share, in order of
   the *deadline* of their next lot -- the cumulative fill ``(given + 1) * total / w`` at which the
   ticket's exact share reaches it -- ties by largest remainder (the smaller ticket), then by arrival.

Why it never gets stuck (the property tests check it): call a state feasible when for every later
cumulative fill t the lots that fall due by t, ``sum(max(0, floor(w*t/total) - given))``, are at most
``t - filled``. Nothing given is feasible; choosing the earliest deadlines maximises the lots
delivered before every t at once, and capping each ticket at its upper quota ``ceil(w*filled/total)``
leaves at most ``w*(t - filled)/total`` lots per ticket uncovered, which sums to ``t - filled``. So
feasibility is preserved, lower quota at every step follows from it, and at ``filled == total`` every
ticket holds exactly its weight. Plain largest remainder in step 2 is *not* safe: random search finds
fill sequences where it later has to push a ticket below its lower quota.

`ContinuousAllocator` keeps the same rule incrementally: next-lot deadlines in a heap, so a small fill
costs about (tickets served) x log(tickets) instead of a pass over the whole block.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heapify, heappop, heappush
from itertools import takewhile
from operator import sub
from typing import Final


class AllocationError(ValueError):
    """A broken allocation invariant (overfill, a state the continuous rule cannot have produced)."""


def pro_rata(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` units pro rata to `weights`: Hamilton's largest remainder, ties by lower index.

    Exact: the result sums to `total`; each share is floor or ceil of its exact quota.
    """
    if len(weights) == 1 and total >= 0 and weights[0] > 0:
        return [total]
    weight_sum = sum(weights)
    if total < 0 or min(weights, default=0) < 0:
        raise AllocationError(f"cannot split {total} over weights {list(weights)}: negative amount")
    if weight_sum == 0:
        if total:
            raise AllocationError(f"cannot split {total} over zero weight")
        return [0] * len(weights)
    shares = [w * total // weight_sum for w in weights]
    short = total - sum(shares)
    if short:
        remainders = [w * total % weight_sum for w in weights]
        # sorted(reverse=True) is stable: equal remainders keep index (arrival) order.
        for i in sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)[:short]:
            shares[i] += 1
    return shares


_NEVER: Final = 1 << 256  # a key above any deadline key: "cannot take another lot now"
_INDEX_BITS: Final = 32  # a ticket index packed into the low bits of a heap entry
_INDEX: Final = (1 << _INDEX_BITS) - 1


def allocate_increment(
    weights: Sequence[int], given: Sequence[int], total: int, filled: int, lots: int, top: int = 0
) -> list[int]:
    """Cumulative allocation after `lots` more are filled (see module docstring for the rule).

    `weights` are the tickets' open quantities when the current weights were set (`total` their sum),
    `given` what each already holds out of the `filled` lots executed since then. Returns the new
    cumulative per-ticket list: never below `given`, sums to `filled + lots`, each entry within
    floor..ceil of ``w * (filled + lots) / total``, and equal to `weights` once everything is filled.
    `top` is ``max(weights)`` when the caller knows it.
    """
    after = filled + lots
    if lots < 0 or after > total:
        raise AllocationError(f"fill of {lots} lots with {filled} of {total} already filled: overfill")
    if after == total:
        return list(weights)
    # new = max(given, floor(w * after / total)), element-wise. Hot path: one comprehension with a
    # conditional (max() is 5x slower), zip() without strict= (the keyword costs ~1 us per call;
    # lengths are equal by construction).
    if filled:
        new = [q if (q := w * after // total) > g else g for w, g in zip(weights, given)]  # noqa: B905
    else:
        new = [w * after // total for w in weights]
    short = after - sum(new)
    if short < 0:
        raise AllocationError(f"allocation state is not reachable: {-short} lots over-allocated")
    if short:
        top = top or max(weights)
        best = _earliest(new, weights, total, after, short) if top < _FLOAT_EXACT else _earliest_exact(
            new, weights, total, after, short, top
        )
        for i in best:
            new[i] += 1
    return new



_FLOAT_EXACT: Final = 1 << 25
"""Below this many lots per ticket, deadlines compare exactly as floats (see `_earliest`)."""


def _earliest(new: list[int], weights: Sequence[int], total: int, after: int, short: int) -> list[int]:
    """The `short` tickets whose next lot falls due first, by (deadline, weight, arrival).

    Only tickets below their exact share can take a lot (``a * total < w * after``: `a` is their lower
    quota and the share is fractional); for them ``a + 1 <= w``. Their next lot falls due at the
    cumulative fill ``(a + 1) * total / w``: `total` is common, so ``(a + 1) / w`` orders them. As a
    float that order is exact: two distinct such fractions with denominators below 2**25 differ by
    more than 2**-50, while a correctly rounded quotient in (0, 1] is off by at most 2**-53; equal
    fractions give the same float. On an equal deadline the smaller ticket (the larger remainder)
    goes first, then the earlier one; only a tie across the cut needs that rule.
    """
    due = [(a + 1) / w if a * total < w * after else 2.0 for a, w in zip(new, weights)]  # noqa: B905
    if short == 1:
        cut = min(due)
        if cut > 1.0:
            raise AllocationError("allocation state is not reachable: 1 lot over no ticket below its share")
        if due.count(cut) == 1:
            return [due.index(cut)]
        return [min((i for i, d in enumerate(due) if d == cut), key=weights.__getitem__)]
    order = sorted(range(len(due)), key=due.__getitem__)  # stable: equal deadlines in arrival order
    cut = due[order[short - 1]]
    if cut > 1.0:
        raise AllocationError(f"allocation state is not reachable: {short} lots over too few tickets")
    if short == len(order) or due[order[short]] != cut:
        return order[:short]
    first = short - 1  # the tie runs from `first` on: those before it are due earlier
    while first and due[order[first - 1]] == cut:
        first -= 1
    tied = list(takewhile(lambda i: due[i] == cut, order[first:]))
    return order[:first] + sorted(tied, key=weights.__getitem__)[: short - first]


def _earliest_exact(
    new: list[int], weights: Sequence[int], total: int, after: int, short: int, top: int
) -> list[int]:
    """`_earliest` for weights too large for float deadlines: one integer key per ticket.

    ``floor(top**2 * (a + 1) / w)`` orders the deadlines exactly (distinct fractions with denominators
    <= top differ by >= 1 / top**2), times ``top + 1`` plus the weight; `sorted` is stable for arrival.
    """
    square, spread = top * top, top + 1
    keys = [
        (a + 1) * square // w * spread + w if a * total < w * after else _NEVER
        for a, w in zip(new, weights)  # noqa: B905
    ]
    best = sorted(range(len(keys)), key=keys.__getitem__)[:short]
    if keys[best[-1]] is _NEVER:
        raise AllocationError(f"allocation state is not reachable: {short} lots over too few tickets")
    return best


class ContinuousAllocator:
    """`allocate_increment` as a running state: identical results, cheap small fills.

    Holds one epoch: `weights` (lots open per ticket when the epoch started), `given` (lots allocated
    since), `total` and `filled`. When weights change, start a new allocator from what is still open.

    Small fills use a heap of next-lot deadlines: ``(given + 1) * total / w`` as the exact integer
    ``floor(top**2 * total * (given + 1) / w)`` (distinct fractions stay distinct and in order, see
    `allocate_increment`), times ``top + 1`` plus the weight (ties: the smaller ticket), shifted left
    over the ticket's index (ties: arrival). Plain ints: nothing for the GC to track.
    """

    __slots__ = ("_dirty", "_heap", "_open", "_scale", "_spread", "filled", "given", "top", "total", "weights")

    def __init__(self, weights: Sequence[int]) -> None:
        self.weights = weights
        self.given = [0] * len(weights)
        self.total = total = sum(weights)
        self.filled = 0
        top = self.top = max(weights, default=1)
        self._scale = top * top * total
        self._spread = top + 1
        self._heap: list[int] = []
        self._open = len(weights)  # tickets with lots still to receive (an upper bound while dirty)
        self._dirty = True

    def allocate(self, lots: int) -> list[int]:
        """Allocate `lots` more; returns the lots each ticket received (by index, zeros included)."""
        total, weights, given, filled = self.total, self.weights, self.given, self.filled
        after = filled + lots
        if lots < 0 or after > total:
            raise AllocationError(f"fill of {lots} lots with {filled} of {total} already filled: overfill")
        self.filled = after
        if after == total:
            self.given = list(weights)
            self._dirty = True
            return list(map(sub, weights, given))
        if lots >= self._open:
            # A fill of at least a lot per open ticket: one pass over the block is cheaper than the heap
            # (measured: the heap wins below that, even when it serves most tickets).
            updated = self.given = allocate_increment(weights, given, total, filled, lots, self.top)
            self._dirty = True
            return list(map(sub, updated, given))
        if self._dirty:
            self._rebuild()
        heap, scale, spread = self._heap, self._scale, self._spread
        served = [0] * len(weights)
        short = lots
        # 1. lower quota: every ticket whose next lot is due by `after`.
        # Keys below this are due by cumulative fill `after` (deadline <= after).
        due_by = (self.top * self.top * after + 1) * spread << _INDEX_BITS
        while heap and heap[0] < due_by:
            i = heappop(heap) & _INDEX
            weight = weights[i]
            new = weight * after // total
            served[i] = new - given[i]
            short -= new - given[i]
            given[i] = new
            if new < weight:
                heappush(heap, ((new + 1) * scale // weight * spread + weight) << _INDEX_BITS | i)
        # 2. one more lot each, earliest deadline first, to tickets still below their exact share.
        held = []
        while short:
            if not heap:
                raise AllocationError(f"allocation state is not reachable: {short} lots left over")
            entry = heappop(heap)
            i = entry & _INDEX
            a, weight = given[i], weights[i]
            if a * total < weight * after:
                given[i] = a + 1
                served[i] += 1
                short -= 1
                if a + 1 < weight:
                    held.append(((a + 2) * scale // weight * spread + weight) << _INDEX_BITS | i)
            else:
                held.append(entry)  # already at its upper quota: its turn comes later
        for entry in held:
            heappush(heap, entry)
        self._open = len(heap)
        return served

    def _rebuild(self) -> None:
        scale, spread = self._scale, self._spread
        self._heap = heap = [
            ((a + 1) * scale // w * spread + w) << _INDEX_BITS | i
            for i, w, a in zip(range(len(self.weights)), self.weights, self.given)  # noqa: B905
            if a < w
        ]
        heapify(heap)
        self._open = len(heap)
        self._dirty = False
