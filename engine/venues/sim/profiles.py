"""Per-venue economics of the simulated market from configuration (`[venues.NAME]` tables).

Each venue: fees per share (`maker_fee`, `taker_fee`, decimal strings; negative = rebate), one-way
latency (`latency_us` + up to `jitter_us`), `depth` (multiplier of its background flow; for the dark
pool, of its contra arrivals), and for the dark pool `dark = true` and `min_qty`. Keys left out keep
the built-in values of that venue (the defaults of `engine/venues/sim/market.py`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.model import VenueId
from engine.venues.sim.dark import DARK_FEES
from engine.venues.sim.gateway import Fees
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.market import (
    DARK_VENUE,
    DEFAULT_FEES,
    DEFAULT_FLOWS,
    DEFAULT_LATENCIES,
    SimMarketConfig,
)

_FEE = re.compile(r"-?0?\.\d{1,6}|-?0")
MAX_FEE = Decimal("0.05")
_KEYS = {"maker_fee", "taker_fee", "latency_us", "jitter_us", "depth", "dark", "min_qty"}


class VenueConfigError(ValueError):
    """A `[venues]` value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class VenueProfile:
    venue: VenueId
    maker_fee: Decimal
    taker_fee: Decimal
    latency_us: int
    jitter_us: int
    depth: float = 1.0
    dark: bool = False
    min_qty: int = 0


def default_profile(venue: VenueId, dark: bool) -> VenueProfile:
    fees = DARK_FEES if dark else DEFAULT_FEES.get(venue, Fees())
    latency = DEFAULT_LATENCIES.get(venue, LatencyModel())
    return VenueProfile(venue, fees.maker_per_share, fees.taker_per_share, latency.base_ns // 1_000,
                        latency.jitter_ns // 1_000, 1.0, dark, 200 if dark else 0)


def parse_venues(section: Mapping[str, Any], lit: Sequence[str], dark_pool: bool) -> dict[VenueId, VenueProfile]:
    """Profiles of the configured lit venues and the dark pool, the table's values over the built-ins."""
    names = [*lit, *([DARK_VENUE] if dark_pool else [])]
    unknown = sorted(set(section) - set(names))
    if unknown:
        raise VenueConfigError(f"venues: no venue named {', '.join(unknown)} (lit venues: {', '.join(lit)})")
    profiles = {}
    for name in names:
        venue = VenueId(name)
        table = section.get(name, {})
        if not isinstance(table, Mapping):
            raise VenueConfigError(f"venues.{name} must be a table")
        bad = sorted(set(table) - _KEYS)
        if bad:
            raise VenueConfigError(f"venues.{name}: unknown key(s) {', '.join(bad)}")
        is_dark = name == DARK_VENUE
        if "dark" in table and table["dark"] is not is_dark:
            raise VenueConfigError(f"venues.{name}.dark: only {DARK_VENUE} is the dark pool")
        base = default_profile(venue, is_dark)
        profiles[venue] = VenueProfile(
            venue, _fee(table, name, "maker_fee", base.maker_fee), _fee(table, name, "taker_fee", base.taker_fee),
            _whole(table, name, "latency_us", base.latency_us, 1_000_000),
            _whole(table, name, "jitter_us", base.jitter_us, 1_000_000),
            _number(table, name, "depth", base.depth), is_dark,
            _whole(table, name, "min_qty", base.min_qty, 10_000_000))
    return profiles


def market_config(profiles: Mapping[VenueId, VenueProfile], base: SimMarketConfig | None = None) -> SimMarketConfig:
    """The simulated market's configuration with these venues' fees, latencies and depth."""
    base = base or SimMarketConfig()
    fees = dict(base.fees_by_venue)
    latencies = dict(base.latency_by_venue)
    flows = dict(base.flow_by_venue)
    dark = base.dark
    dark_fees = base.dark_fees
    for venue, p in profiles.items():
        latencies[venue] = LatencyModel(p.latency_us * 1_000, p.jitter_us * 1_000)
        if p.dark:
            dark_fees = Fees(p.maker_fee, p.taker_fee)
            dark = dataclasses.replace(dark, min_qty=p.min_qty, contra_rate_per_s=dark.contra_rate_per_s * p.depth)
            continue
        fees[venue] = Fees(p.maker_fee, p.taker_fee)
        flow = DEFAULT_FLOWS.get(venue, base.flow)
        flows[venue] = dataclasses.replace(flow, add_rate_per_s=flow.add_rate_per_s * p.depth,
                                           trade_rate_per_s=flow.trade_rate_per_s * p.depth)
    return dataclasses.replace(base, fees_by_venue=fees, latency_by_venue=latencies, flow_by_venue=flows,
                               dark=dark, dark_fees=dark_fees)


def _fee(table: Mapping[str, Any], name: str, key: str, default: Decimal) -> Decimal:
    if key not in table:
        return default
    text = table[key]
    if not isinstance(text, str) or len(text) > 12 or not _FEE.fullmatch(text.strip()):
        raise VenueConfigError(f"venues.{name}.{key} must be a decimal string such as \"-0.0020\", got {text!r}")
    value = Decimal(text.strip())
    if abs(value) > MAX_FEE:
        raise VenueConfigError(f"venues.{name}.{key} {value} is more than {MAX_FEE} per share")
    return value


def _whole(table: Mapping[str, Any], name: str, key: str, default: int, most: int) -> int:
    value = table.get(key, default)
    if type(value) is not int or not 0 <= value <= most:
        raise VenueConfigError(f"venues.{name}.{key} must be a whole number from 0 to {most:,}, got {value!r}")
    return value


def _number(table: Mapping[str, Any], name: str, key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.01 <= value <= 100:
        raise VenueConfigError(f"venues.{name}.{key} must be a number from 0.01 to 100, got {value!r}")
    return float(value)


