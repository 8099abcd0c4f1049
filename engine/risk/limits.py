"""Limit edits at run time: a permitted user changes a control's value at one scope, or its mode
(`Engine.set_limit`), on top of the `[risk]` configuration.

An edit is validated here exactly as the TOML is (`parse_limit`, the known controls and scopes) and becomes one
journaled `RiskLimitChanged`. The store's risk state folds those events into `edits` ((control, field, key) ->
value, in journal order; the field is "mode", "firm" or a scope), so a checkpoint carries them and a replay
rebuilds them; `apply_edits(base, edits)` is the configuration in force: the file's values with the edits on
top. `limit_rows` is what the GUI's limits table shows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from engine import events as ev
from engine.risk.config import CONTROLS, SCOPES, Control, Mode, RiskConfig, RiskConfigError, parse_limit

EditKey = tuple[str, str, str]
"""(control, field, key): field is "mode" (key ""), "firm" (key "") or a scope with its key."""
Edits = Mapping[EditKey, "Decimal | str | None"]
MAX_KEY = 64
MAX_REASON = 200
UNITS = {
    "max_order_qty": "shares", "max_child_qty": "shares", "max_position": "shares",
    "max_order_notional": "$", "max_child_notional": "$", "max_gross": "$", "daily_notional": "$", "credit": "$",
    "loss_limit": "$", "price_collar": "%", "child_price_band": "%", "adv": "% of ADV", "reject_rate": "%",
    "max_open_tickets": "orders", "max_open_children": "orders", "ticket_rate": "per window",
    "child_rate": "per window", "message_rate": "per window", "message_storm": "per window",
    "repeated_execution": "per window",
}
"""What a control's value counts (docs/risk.md); controls not listed take no value (mode only)."""


@dataclass(frozen=True, slots=True)
class LimitChange:
    """A validated edit: the value at its scope and the control's mode, before and after."""

    control: str
    scope: str
    key: str
    old_value: Decimal | None
    new_value: Decimal | None
    old_mode: str
    new_mode: str

    def event(self, ts_ns: int, by: str, reason: str) -> ev.RiskLimitChanged:
        return ev.RiskLimitChanged(ts_ns, self.control, self.scope, self.key, self.old_value, self.new_value,
                                   self.old_mode, self.new_mode, by, reason)

    def describe(self) -> str:
        where = self.control if self.scope == "firm" else f"{self.control} {self.scope} {self.key}"
        parts = []
        if self.new_value != self.old_value:
            parts.append(f"{_text(self.old_value)} -> {_text(self.new_value)}")
        if self.new_mode != self.old_mode:
            parts.append(f"mode {self.old_mode} -> {self.new_mode}")
        return f"{where}: {', '.join(parts)}"


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One control as the limits table shows it."""

    control: str
    mode: str
    firm: Decimal | None
    overrides: tuple[tuple[str, str, Decimal], ...]  # (scope, key, value), by scope then key
    unit: str
    edited: bool  # a journaled edit applies to it


@dataclass(frozen=True, slots=True)
class LimitsView:
    """Every control's limits in force, and who may edit them."""

    rows: tuple[LimitRow, ...]
    editors: frozenset[str]

    def may_edit(self, user: str) -> bool:
        return "*" in self.editors or user in self.editors


def check_edit(config: RiskConfig, control: str, scope: str, key: str, value: Decimal | None, mode: str | None,
               instruments: Collection[str] | None = None) -> LimitChange:
    """The change an edit makes to `config`, or `RiskConfigError` naming what is wrong (nothing changes).

    `value` None: at the firm scope the firm value stays; at another scope its override is removed. `mode`
    None or "": the mode stays. An instrument must be one of `instruments` (when given)."""
    if control not in CONTROLS:
        raise RiskConfigError(f"{control!r} is not a risk control (controls: {', '.join(CONTROLS)})")
    if scope not in SCOPES:
        raise RiskConfigError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    current: Control = getattr(config, control)
    if scope == "firm":
        if key:
            raise RiskConfigError(f"the firm scope takes no key, got {key!r}")
        name, old_value = f"risk.{control}.firm", current.firm
    else:
        if not key or len(key) > MAX_KEY or key != key.strip() or not key.isprintable():
            raise RiskConfigError(f"a {scope} value names the {scope} (1 to {MAX_KEY} characters, no spaces at "
                                  f"either end), got {key[:MAX_KEY + 1]!r}")
        if scope == "instrument" and instruments is not None and key not in instruments:
            raise RiskConfigError(f"unknown instrument {key!r}")
        name, old_value = f"risk.{control}.{scope}.{key}", getattr(current, scope).get(key)
    new_value = parse_limit(value, name) if value is not None else None
    if value is None and scope == "firm":
        new_value = old_value
    old_mode = current.mode.value
    try:
        new_mode = Mode(mode).value if mode else old_mode
    except ValueError:
        raise RiskConfigError(f"risk.{control}.mode must be hard, soft or off, got {mode!r}") from None
    if new_value == old_value and new_mode == old_mode:
        what = f"{name} is already {_text(old_value)}" if value is not None or scope == "firm" else \
            f"{name} has no value to remove"
        raise RiskConfigError(f"nothing to change: {what} and the mode is {old_mode}")
    return LimitChange(control, scope, key, old_value, new_value, old_mode, new_mode)


def fold(edits: dict[EditKey, Decimal | str | None], event: ev.RiskLimitChanged) -> None:
    """Record what `event` changed (the latest edit of a field last: `apply_edits` applies them in order)."""
    if event.new_mode != event.old_mode:
        _put(edits, (event.control, "mode", ""), event.new_mode)
    if event.new_value != event.old_value:
        _put(edits, (event.control, event.scope, "" if event.scope == "firm" else event.key), event.new_value)


def _put(edits: dict[EditKey, Decimal | str | None], key: EditKey, value: Decimal | str | None) -> None:
    edits.pop(key, None)
    edits[key] = value


def apply_edits(base: RiskConfig, edits: Edits) -> RiskConfig:
    """The configuration in force: `base` (the file's) with `edits` applied in order. An edit of a control this
    code no longer has is skipped."""
    changed: dict[str, Control] = {}
    for (name, field, key), value in edits.items():
        if name not in CONTROLS:
            continue
        control: Control = changed.get(name) or getattr(base, name)
        if field == "mode":
            control = replace(control, mode=Mode(str(value)))
        elif field == "firm":
            control = replace(control, firm=_decimal(value))
        elif field in SCOPES:
            table: dict[str, Any] = dict(getattr(control, field))
            if value is None:
                table.pop(key, None)
            else:
                table[key] = _decimal(value)
            scoped: dict[str, Any] = {field: table}
            control = replace(control, **scoped)
        changed[name] = control
    return replace(base, **changed) if changed else base  # type: ignore[arg-type]


def limit_rows(config: RiskConfig, edits: Edits) -> tuple[LimitRow, ...]:
    edited = {name for name, _, _ in edits}
    rows = []
    for name in CONTROLS:
        c: Control = getattr(config, name)
        overrides = tuple((scope, key, value) for scope in SCOPES[1:]
                          for key, value in sorted(getattr(c, scope).items()))
        rows.append(LimitRow(name, c.mode.value, c.firm, overrides, UNITS.get(name, ""), name in edited))
    return tuple(rows)


def _decimal(value: Decimal | str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str:
    return "none" if value is None else f"{value:,}"
