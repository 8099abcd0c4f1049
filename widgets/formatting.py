"""How values read in the blotters: pure text formatters, one per kind of value.

Decimals are shown as they come (the engine already puts prices on the instrument's tick), integers
with thousands separators, enums by name, exchange-local nanosecond timestamps as HH:MM:SS.mmm and
None as an empty cell.
"""

from __future__ import annotations

from decimal import Decimal

NS_PER_DAY = 86_400_000_000_000
NS_PER_MS = 1_000_000


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
