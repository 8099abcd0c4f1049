"""Read-only snapshots handed to the GUI, algos and tests. The store owns the mutable records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.events import AlgoParams
from engine.model import (
    ChildId,
    FillId,
    Liquidity,
    OrdStatus,
    OrdType,
    ParentId,
    Side,
    Symbol,
    TicketId,
    TimeInForce,
    VenueId,
)
from engine.quick_init import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class ParentView:
    parent_id: ParentId
    symbol: Symbol
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    params: AlgoParams
    start_ns: int
    end_ns: int
    status: OrdStatus
    cum_qty: int
    leaves_qty: int
    avg_price: Decimal | None
    arrival_mid: Decimal | None
    working_qty: int
    children: int
    paused: bool
    created_ns: int
    updated_ns: int
    text: str
    tickets: int = 0
    netted_qty: int = 0

    @property
    def filled_pct(self) -> float:
        return 100.0 * self.cum_qty / self.quantity if self.quantity else 0.0

    @property
    def arrival_slippage_bps(self) -> float | None:
        """Signed, positive = better than arrival (bought below / sold above the arrival mid)."""
        if self.avg_price is None or not self.arrival_mid:
            return None
        edge = (self.arrival_mid - self.avg_price) * self.side.sign
        return float(edge / self.arrival_mid * 10_000)


@quick_init
@dataclass(frozen=True, slots=True)
class ChildView:
    child_id: ChildId
    parent_id: ParentId
    venue: VenueId
    symbol: Symbol
    side: Side
    quantity: int
    price: Decimal | None
    ord_type: OrdType
    tif: TimeInForce
    status: OrdStatus
    cum_qty: int
    leaves_qty: int
    avg_price: Decimal | None
    created_ns: int
    updated_ns: int
    text: str


@quick_init
@dataclass(frozen=True, slots=True)
class TicketRow:
    """A client order as the blotter and the OMS see it: requested, allocated, average price."""

    ticket_id: TicketId
    parent_id: ParentId
    account: str
    source: str
    client_order_id: str
    symbol: Symbol
    side: Side
    requested: int
    quantity: int
    allocated: int
    leaves: int
    crossed: int
    avg_price: Decimal | None
    status: OrdStatus
    text: str
    created_ns: int
    limit_price: Decimal | None = None  # as it stands (a limit amend changes it); None: market
    end_ns: int | None = None  # as it stands; None: to the close


@quick_init
@dataclass(frozen=True, slots=True)
class FillView:
    fill_id: FillId
    child_id: ChildId
    parent_id: ParentId
    venue: VenueId
    symbol: Symbol
    side: Side
    quantity: int
    price: Decimal
    fee: Decimal
    liquidity: Liquidity
    ts_ns: int
    busted: bool = False  # the venue canceled this execution afterwards (ChildFillBusted)
