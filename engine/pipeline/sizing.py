"""Child sizing: round lots and a minimum child size, except for the final remainder.

A stage of the child pipeline (algo intent -> **sizing** -> routing -> risk -> venue), so every algo
obeys one desk-wide rule. Pure functions, table-tested and property-tested:

- `child_quantity(wanted, room, lot, min_qty)`: what one child may carry. `room` is what the parent
  may still send (leaves minus what is out at venues). Asking for all of it sends it whole, odd lot or
  not (the final remainder); otherwise the quantity is rounded down to whole lots and nothing goes out
  below the minimum: the algo asks again as its schedule grows.
- `fit_sweep(slices, quantity, room, lot, min_qty)`: the per-venue slices the router cut from a sweep,
  made to obey the same rule: whole lots, none below the minimum; a sweep for the final remainder
  puts its odd tail on the first slice that can carry it and is exempt from the minimum.
- `fit_split(slices, lot, min_qty, room)`: a resting order the router split across venues (the
  Cont–Kukanov split, parallel posting; their total may exceed the intent, never the room): whole lots,
  no slice below the minimum; an odd tail is kept (on the largest slice) only when the split sends the
  whole room (the final remainder), else dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from engine.quick_init import quick_init

MAX_ROUND_LOT = 1_000_000
"""A round lot above this is a typo, not a policy."""


@dataclass(frozen=True, slots=True)
class ChildSizing:
    """The desk's child-size policy (config `[algos] round_lot`, `min_child_qty`).

    `round_lot` 1 and `min_child_qty` 0 change nothing: children are as the algo and router cut them.
    """

    round_lot: int = 1
    min_child_qty: int = 0

    def __post_init__(self) -> None:
        if type(self.round_lot) is not int or not 1 <= self.round_lot <= MAX_ROUND_LOT:
            raise ValueError(f"algos.round_lot must be a whole number from 1 to {MAX_ROUND_LOT:,}, "
                             f"got {self.round_lot!r}")
        if type(self.min_child_qty) is not int or self.min_child_qty < 0:
            raise ValueError(f"algos.min_child_qty must be a whole number >= 0, got {self.min_child_qty!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> ChildSizing:
        """From the `[algos]` table of the configuration; missing keys keep their defaults."""
        return cls(round_lot=section.get("round_lot", 1), min_child_qty=section.get("min_child_qty", 0))

    def lot_for(self, instrument_lot: int) -> int:
        """The lot children of an instrument come in: a multiple of both the instrument's lot and ours."""
        return math.lcm(instrument_lot, self.round_lot)

    def plan(self, wanted: int, room: int, instrument_lot: int) -> SizingPlan:
        """How one intent of `wanted` shares is sized, for a parent that may still send `room`."""
        lot = self.lot_for(instrument_lot)
        return SizingPlan(child_quantity(wanted, room, lot, self.min_child_qty), room, lot, self.min_child_qty)


class _Sliced(Protocol):
    @property
    def quantity(self) -> int: ...


S = TypeVar("S", bound=_Sliced)


@quick_init
@dataclass(frozen=True, slots=True)
class SizingPlan:
    """One intent's size (`quantity`, 0: send nothing now) and how its sweep slices are fitted."""

    quantity: int
    room: int
    lot: int
    min_qty: int

    def fit(self, slices: Sequence[S]) -> list[S]:
        """The router's sweep slices (dataclasses with a `quantity`), resized by `fit_sweep`, empty ones dropped."""
        fitted = fit_sweep([s.quantity for s in slices], self.quantity, self.room, self.lot, self.min_qty)
        return _resized(slices, fitted)

    def fit_resting(self, slices: Sequence[S]) -> list[S]:
        """A resting order's venue slices, resized by `fit_split`, empty ones dropped."""
        fitted = fit_split([s.quantity for s in slices], self.lot, self.min_qty, self.room)
        return _resized(slices, fitted)


def _resized(slices: Sequence[S], quantities: list[int]) -> list[S]:
    """Each slice with its new quantity (itself when unchanged: the slices are immutable), empty ones dropped."""
    return [s if q == s.quantity else replace(s, quantity=q)  # type: ignore[type-var]
            for s, q in zip(slices, quantities, strict=True) if q > 0]


def fit_split(slices: Sequence[int], lot: int, min_qty: int, room: int) -> list[int]:
    """Per-slice quantities (same order; 0 = drop the slice) for a resting order the router split across
    venues: the total in whole lots (largest remainders get the leftover lots), a slice below the minimum
    folded into the largest. The total's odd tail rides on the largest slice when the split sends all of
    `room` (the final remainder completes the parent); otherwise it is dropped (a Cont–Kukanov split may
    post a little more than the intent: 101 for 100 is 100).

    Unlike a sweep's slices these are not capped by what a venue shows, so whole lots are never lost: the
    split moves shares between venues."""
    total = sum(slices)
    if not slices or lot <= 0:
        return list(slices)
    whole_lots, tail = divmod(total, lot)
    if total < room:
        tail = 0
    fitted = [q // lot for q in slices]
    by_remainder = sorted(range(len(slices)), key=lambda i: (-(slices[i] % lot), -slices[i], i))
    for i in by_remainder[:whole_lots - sum(fitted)]:
        fitted[i] += 1
    quantities = [n * lot for n in fitted]
    largest = max(range(len(slices)), key=lambda i: (quantities[i], slices[i], -i))
    for i, q in enumerate(quantities):
        if 0 < q < min_qty and i != largest:
            quantities[largest] += q
            quantities[i] = 0
    quantities[largest] += tail
    return quantities


def child_quantity(wanted: int, room: int, lot: int, min_qty: int) -> int:
    """Shares one child may carry (0: send nothing now).

    `wanted` is what the algo asks for, `room` what the parent may still send without overfilling.
    """
    if room <= 0 or wanted <= 0:
        return 0
    if wanted >= room:
        return room  # the final remainder, whole: odd lot and below the minimum allowed
    quantity = wanted - wanted % lot
    return quantity if quantity >= max(min_qty, 1) else 0


def fit_sweep(slices: Sequence[int], quantity: int, room: int, lot: int, min_qty: int) -> list[int]:
    """Per-slice quantities (same order; 0 = drop the slice) obeying the lot and the minimum.

    `slices` are what the router cut from a sweep of `quantity` (each at most what a venue shows).
    Never more than a slice, never more than `quantity` in all. When `quantity` is the whole `room`
    (the final remainder) its odd tail (room % lot) rides on the first slice with room for it, and no
    minimum applies: those children complete the parent.
    """
    final = quantity >= room
    tail = room % lot if final else 0
    fitted: list[int] = []
    budget = min(quantity, room)
    for shown in slices:
        take = min(shown, budget)
        whole = take - take % lot
        if tail and take - whole >= tail:
            whole += tail
            tail = 0
        if not final and whole < min_qty:
            whole = 0
        fitted.append(whole)
        budget -= whole
    return fitted
