"""Application configuration: TOML, with defaults from resources/default_config.toml."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from engine.clock import NS_PER_S
from engine.model import VenueId
from engine.pipeline.sizing import ChildSizing
from engine.risk import RiskConfig, RiskConfigError, RiskLimits
from engine.routing.policy import RoutingConfig
from engine.tickets.aggregation import AggregationRules, WindowRule
from engine.tickets.netting import CrossingPolicy
from engine.venues.fix_config import FixVenuesConfig, FixVenuesError, parse_fix_venues
from engine.venues.sim.market import DARK_VENUE
from engine.venues.sim.profiles import VenueProfile, parse_venues


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class MarketConfig:
    seed: int = 1
    speed: float = 1.0
    open_s: int = 9 * 3600 + 30 * 60
    close_s: int = 16 * 3600
    lit_venues: tuple[str, ...] = ("LIT1", "LIT2", "LIT3")
    dark_pool: bool = True


@dataclass(frozen=True, slots=True)
class AppConfig:
    journal_path: Path
    synchronous: str = "NORMAL"
    market: MarketConfig = field(default_factory=MarketConfig)
    risk: RiskLimits = field(default_factory=RiskLimits)
    raw: dict[str, Any] = field(default_factory=dict)
    aggregation: AggregationRules = field(default_factory=AggregationRules)
    crossing: CrossingPolicy = field(default_factory=CrossingPolicy)
    checkpoint_on_close: bool = True
    checkpoint_every_records: int = 5_000
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    venues: dict[VenueId, VenueProfile] = field(default_factory=dict)
    """Fees, latency, depth (and the dark pool's minimum) per venue; empty: the built-in profiles."""
    risk_config: RiskConfig = field(default_factory=RiskConfig)
    """Every pre-trade control, kill permissions, automatic kills (`[risk]`; engine/risk/config.py)."""
    child_sizing: ChildSizing = field(default_factory=ChildSizing)
    """Children in round lots above a minimum, except the final remainder (`[algos]`)."""
    fix_venues: FixVenuesConfig = field(default_factory=FixVenuesConfig)
    """Venues reached over FIX 4.4 instead of in-process (`[fix_venues]`; engine/venues/fix_config.py)."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ems"


def default_journal_path(today: dt.date | None = None) -> Path:
    day = today or dt.date.today()
    return default_data_dir() / f"journal-{day.isoformat()}.db"


def load_config(path: str | Path | None = None, *, journal_override: str | None = None) -> AppConfig:
    """Defaults, then the file's values on top; `journal_override` (from --db) wins over both."""
    text = resources.files("resources").joinpath("default_config.toml").read_text(encoding="utf-8")
    merged = tomllib.loads(text)
    if path is not None:
        try:
            user = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
        for section, values in user.items():
            if isinstance(values, dict) and isinstance(merged.get(section), dict):
                merged[section].update(values)
            else:
                merged[section] = values
        _only_listed_default_venues(merged, user)
    built = _build(merged, journal_override)
    return replace(built, risk_config=risk_config(merged.get("risk", {})),
                   child_sizing=child_sizing(merged.get("algos", {})), fix_venues=fix_venues(merged, built.market))


def _only_listed_default_venues(merged: dict[str, Any], user: dict[str, Any]) -> None:
    """A file that lists fewer venues (`[market] lit_venues`, `dark_pool = false`) drops the defaults' profiles
    of the others; a profile the file itself gives for an unlisted venue stays, and is refused by name."""
    market, venues = merged.get("market"), merged.get("venues")
    if not isinstance(market, dict) or not isinstance(venues, dict):
        return
    lit = market.get("lit_venues")
    if not isinstance(lit, list):
        return
    listed = {*map(str, lit), *((DARK_VENUE,) if market.get("dark_pool", True) is not False else ())}
    own = user.get("venues")
    keep = listed | (set(own) if isinstance(own, dict) else set())
    merged["venues"] = {name: profile for name, profile in venues.items() if name in keep}


def fix_venues(raw: dict[str, Any], market: MarketConfig) -> FixVenuesConfig:
    """The `[fix_venues]` table (venues over FIX); a bad value names its key."""
    names = (*market.lit_venues, *((DARK_VENUE,) if market.dark_pool else ()))
    try:
        return parse_fix_venues(raw.get("fix_venues", {}), names)
    except FixVenuesError as err:
        raise ConfigError(str(err)) from None


def child_sizing(section: dict[str, Any]) -> ChildSizing:
    """The `[algos]` table's child sizing (round lot, minimum child); a bad value names its key."""
    try:
        return ChildSizing.from_config(section)
    except ValueError as err:
        raise ConfigError(f"algos: {err}") from None


def risk_config(section: dict[str, Any]) -> RiskConfig:
    """The `[risk]` table as the engine's risk configuration; a bad value names its key."""
    try:
        return RiskConfig.from_toml(section)
    except RiskConfigError as err:
        raise ConfigError(str(err)) from None


def _build(raw: dict[str, Any], journal_override: str | None) -> AppConfig:
    journal = raw.get("journal", {})
    market = raw.get("market", {})
    risk = raw.get("risk", {})
    path = journal_override or journal.get("path") or ""
    synchronous = str(journal.get("synchronous", "NORMAL")).upper()
    if synchronous not in ("NORMAL", "FULL"):
        raise ConfigError(f"journal.synchronous must be NORMAL or FULL, got {synchronous!r}")
    speed = _number(market, "speed", float, "market")
    if speed <= 0:
        raise ConfigError(f"market.speed must be positive, got {speed}")
    market_cfg = MarketConfig(
        seed=_number(market, "seed", int, "market"),
        speed=speed,
        open_s=parse_time_of_day(str(market.get("open", "09:30:00")), "market.open"),
        close_s=parse_time_of_day(str(market.get("close", "16:00:00")), "market.close"),
        lit_venues=tuple(str(v) for v in market.get("lit_venues", ["LIT1", "LIT2", "LIT3"])),
        dark_pool=bool(market.get("dark_pool", True)),
    )
    if market_cfg.close_s <= market_cfg.open_s:
        raise ConfigError("market.close must be after market.open")
    if not market_cfg.lit_venues:
        raise ConfigError("market.lit_venues must name at least one venue")
    limits = RiskLimits(
        max_child_qty=_number(risk, "max_child_qty", int, "risk"),
        max_child_notional=_decimal(risk, "max_child_notional"),
        max_parent_qty=_number(risk, "max_parent_qty", int, "risk"),
        max_parent_notional=_decimal(risk, "max_parent_notional"),
        price_band_pct=_decimal(risk, "price_band_pct"),
    )
    aggregation, crossing = _tickets(raw.get("tickets", {}))
    checkpoint = journal.get("checkpoint_on_close", True)
    if not isinstance(checkpoint, bool):
        raise ConfigError(f"journal.checkpoint_on_close must be true or false, got {checkpoint!r}")
    every = journal.get("checkpoint_every_records", 5_000)
    if type(every) is not int or every < 0:
        raise ConfigError(f"journal.checkpoint_every_records must be a whole number >= 0, got {every!r}")
    routing, venues = _routing_and_venues(raw, market_cfg)
    return AppConfig(Path(path) if path else default_journal_path(), synchronous, market_cfg, limits, raw,
                     aggregation, crossing, checkpoint, every, routing, venues)


def _routing_and_venues(raw: dict[str, Any], market: MarketConfig) -> tuple[RoutingConfig, dict[VenueId, VenueProfile]]:
    """`[routing]` (the smart router) and `[venues.NAME]` (each venue's fees, latency, depth, minimum)."""
    routing, venues = raw.get("routing", {}), raw.get("venues", {})
    if not isinstance(routing, dict) or not isinstance(venues, dict):
        raise ConfigError("routing and venues must be tables")
    try:
        return RoutingConfig.from_config(routing), parse_venues(venues, market.lit_venues, market.dark_pool)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _tickets(section: dict[str, Any]) -> tuple[AggregationRules, CrossingPolicy]:
    flags = {}
    for key in ("match_urgency", "match_account", "match_source", "mix_market_and_limit"):
        value = section.get(key, key == "match_urgency")
        if not isinstance(value, bool):
            raise ConfigError(f"tickets.{key} must be true or false, got {value!r}")
        flags[key] = value
    tolerance = section.get("limit_tolerance_ticks", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < -1:
        raise ConfigError(f"tickets.limit_tolerance_ticks must be an integer >= -1, got {tolerance!r}")
    window = str(section.get("window", "equal")).lower()
    try:
        window_rule = WindowRule(window)
    except ValueError:
        raise ConfigError(f"tickets.window must be equal, overlap or ignore, got {window!r}") from None
    lists = {}
    for key in ("no_cross_sources", "no_cross_accounts"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"tickets.{key} must be a list of strings, got {value!r}")
        lists[key] = frozenset(value)
    rules = AggregationRules(
        match_urgency=flags["match_urgency"], match_account=flags["match_account"],
        match_source=flags["match_source"], limit_tolerance_ticks=None if tolerance == -1 else tolerance,
        mix_market_and_limit=flags["mix_market_and_limit"], window=window_rule,
    )
    return rules, CrossingPolicy(lists["no_cross_sources"], lists["no_cross_accounts"])


def parse_time_of_day(text: str, key: str) -> int:
    """Seconds after midnight from HH:MM or HH:MM:SS."""
    try:
        parsed = dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{key}: {text!r} is not a time of day (HH:MM[:SS])") from None
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second


def session_epoch_ns(day: dt.date, seconds_after_midnight: int) -> int:
    """Exchange-local wall time encoded as epoch ns (the engine's time convention)."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return int(midnight.timestamp()) * NS_PER_S + seconds_after_midnight * NS_PER_S


def _number(section: dict[str, Any], key: str, kind: type[Any], name: str) -> Any:
    value = section.get(key)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}.{key} must be a number, got {value!r}") from None


def _decimal(section: dict[str, Any], key: str) -> Decimal:
    value = section.get(key)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"risk.{key} must be a decimal number, got {value!r}") from None
