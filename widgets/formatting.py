"""How values read in the blotters: pure text formatters, one per kind of value.

Prices show the instrument's tick precision (`PricePrecision`; averages and mids a configurable few
decimals more, since an average of on-tick prices is rarely on the tick), integers with thousands
separators, enums by name, exchange-local nanosecond timestamps as HH:MM:SS.mmm and None as an empty cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

NS_PER_DAY = 86_400_000_000_000
NS_PER_MS = 1_000_000
DEFAULT_TICK_DECIMALS = 2
DEFAULT_AVERAGE_EXTRA_DECIMALS = 2
MAX_DECIMALS = 12


def text(value: object) -> str:
    """Plain text; None is empty."""
    return "" if value is None else str(value)


def integer(value: object) -> str:
    """Whole numbers with thousands separators: 1234567 -> "1,234,567"."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def decimal(value: object) -> str:
    """A price or fee exactly as the engine gave it (already on tick precision)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def enum_name(value: object) -> str:
    """An enum member by name, underscores as spaces: PARTIALLY_FILLED -> "PARTIALLY FILLED"."""
    if value is None:
        return ""
    name = getattr(value, "name", None)
    return (name if isinstance(name, str) else str(value)).replace("_", " ")


def time_of_day(value: object) -> str:
    """Exchange-local epoch nanoseconds as HH:MM:SS.mmm (time of day only)."""
    if value is None or not isinstance(value, int):
        return ""
    ms_of_day = (value % NS_PER_DAY) // NS_PER_MS
    seconds, ms = divmod(ms_of_day, 1000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{sec:02d}.{ms:03d}"


def percent(value: object) -> str:
    """A 0..100 percentage with one decimal: 42.25 -> "42.3%"."""
    if value is None or not isinstance(value, (int, float)):
        return ""
    return f"{value:.1f}%"


def bps(value: object) -> str:
    """Signed basis points with one decimal: 3.14 -> "+3.1"."""
    if value is None or not isinstance(value, (int, float)):
        return ""
    return f"{value:+.1f}"


def yes_no(value: object) -> str:
    """A flag shown only when set."""
    return "yes" if value else ""


def tick_decimals(tick: Decimal) -> int:
    """Decimals a tick size needs: 0.01 -> 2, 0.005 -> 3, 0.05 -> 2, 1 -> 0."""
    if not tick.is_finite() or tick <= 0:
        raise ValueError(f"tick size must be a positive number, got {tick}")
    exponent = tick.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return min(MAX_DECIMALS, max(0, -exponent))


def fixed(value: object, decimals: int) -> str:
    """A Decimal rounded (half even) to `decimals` places: fixed(Decimal("189.563333"), 4) -> "189.5633"."""
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        return str(value)
    try:
        return format(value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_EVEN), "f")
    except InvalidOperation:  # more digits than the context holds: show it as it is
        return format(value, "f")


class PricePrecision:
    """How many decimals each symbol's prices show: its tick's, and `average_extra` more for averages.

    One object per window, shared by the blotters, the book and the market panel; `set_ticks` and
    `set_average_extra` change every price shown from the next repaint on.
    """

    def __init__(self, ticks: Mapping[str, Decimal] | None = None,
                 average_extra: int = DEFAULT_AVERAGE_EXTRA_DECIMALS) -> None:
        self._decimals: dict[str, int] = {}
        self._average_extra = 0
        self.set_average_extra(average_extra)
        if ticks:
            self.set_ticks(ticks)

    def set_ticks(self, ticks: Mapping[str, Decimal]) -> None:
        """Tick size by symbol (symbols not given keep what they had, or the default of 2 decimals)."""
        self._decimals.update({str(symbol): tick_decimals(tick) for symbol, tick in ticks.items()})

    def set_average_extra(self, extra: int) -> None:
        if type(extra) is not int or not 0 <= extra <= 6:
            raise ValueError(f"extra decimals for average prices must be a whole number from 0 to 6, got {extra!r}")
        self._average_extra = extra

    @property
    def average_extra(self) -> int:
        return self._average_extra

    def decimals(self, symbol: str) -> int:
        return self._decimals.get(str(symbol), DEFAULT_TICK_DECIMALS)

    def price(self, symbol: str, value: object) -> str:
        """An on-tick price (limit, child price, fill price, book level) at the tick's precision."""
        return fixed(value, self.decimals(symbol))

    def average(self, symbol: str, value: object) -> str:
        """An average price or a mid, with the extra decimals averaging needs."""
        return fixed(value, self.decimals(symbol) + self._average_extra)


PRICES = PricePrecision()
"""The precision every price on screen uses (one process, one desk): the main window sets the ticks from
the engine's instruments and the extra decimals of averages from the desk's configuration."""
