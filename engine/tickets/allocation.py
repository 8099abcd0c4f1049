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
from operator import sub


class AllocationError(ValueError):
    """A broken allocation invariant (overfill, a state the continuous rule cannot have produced)."""


def pro_rata(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` units pro rata to `weights`: Hamilton's largest remainder, ties by lower index.

    Exact: the result sums to `total`; each share is floor or ceil of its exact quota.
    """
    weight_sum = sum(weights)
    if total < 0 or any(w < 0 for w in weights):
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


_NEVER = 1 << 256  # a key above any deadline key: "cannot take another lot now"


class _Deadlines:
    """Exact next-lot deadlines as integers that sort like (deadline, weight), for one epoch.

    A deadline ``(given + 1) * total / w`` is a fraction; ``floor(scale * deadline)`` with
    ``scale = max_weight**2`` keeps distinct fractions distinct and in order (they differ by at least
    ``1 / max_weight**2``), and equal ones equal. The weight breaks ties: on equal deadlines the
    smaller ticket has the larger remainder.
    """

    __slots__ = ("scale", "spread", "top", "total")

    def __init__(self, weights: Sequence[int], total: int) -> None:
        top = self.top = max(weights, default=1)
        self.scale = top * top
        self.spread = top + 1
        self.total = total

    def key(self, given: int, weight: int) -> int:
        return (given + 1) * self.total * self.scale // weight * self.spread + weight  # see allocate_increment

    def due_by(self, after: int) -> int:
        """Keys below this are due by cumulative fill `after` (deadline <= after)."""
        return (self.scale * after + 1) * self.spread


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
    # new = max(given, floor(w * after / total)), element-wise. Hot path: a conditional, because max() is
    # 5x slower, and zip() without strict=, because the keyword costs ~1 us per call (lengths are equal
    # by construction).
    if filled:
        new = [q if q > g else g for q, g in zip([w * after // total for w in weights], given)]  # noqa: B905
    else:
        new = [w * after // total for w in weights]
    short = after - sum(new)
    if short < 0:
        raise AllocationError(f"allocation state is not reachable: {-short} lots over-allocated")
    if short:
        # Tickets below their exact share (a*total < w*after: a is the lower quota, the share is
        # fractional) keyed by (deadline of the next lot, weight) as one integer as in _Deadlines; the
        # others can take nothing more. min and sorted are stable: equal keys go by arrival.
        top = top or max(weights)
        scale, spread = top * top * total, top + 1
        keys = [
            (a + 1) * scale // w * spread + w if a * total < w * after else _NEVER
            for a, w in zip(new, weights)  # noqa: B905
        ]
        if short == 1:
            best = [min(range(len(keys)), key=keys.__getitem__)]
        else:
            best = sorted(range(len(keys)), key=keys.__getitem__)[:short]
        if keys[best[-1]] is _NEVER:
            raise AllocationError(f"allocation state is not reachable: {short} lots over too few tickets")
        for i in best:
            new[i] += 1
    return new


_INDEX_BITS = 32
_INDEX = (1 << _INDEX_BITS) - 1


class ContinuousAllocator:
    """`allocate_increment` as a running state: identical results, cheap small fills.

    Holds one epoch: `weights` (lots open per ticket when the epoch started), `given` (lots allocated
    since), `total` and `filled`. When weights change, start a new allocator from what is still open.
    """

    __slots__ = ("_deadlines", "_dirty", "_heap", "_open", "filled", "given", "total", "weights")

    def __init__(self, weights: list[int]) -> None:
        self.weights = weights
        self.given = [0] * len(weights)
        self.total = sum(weights)
        self.filled = 0
        self._deadlines = _Deadlines(weights, self.total)
        self._heap: list[int] = []  # deadline key << 32 | index: plain ints, nothing for the GC to track
        self._open = len(weights)  # tickets with lots still to receive (an upper bound while dirty)
        self._dirty = True

    def allocate(self, lots: int) -> list[int]:
        """Allocate `lots` more; returns the lots each ticket received (by index, zeros included)."""
        total, weights, given, filled = self.total, self.weights, self.given, self.filled
        after = filled + lots
        if lots < 0 or after > total:
            raise AllocationError(f"fill of {lots} lots with {filled} of {total} already filled: overfill")
        self.filled = after
        if after == total or 2 * lots >= self._open:
            # A fill that serves most tickets: one pass over the block is cheaper than the heap.
            updated = self.given = allocate_increment(weights, given, total, filled, lots, self._deadlines.top)
            self._dirty = True
            return list(map(sub, updated, given))
        if self._dirty:
            self._rebuild()
        heap, key = self._heap, self._deadlines.key
        served = [0] * len(weights)
        short = lots
        # 1. lower quota: every ticket whose next lot is due by `after`.
        due_by = self._deadlines.due_by(after) << _INDEX_BITS
        while heap and heap[0] < due_by:
            i = heappop(heap) & _INDEX
            weight = weights[i]
            new = weight * after // total
            served[i] = new - given[i]
            short -= new - given[i]
            given[i] = new
            if new < weight:
                heappush(heap, key(new, weight) << _INDEX_BITS | i)
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
                    held.append(key(a + 1, weight) << _INDEX_BITS | i)
            else:
                held.append(entry)  # already at its upper quota: its turn comes later
        for entry in held:
            heappush(heap, entry)
        self._open = len(heap)
        return served

    def _rebuild(self) -> None:
        key = self._deadlines.key
        pairs = enumerate(zip(self.weights, self.given))  # noqa: B905
        self._heap = [key(a, w) << _INDEX_BITS | i for i, (w, a) in pairs if a < w]
        heapify(self._heap)
        self._open = len(self._heap)
        self._dirty = False
