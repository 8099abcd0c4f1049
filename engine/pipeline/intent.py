"""What an algo asks for, and why: a passive slice resting at a price, or a sweep of displayed liquidity up to
a limit, with the reason and the schedule's target at that moment (journaled as `ChildDecided`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from engine.events import DecisionReason
from engine.model import ParentId, Side, within_limit
from engine.quick_init import quick_init


class IntentKind(Enum):
    PASSIVE = "passive"  # rest at `price` on one venue (DAY)
    SWEEP = "sweep"  # take displayed liquidity across venues up to `price` (IOC); None: no limit


@quick_init
@dataclass(frozen=True, slots=True)
class ChildIntent:
    parent_id: ParentId
    kind: IntentKind
    quantity: int
    price: Decimal | None
    reason: DecisionReason | None = None  # None: by kind (a passive slice, a catch-up sweep)
    target_qty: int | None = None  # the schedule's target now (None: the caller did not say)

    @property
    def why(self) -> DecisionReason:
        if self.reason is not None:
            return self.reason
        return DecisionReason.PASSIVE_SLICE if self.kind is IntentKind.PASSIVE else DecisionReason.CATCH_UP_SWEEP


def capped_at_limit(price: Decimal | None, limit: Decimal | None, side: Side) -> Decimal | None:
    """A child's price under its parent's `limit`: a buy at most the limit, a sell at least it, and an
    unpriced (market) child at the limit; unchanged when the parent has none."""
    if limit is None or (price is not None and within_limit(price, limit, side)):
        return price
    return limit
