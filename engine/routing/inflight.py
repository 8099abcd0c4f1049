"""In-flight accounting (pure): what a parent may still send, and which children to cancel when more is
out than its leaves.

In flight is everything sent and not yet confirmed done: working children *and* those whose cancel is
pending (a fill can still race the cancel). Sending at most `room` keeps filled + in flight <= quantity
under any interleaving of fills and cancel acknowledgements, so the parent can never be overfilled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.model import ChildId


@dataclass(frozen=True, slots=True)
class InFlight:
    """One live child as the tracker sees it."""

    child_id: ChildId
    leaves: int
    cancel_pending: bool


def room(quantity: int, filled: int, in_flight: int) -> int:
    """What may still be sent: quantity - filled - in flight (never negative)."""
    return max(0, quantity - filled - in_flight)


def excess(quantity: int, filled: int, children: Sequence[InFlight]) -> int:
    """How much more is out than the parent's leaves (0 when nothing is)."""
    return max(0, filled + sum(c.leaves for c in children) - quantity)


def excess_cancels(quantity: int, filled: int, children: Sequence[InFlight]) -> list[ChildId]:
    """The children to cancel, newest first (the list is oldest first), until what stays out fits the
    leaves; children already pending cancel count as going and are not asked again."""
    over = excess(quantity, filled, children)
    over -= sum(c.leaves for c in children if c.cancel_pending)
    chosen: list[ChildId] = []
    for child in reversed(children):
        if over <= 0:
            break
        if not child.cancel_pending and child.leaves > 0:
            chosen.append(child.child_id)
            over -= child.leaves
    return chosen
