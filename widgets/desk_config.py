"""The desk's habits from the configuration's `[desk]` table: when to ask before sending or cancelling,
and how many extra decimals average prices show. Pure parsing, no Qt; every error names its key.

Defaults are those of resources/default_config.toml (a test keeps the two in step).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,8})?$")
"""A threshold as written in the file: plain digits, bounded (never an exponent)."""


class DeskConfigError(ValueError):
    """A `[desk]` value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """When the GUI asks before acting, and how prices read."""

    confirm_orders: bool = True
    """Ask before sending an order that is large or far from the market (false: never ask)."""
    confirm_order_notional: Decimal = Decimal("1000000")
    """An order worth more than this (quantity x limit, or x the mid without a limit) is large."""
    confirm_order_quantity: int = 50_000
    """An order of more shares than this is large."""
    confirm_away_from_market_pct: Decimal = Decimal("2")
    """A limit further than this percentage from the mid (through it or away from it) is far."""
    confirm_repeat_seconds: int = 10
    """The same order (symbol, side, quantity, limit, algo, account) again within this many seconds."""
    confirm_cancels: bool = True
    """Ask before cancelling parent orders or tickets (Kill never asks)."""
    average_price_extra_decimals: int = 2
    """Average prices and mids show the tick's decimals plus this many."""

    @classmethod
    def from_raw(cls, section: Mapping[str, Any]) -> DeskConfig:
        """From the `[desk]` table (missing keys keep their defaults); unknown keys are refused."""
        if not isinstance(section, Mapping):
            raise DeskConfigError(f"[desk] must be a table, got {section!r}")
        defaults = cls()
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(section) - known)
        if unknown:
            raise DeskConfigError(f"desk: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(
            confirm_orders=_flag(section, "confirm_orders", defaults.confirm_orders),
            confirm_order_notional=_amount(section, "confirm_order_notional", defaults.confirm_order_notional),
            confirm_order_quantity=_whole(section, "confirm_order_quantity", defaults.confirm_order_quantity, 10**12),
            confirm_away_from_market_pct=_amount(section, "confirm_away_from_market_pct",
                                                 defaults.confirm_away_from_market_pct),
            confirm_repeat_seconds=_whole(section, "confirm_repeat_seconds", defaults.confirm_repeat_seconds, 3600),
            confirm_cancels=_flag(section, "confirm_cancels", defaults.confirm_cancels),
            average_price_extra_decimals=_whole(section, "average_price_extra_decimals",
                                                defaults.average_price_extra_decimals, 6),
        )


def _flag(section: Mapping[str, Any], key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise DeskConfigError(f"desk.{key} must be true or false, got {value!r}")
    return value


def _whole(section: Mapping[str, Any], key: str, default: int, most: int) -> int:
    value = section.get(key, default)
    if type(value) is not int or not 0 <= value <= most:
        raise DeskConfigError(f"desk.{key} must be a whole number from 0 to {most:,}, got {value!r}")
    return value


def _amount(section: Mapping[str, Any], key: str, default: Decimal) -> Decimal:
    value = section.get(key, default)
    if isinstance(value, Decimal):
        return value
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _AMOUNT.match(text):
        raise DeskConfigError(f"desk.{key} must be a number such as \"1000000\" or \"2.5\", got {value!r}")
    return Decimal(text)
