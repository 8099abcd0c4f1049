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

from decimal import ROUND_HALF_EVEN, Decimal

from engine.model import Instrument

AVG_PRICE_EXTRA_DIGITS = 4


_UNIT_VALUES: dict[Decimal, tuple[Decimal, Decimal]] = {}  # tick -> (unit value, average price quantum)


def _unit_and_quantum(tick: Decimal) -> tuple[Decimal, Decimal]:
    pair = _UNIT_VALUES.get(tick)
    if pair is None:  # a Decimal division costs ~1 us: once per tick size
        pair = _UNIT_VALUES[tick] = (tick / 2, tick.scaleb(-AVG_PRICE_EXTRA_DIGITS))
    return pair


def unit_value(instrument: Instrument) -> Decimal:
    """The money value of one notional unit (one share at half a tick)."""
    return _unit_and_quantum(instrument.tick_size)[0]


def notional(instrument: Instrument, units: int) -> Decimal:
    """Exact money value of `units` notional units."""
    return _unit_and_quantum(instrument.tick_size)[0] * units  # exact, at the half tick's exponent


def average_price(instrument: Instrument, units: int, shares: int) -> Decimal | None:
    """The average price of `shares` executed for `units` notional units (None when nothing executed)."""
    if shares <= 0:
        return None
    unit, quantum = _unit_and_quantum(instrument.tick_size)  # only the quantum's exponent matters
    return (Decimal(units) * unit / shares).quantize(quantum, rounding=ROUND_HALF_EVEN)
