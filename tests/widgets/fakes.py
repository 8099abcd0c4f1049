"""Fake row snapshots with the attribute names of the engine's views (the widgets must not need more)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

NS_0930 = 1_700_000_000_000_000_000 - 1_700_000_000_000_000_000 % 86_400_000_000_000 + 34_200 * 10**9


class Side(Enum):
    BUY = "1"
    SELL = "2"


class OrdStatus(Enum):
    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    CANCELED = "4"
    REJECTED = "8"


class OrdType(Enum):
    MARKET = "1"
    LIMIT = "2"


class Tif(Enum):
    DAY = "0"
    IOC = "3"


class Liquidity(Enum):
    ADDED = "1"
    REMOVED = "2"


@dataclass(frozen=True, slots=True)
class Parent:
    parent_id: str
    symbol: str = "AAPL"
    side: Side = Side.BUY
    quantity: int = 10_000
    limit_price: Decimal | None = None
    algo: str = "VWAP"
    start_ns: int = NS_0930
    end_ns: int = NS_0930 + 3_600 * 10**9
    status: OrdStatus = OrdStatus.NEW
    cum_qty: int = 0
    leaves_qty: int = 10_000
    avg_price: Decimal | None = None
    arrival_mid: Decimal | None = Decimal("100.00")
    working_qty: int = 0
    paused: bool = False
    text: str = ""

    @property
    def filled_pct(self) -> float:
        return 100.0 * self.cum_qty / self.quantity if self.quantity else 0.0

    @property
    def arrival_slippage_bps(self) -> float | None:
        if self.avg_price is None or not self.arrival_mid:
            return None
        sign = 1 if self.side is Side.BUY else -1
        return float((self.arrival_mid - self.avg_price) * sign / self.arrival_mid * 10_000)


@dataclass(frozen=True, slots=True)
class Child:
    child_id: str
    parent_id: str
    venue: str = "SIM"
    symbol: str = "AAPL"
    side: Side = Side.BUY
    quantity: int = 100
    price: Decimal | None = Decimal("100.00")
    ord_type: OrdType = OrdType.LIMIT
    tif: Tif = Tif.DAY
    status: OrdStatus = OrdStatus.NEW
    cum_qty: int = 0
    leaves_qty: int = 100
    avg_price: Decimal | None = None
    created_ns: int = NS_0930
    updated_ns: int = NS_0930
    text: str = ""


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: str
    child_id: str
    parent_id: str
    venue: str = "SIM"
    symbol: str = "AAPL"
    side: Side = Side.BUY
    quantity: int = 100
    price: Decimal = Decimal("100.00")
    fee: Decimal = Decimal("0.05")
    liquidity: Liquidity = Liquidity.ADDED
    ts_ns: int = NS_0930
    busted: bool = False


@dataclass(frozen=True, slots=True)
class TicketRowFake:
    ticket_id: str
    parent_id: str | None = None
    account: str = "DESK"
    source: str = "gui"
    symbol: str = "AAPL"
    side: Side = Side.BUY
    requested: int = 1_000
    allocated: int = 0
    avg_price: Decimal | None = None
    crossed: int = 0
    status: OrdStatus | str = OrdStatus.NEW
    text: str = ""
    created_ns: int = NS_0930
    limit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """An `AlgoProgress` as the engine publishes it."""

    ts_ns: int
    parent_id: str
    target_qty: int = 0
    filled_qty: int = 0
    working_qty: int = 0
    market_volume: int = 0
    market_vwap: Decimal | None = None
    arrival_mid: Decimal | None = Decimal("100.00")
    avg_price: Decimal | None = None
    slippage_bps: float | None = None


@dataclass(frozen=True, slots=True)
class BasketLine:
    """An accepted basket row, named like the engine's BasketRow."""

    line_no: int
    account: str
    symbol: str
    side: Side
    quantity: int
    limit_price: Decimal | None = None
    algo: str = "VWAP"
    urgency: str = "MEDIUM"
    start_ns: int | None = None
    end_ns: int | None = None


@dataclass(frozen=True, slots=True)
class BasketProblem:
    line: int
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class Preview:
    accepted: tuple[BasketLine, ...]
    errors: tuple[BasketProblem, ...]
