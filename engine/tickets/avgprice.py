"""Average-price allocation: every ticket of a block is booked at the block's average price.

Executions are kept exactly as integer *notional units*: shares x price in half ticks (a cross at a
half-tick mid is still exact), one unit worth ``tick / 2``. The rules:

- the block's average price is ``notional / executed`` rounded half-even to 4 decimal places beyond
  the tick (0.01 tick -> 6 places); it is shown, not used to compute money;
- each ticket's booked notional is the block's exact notional split pro rata to the ticket's
  allocated shares by largest remainder in whole units (ties by arrival), so the tickets' notionals
  sum *exactly* to the fills' notional, and each differs from ``shares x exact average`` by less than
  one unit (0.005 for a 0.01 tick). The residual units land on the largest remainders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from engine.model import Instrument

AVG_PRICE_EXTRA_DIGITS = 4


class Money(NamedTuple):
    """An instrument's money units: one notional unit is ``tick / 2``; the average price has
    AVG_PRICE_EXTRA_DIGITS more decimal places than the tick (a `quantum` of ``10**(exponent - 4)``),
    and a unit is ``coefficient * 10**4 / 2`` of those quanta."""

    unit: Decimal
    quantum: Decimal
    quanta_per_unit: int


# (tick, its exponent) -> Money, once per tick size (the exponent too: 0.010 == 0.01, but the average
# price of a 0.010 tick has one more place)
_MONEY: dict[tuple[Decimal, int | str], Money] = {}


def money_of(tick: Decimal) -> Money:
    """The money units of a tick size (cached)."""
    _, digits, exponent = tick.as_tuple()
    known = _MONEY.get((tick, exponent))
    if known is None:
        coefficient = int("".join(map(str, digits)))
        quantum = Decimal(1).scaleb(int(exponent) - AVG_PRICE_EXTRA_DIGITS)
        known = _MONEY[tick, exponent] = Money(tick / 2, quantum, coefficient * 10**AVG_PRICE_EXTRA_DIGITS // 2)
    return known


def unit_value(instrument: Instrument) -> Decimal:
    """The money value of one notional unit (one share at half a tick)."""
    return money_of(instrument.tick_size).unit


def notional(instrument: Instrument, units: int) -> Decimal:
    """Exact money value of `units` notional units."""
    return money_of(instrument.tick_size).unit * units  # exact, at the half tick's exponent


def average_price(instrument: Instrument, units: int, shares: int) -> Decimal | None:
    """The average price of `shares` executed for `units` notional units (None when nothing executed)."""
    return average_in(money_of(instrument.tick_size), units, shares)


def average_in(money: Money, units: int, shares: int) -> Decimal | None:
    """`average_price` in known money units: rounded half-even, in exact integers."""
    if shares <= 0:
        return None
    quanta, rest = divmod(units * money.quanta_per_unit, shares)
    if 2 * rest > shares or (2 * rest == shares and quanta & 1):
        quanta += 1
    price: Decimal = money.quantum * quanta
    return price
