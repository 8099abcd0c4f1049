"""What the router knows about a venue before any flow: its kind, its fee schedule, its minimum quantity.

The same `[venues.NAME]` configuration builds the simulated venues, so the router's schedule and the
venue's charges agree; what a venue actually charged is learned in the scorecard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.model import VenueId


@dataclass(frozen=True, slots=True)
class VenueFacts:
    """Per-share fees (positive = we pay, negative = rebate), kind and minimum order size of one venue."""

    venue: VenueId
    dark: bool = False
    maker_fee: Decimal = Decimal("0")
    taker_fee: Decimal = Decimal("0")
    min_qty: int = 0
    """Dark pools: the smallest order (and execution) the pool accepts; 0 = none."""
    latency_us: float = 0.0
    """The configured one-way latency, a prior until the scorecard has measured acknowledgements."""


def lit_and_dark(facts: dict[VenueId, VenueFacts], venues: list[VenueId]) -> tuple[list[VenueId], list[VenueId]]:
    """`venues` split into lit and dark (a venue without facts counts as lit), order kept."""
    lit = [v for v in venues if not (v in facts and facts[v].dark)]
    dark = [v for v in venues if v in facts and facts[v].dark]
    return lit, dark
