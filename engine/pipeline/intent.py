"""What an algo asks for: a passive slice resting at a price, or a sweep of displayed liquidity up to a limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from engine.model import ParentId


class IntentKind(Enum):
    PASSIVE = "passive"  # rest at `price` on one venue (DAY)
    SWEEP = "sweep"  # take displayed liquidity across venues up to `price` (IOC); None: no limit


@dataclass(frozen=True, slots=True)
class ChildIntent:
    parent_id: ParentId
    kind: IntentKind
    quantity: int
    price: Decimal | None
