"""The risk configuration: each pre-trade control's mode (hard, soft, off) and its limits per scope.

Parsed from the `[risk]` table of the TOML configuration (`RiskConfig.from_toml`); every bad value is refused
with a `RiskConfigError` naming its key. Each control is a sub-table, e.g.

    [risk.max_order_qty]
    mode = "hard"                       # hard: block; soft: warn and ask for confirmation; off
    firm = 10000000                     # the default for any order
    instrument = { AAPL = 500000 }      # per-order controls: an instrument's value replaces the firm's
    account = { PM1 = 100000 }          # further limits for one account / desk (all must hold)

The legacy keys (`max_child_qty`, `max_child_notional`, `max_parent_qty`, `max_parent_notional`,
`price_band_pct`) still set the firm values of their controls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import Enum
from typing import Any

from engine.clock import NS_PER_S

MAX_LIMIT = Decimal("1e15")
"""A limit above this is a typo (and keeps Decimal arithmetic bounded)."""
MAX_WINDOW_S = 86_400
MAX_ENTRIES = 10_000
"""Entries one table may hold (instruments, accounts, users ...): bounded work on hostile input."""
MAX_PLACES = 8
"""Decimal places a limit may have (`1E-999999999` is a valid Decimal and a denial of service)."""
_PLACE = Decimal(1).scaleb(-MAX_PLACES)


class RiskConfigError(ValueError):
    """A risk setting that cannot be used; the message names its key."""


class Mode(Enum):
    HARD = "hard"  # block
    SOFT = "soft"  # warn: a ticket needs confirmation; a child goes on with a warning
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Control:
    """One control: its mode, a firm-wide value and values per instrument / account / desk / venue."""

    mode: Mode = Mode.OFF
    firm: Decimal | None = None
    instrument: Mapping[str, Decimal] = field(default_factory=dict)
    account: Mapping[str, Decimal] = field(default_factory=dict)
    desk: Mapping[str, Decimal] = field(default_factory=dict)
    venue: Mapping[str, Decimal] = field(default_factory=dict)
    window_ns: int = 0  # rates, duplicates, repeated executions, reject rates
    ticks: int = 0  # price collars: the band is at least this many ticks
    min_orders: int = 0  # reject rate: judged only past this many orders in the window
    on: bool = field(init=False)  # mode is not OFF (plain attributes: read on every check)
    hard: bool = field(init=False)  # mode is HARD

    def __post_init__(self) -> None:
        object.__setattr__(self, "on", self.mode is not Mode.OFF)
        object.__setattr__(self, "hard", self.mode is Mode.HARD)

    def for_instrument(self, symbol: str) -> Decimal | None:
        """A per-order limit for `symbol`: its own value, else the firm's."""
        return self.instrument.get(symbol, self.firm)


def _control(mode: str = "off", firm: str | int | None = None, **kw: Any) -> Control:
    return Control(Mode(mode), None if firm is None else Decimal(firm), **kw)


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """Every control, the lists they use and who may kill and re-enable."""

    max_order_qty: Control = field(default_factory=lambda: _control("hard", 10_000_000))
    max_order_notional: Control = field(default_factory=lambda: _control("hard", 250_000_000))
    max_child_qty: Control = field(default_factory=lambda: _control("hard", 100_000))
    max_child_notional: Control = field(default_factory=lambda: _control("hard", 5_000_000))
    price_collar: Control = field(default_factory=Control)  # tickets and parent amends vs the far touch
    child_price_band: Control = field(default_factory=lambda: _control("hard", 5))  # children vs the mid, in %
    max_position: Control = field(default_factory=Control)
    max_gross: Control = field(default_factory=Control)
    daily_notional: Control = field(default_factory=Control)
    credit: Control = field(default_factory=Control)
    max_open_tickets: Control = field(default_factory=Control)
    max_open_children: Control = field(default_factory=Control)
    ticket_rate: Control = field(default_factory=Control)
    child_rate: Control = field(default_factory=Control)
    message_rate: Control = field(default_factory=Control)
    duplicate_order: Control = field(default_factory=Control)
    repeated_execution: Control = field(default_factory=Control)
    self_match: Control = field(default_factory=Control)
    restricted: Control = field(default_factory=Control)
    adv: Control = field(default_factory=Control)  # % of average daily volume one order may be
    # automatic kills
    loss_limit: Control = field(default_factory=Control)  # kill the firm / an account / a desk at this loss
    reject_rate: Control = field(default_factory=Control)  # % of a venue's orders rejected: kill the venue
    message_storm: Control = field(default_factory=Control)  # messages per window: kill the firm / the venue
    # lists and settings
    restricted_symbols: frozenset[str] = frozenset()
    restricted_by_account: Mapping[str, frozenset[str]] = field(default_factory=dict)
    desks: Mapping[str, str] = field(default_factory=dict)  # account -> desk
    previous_close: Mapping[str, Decimal] = field(default_factory=dict)
    adv_shares: Mapping[str, int] = field(default_factory=dict)
    kill_users: frozenset[str] = frozenset({"*"})
    reenable_users: frozenset[str] = frozenset({"*"})
    limit_editors: frozenset[str] = frozenset({"*"})
    fix_soft_blocks: bool = False  # FIX tickets: a soft breach is accepted with a warning unless this is set
    cancel_on_oms_disconnect: bool = False
    loss_check_interval_ns: int = NS_PER_S // 4

    def desk_of(self, account: str) -> str:
        """The desk an account belongs to ("" when none is configured)."""
        return self.desks.get(account, "")

    def may(self, user: str, action: str) -> bool:
        """Whether `user` may `kill`, `reenable` or `edit_limits` (an unknown action: nobody may)."""
        users = {"kill": self.kill_users, "reenable": self.reenable_users,
                 "edit_limits": self.limit_editors}.get(action, frozenset())
        return "*" in users or user in users

    @classmethod
    def from_toml(cls, section: Mapping[str, Any]) -> RiskConfig:
        """From the `[risk]` table (missing controls keep their defaults)."""
        return _parse(section)


CONTROLS = tuple(f.name for f in fields(RiskConfig) if f.type in ("Control", Control))
_LEGACY = {"max_child_qty": "max_child_qty", "max_child_notional": "max_child_notional",
           "max_parent_qty": "max_order_qty", "max_parent_notional": "max_order_notional",
           "price_band_pct": "child_price_band"}
_SCOPES = ("instrument", "account", "desk", "venue")
SCOPES = ("firm", *_SCOPES)
"""Where a control's value applies: the firm's value, or one per instrument / account / desk / venue."""
_SETTINGS = {"restricted_symbols", "restricted_by_account", "desks", "previous_close", "adv_shares", "kill_users",
             "reenable_users", "limit_editors", "fix_soft", "cancel_on_oms_disconnect", "loss_check_interval_ms"}


def _parse(section: Mapping[str, Any]) -> RiskConfig:
    if not isinstance(section, Mapping):
        raise RiskConfigError("risk must be a table")
    unknown = set(section) - set(CONTROLS) - set(_LEGACY) - _SETTINGS
    if unknown:
        raise RiskConfigError(f"risk.{sorted(unknown)[0]} is not a risk setting (controls: {', '.join(CONTROLS)})")
    defaults = RiskConfig()
    values: dict[str, Any] = {}
    for name in CONTROLS:
        base: Control = getattr(defaults, name)
        for legacy, target in _LEGACY.items():
            if target == name and legacy in section and not isinstance(section[legacy], Mapping):
                base = Control(base.mode, _limit(section[legacy], f"risk.{legacy}"), base.instrument, base.account,
                               base.desk, base.venue, base.window_ns, base.ticks, base.min_orders)
        table = section.get(name)
        if table is not None and not isinstance(table, Mapping) and name not in _LEGACY:
            raise RiskConfigError(f"risk.{name} must be a table ([risk.{name}] with mode, firm, ...), got {table!r}")
        values[name] = _parse_control(table, f"risk.{name}", base) if isinstance(table, Mapping) else base
    values["restricted_symbols"] = frozenset(_strings(section.get("restricted_symbols", []),
                                                      "risk.restricted_symbols"))
    by_account = _table(section.get("restricted_by_account", {}), "risk.restricted_by_account")
    values["restricted_by_account"] = {account: frozenset(_strings(symbols, f"risk.restricted_by_account.{account}"))
                                       for account, symbols in by_account.items()}
    desks = _table(section.get("desks", {}), "risk.desks")
    values["desks"] = {account: desk for desk, accounts in desks.items()
                       for account in _strings(accounts, f"risk.desks.{desk}")}
    values["previous_close"] = {symbol: _limit(price, f"risk.previous_close.{symbol}") for symbol, price in
                                _table(section.get("previous_close", {}), "risk.previous_close").items()}
    values["adv_shares"] = {symbol: _whole(shares, f"risk.adv_shares.{symbol}") for symbol, shares in
                            _table(section.get("adv_shares", {}), "risk.adv_shares").items()}
    for key in ("kill_users", "reenable_users", "limit_editors"):
        if key in section:
            values[key] = frozenset(_strings(section[key], f"risk.{key}"))
    fix_soft = section.get("fix_soft", "warn")
    if fix_soft not in ("warn", "block"):
        raise RiskConfigError(f"risk.fix_soft must be \"warn\" or \"block\", got {fix_soft!r}")
    values["fix_soft_blocks"] = fix_soft == "block"
    cancel = section.get("cancel_on_oms_disconnect", False)
    if not isinstance(cancel, bool):
        raise RiskConfigError(f"risk.cancel_on_oms_disconnect must be true or false, got {cancel!r}")
    values["cancel_on_oms_disconnect"] = cancel
    interval = _whole(section.get("loss_check_interval_ms", 250), "risk.loss_check_interval_ms")
    values["loss_check_interval_ns"] = interval * 1_000_000
    return RiskConfig(**values)


def _parse_control(raw: Any, key: str, base: Control) -> Control:
    table = _table(raw, key)
    allowed = {"mode", "firm", *_SCOPES, "window_s", "ticks", "min_orders"}
    unknown = set(table) - allowed
    if unknown:
        raise RiskConfigError(f"{key}.{sorted(unknown)[0]} is not a setting of a control "
                              f"({', '.join(sorted(allowed))})")
    mode_text = table.get("mode", base.mode.value)
    try:
        mode = Mode(mode_text)
    except ValueError:
        raise RiskConfigError(f"{key}.mode must be hard, soft or off, got {mode_text!r}") from None
    firm = _limit(table["firm"], f"{key}.firm") if "firm" in table else base.firm
    scoped = {scope: {name: _limit(value, f"{key}.{scope}.{name}")
                      for name, value in _table(table.get(scope, {}), f"{key}.{scope}").items()}
              for scope in _SCOPES}
    window_s = table.get("window_s", base.window_ns // NS_PER_S if base.window_ns else 1)
    window = _limit(window_s, f"{key}.window_s")
    if not 0 < window <= MAX_WINDOW_S:
        raise RiskConfigError(f"{key}.window_s must be above 0 and at most {MAX_WINDOW_S:,} s, got {window_s!r}")
    return Control(mode, firm, scoped["instrument"] or base.instrument, scoped["account"] or base.account,
                   scoped["desk"] or base.desk, scoped["venue"] or base.venue, int(window * NS_PER_S),
                   _whole(table.get("ticks", base.ticks), f"{key}.ticks"),
                   _whole(table.get("min_orders", base.min_orders), f"{key}.min_orders"))


def parse_limit(value: Any, key: str) -> Decimal:
    """A non-negative decimal (numbers or strings of digits; never a float's binary noise), at most
    `MAX_LIMIT` and `MAX_PLACES` decimal places; else `RiskConfigError` naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal) or len(str(value)) > 32:
        raise RiskConfigError(f"{key} must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RiskConfigError(f"{key} must be a decimal number, got {value!r}") from None
    if not number.is_finite() or number < 0 or number > MAX_LIMIT:
        raise RiskConfigError(f"{key} must be a number from 0 to {MAX_LIMIT:,.0f}, got {value!r}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:  # 0E-999999999 too: its text would be huge
        places = number.quantize(_PLACE, rounding=ROUND_DOWN)
        if places != number:
            raise RiskConfigError(f"{key} may have at most {MAX_PLACES} decimal places, got {value!r}")
        number = places
    return number


_limit = parse_limit


def _whole(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise RiskConfigError(f"{key} must be a whole number >= 0, got {value!r}")
    return value


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise RiskConfigError(f"{key} must be a table, got {value!r}")
    if len(value) > MAX_ENTRIES:
        raise RiskConfigError(f"{key} has {len(value):,} entries, at most {MAX_ENTRIES:,}")
    return {str(k): v for k, v in value.items()}


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise RiskConfigError(f"{key} must be a list of names, got {value!r}")
    if len(value) > MAX_ENTRIES:
        raise RiskConfigError(f"{key} has {len(value):,} entries, at most {MAX_ENTRIES:,}")
    return list(value)
