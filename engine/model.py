"""Domain vocabulary: identifiers, enums with their FIX 4.4 values, instruments.

Prices are `Decimal` on the instrument's tick (or integer ticks inside the matching engine);
quantities are `int` shares. Never a float for money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from enum import Enum
from typing import NewType

Symbol = NewType("Symbol", str)
ParentId = NewType("ParentId", str)
ChildId = NewType("ChildId", str)
VenueId = NewType("VenueId", str)
FillId = NewType("FillId", str)
TicketId = NewType("TicketId", str)


class FastEnum(Enum):
    """An Enum hashed by identity, in C (Enum's own hash is a Python call). Its members are singletons equal only
    to themselves, so this is the same set and dict behaviour; the engine's hot keys hold sides and statuses."""

    __hash__ = object.__hash__


class Side(FastEnum):
    """Order side; values are FIX tag 54."""

    BUY = "1"
    SELL = "2"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell (signed quantities, slippage)."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


def within_limit(price: Decimal, limit: Decimal | None, side: Side) -> bool:
    """Whether trading at `price` respects `limit` for a `side` order: a buy at most the limit, a sell at
    least it (always, without a limit)."""
    return limit is None or (price <= limit if side is Side.BUY else price >= limit)


class OrdType(FastEnum):
    """FIX tag 40."""

    MARKET = "1"
    LIMIT = "2"


class TimeInForce(FastEnum):
    """FIX tag 59."""

    DAY = "0"
    IOC = "3"


class Liquidity(FastEnum):
    """FIX tag 851 LastLiquidityInd: did the fill add or remove liquidity."""

    ADDED = "1"
    REMOVED = "2"


class OrdStatus(FastEnum):
    """FIX 4.4 OrdStatus (tag 39).

    REPLACED is kept for decoding older peers: FIX 4.4 marks OrdStatus=5 "no longer used" and reports
    a replace with ExecType=5 while OrdStatus shows the order's current state (new/partial/filled).
    """

    PENDING_NEW = "A"
    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    PENDING_CANCEL = "6"
    CANCELED = "4"
    PENDING_REPLACE = "E"
    REPLACED = "5"
    REJECTED = "8"
    EXPIRED = "C"

    @property
    def is_terminal(self) -> bool:
        return self._value_ in _TERMINAL_VALUES

    @property
    def is_live(self) -> bool:
        """Still working (or may still work) at a venue or in the engine."""
        return self._value_ not in _TERMINAL_VALUES


# Membership by the value string: enum members hash through a Python-level __hash__ (hot path).
_TERMINAL_VALUES = frozenset({"2", "4", "8", "C"})  # FILLED, CANCELED, REJECTED, EXPIRED


class InvalidPrice(ValueError):
    """A price that is not a positive multiple of the instrument's tick."""


MAX_QUANTITY = 10**12
"""No order is larger (a trillion shares): every quantity fits the journal's 64-bit integers and prints short."""
SHOWN_TEXT = 40
"""A refused value an error message repeats is cut to this many characters (bounded work, a readable message)."""


def cut_text(text: str) -> str:
    """`text` as an error message repeats it: at most `SHOWN_TEXT` characters, "..." where it was cut."""
    return text if len(text) <= SHOWN_TEXT else f"{text[:SHOWN_TEXT - 3]}..."


MAX_TICKS = 10**15
"""The most ticks a price may be (ten trillion dollars at a cent): past it no price is on the grid, so working
out a price's ticks never rounds and never raises, whatever its text."""
_GRID = Context(prec=60)
"""Room for any price up to `MAX_TICKS` ticks to its tick's last digit: quantizing to the tick never rounds
away a digit it keeps, and never overflows."""


@dataclass(frozen=True, slots=True)
class _Grid:
    """What a tick size's grid needs, worked out once per tick size."""

    unit: Decimal  # one in the tick's last digit (0.01 for 0.05)
    shift: int  # the power of ten that makes that digit the units'
    step: int  # the tick in those units (5 for 0.05)
    highest: Decimal  # MAX_TICKS ticks


_GRIDS: dict[Decimal, _Grid] = {}


def _grid(tick: Decimal) -> _Grid:
    exponent = tick.as_tuple().exponent
    if not isinstance(exponent, int) or tick <= 0:
        raise InvalidPrice(f"tick size must be a positive number, got {tick}")
    grid = _Grid(Decimal((0, (1,), exponent)), -exponent, int(tick.scaleb(-exponent, context=_GRID)),
                 tick * MAX_TICKS)
    if len(_GRIDS) < 10_000:  # tick sizes are few; a bound all the same
        _GRIDS[tick] = grid
    return grid


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument with its price and quantity increments."""

    symbol: Symbol
    tick_size: Decimal
    lot_size: int = 1
    currency: str = "USD"

    def __post_init__(self) -> None:
        if self.tick_size <= 0:
            raise ValueError(f"{self.symbol}: tick size must be positive, got {self.tick_size}")
        if self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: lot size must be positive, got {self.lot_size}")

    def is_on_tick(self, price: Decimal) -> bool:
        """Whether `price` is a positive whole number of ticks (at most `MAX_TICKS`); exact for any Decimal."""
        return self._ticks(price) is not None

    def to_ticks(self, price: Decimal) -> int:
        """Exact integer ticks; raises `InvalidPrice` when the price is off the tick grid."""
        ticks = self._ticks(price)
        if ticks is None:
            raise InvalidPrice(f"{self.symbol}: price {price} is not a positive multiple of tick {self.tick_size}")
        return ticks

    def _ticks(self, price: Decimal) -> int | None:
        """`price` in whole ticks, or None. Never by division or remainder, which round at the context's precision
        and underflow below its exponent range: 1E-999999999 % 0.01 is 0 there, and a price with 30 digits
        divides into a whole number of ticks it is not."""
        grid = _GRIDS.get(self.tick_size) or _grid(self.tick_size)
        if not price.is_finite() or price < self.tick_size or price > grid.highest:
            return None
        if price.quantize(grid.unit, context=_GRID) != price:
            return None  # digits finer than the tick's last one
        units = int(price.scaleb(grid.shift, context=_GRID))
        return units // grid.step if units % grid.step == 0 else None

    def from_ticks(self, ticks: int) -> Decimal:
        return (self.tick_size * ticks).normalize() if ticks else Decimal(0)

    def price(self, ticks: int) -> Decimal:
        """Price for integer ticks, quantized to the tick's exponent (stable display precision)."""
        return (self.tick_size * ticks).quantize(self.tick_size)

    def round_down(self, price: Decimal) -> Decimal:
        """Largest on-tick price <= price (a buyer's passive side)."""
        return (price / self.tick_size).to_integral_value(ROUND_FLOOR) * self.tick_size

    def round_up(self, price: Decimal) -> Decimal:
        """Smallest on-tick price >= price (a seller's passive side)."""
        return (price / self.tick_size).to_integral_value(ROUND_CEILING) * self.tick_size

    def round_lots(self, quantity: int) -> int:
        """Whole lots, rounded down."""
        return quantity - quantity % self.lot_size

    def is_whole_lots(self, quantity: int) -> bool:
        return quantity > 0 and quantity % self.lot_size == 0
