"""Which routing logic works a child, and the router's tunables (config `[routing]`).

A parent names its policy with the algo parameter `routing` (ticket field, FIX TargetStrategyParameters
`routing=...`), else the configured default. `AUTO` lets the algo's intent choose per child: a passive
slice seeks liquidity (dark first, then a Cont–Kukanov split across lit venues), a sweep goes parallel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

ROUTING_PARAM = "routing"
"""The algo parameter (and FIX 848 key) naming a parent's routing policy."""


class RoutingPolicy(Enum):
    SEQUENTIAL = "SEQUENTIAL"  # one venue at a time, best expected all-in cost first; re-route the rest
    PARALLEL = "PARALLEL"  # several venues at once, in-flight capped by the parent's leaves
    LIQUIDITY = "LIQUIDITY"  # liquidity-seeking: dark midpoint first, then a Cont–Kukanov lit split
    AUTO = "AUTO"  # by the algo's intent: passive -> LIQUIDITY, sweep -> PARALLEL


POLICY_NAMES = tuple(p.value for p in RoutingPolicy)


class RoutingConfigError(ValueError):
    """A `[routing]` value that cannot be used; the message names the key."""


def parse_policy(text: str, where: str = "routing") -> RoutingPolicy:
    """A policy from its name (any case); ValueError naming `where` and the choices otherwise."""
    name = text.strip().upper()
    if len(name) > 32:
        raise RoutingConfigError(f"{where}: policy name is too long ({len(name)} characters)")
    try:
        return RoutingPolicy(name)
    except ValueError:
        raise RoutingConfigError(f"{where}: {text!r} is not one of {', '.join(POLICY_NAMES)}") from None


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """The router's tunables; every duration in seconds of market time, penalties in ticks per share."""

    default_policy: RoutingPolicy = RoutingPolicy.AUTO
    sequential_timeout_s: float = 5.0
    """A resting sequential child is given at least this long before it is canceled and its rest re-routed."""
    sequential_max_timeout_s: float = 120.0
    """...and at most this long: within the two, the time the venue's measured queue outflow needs to trade
    through the queue ahead of it and the child itself (an illiquid name's queue needs minutes, not seconds)."""
    parallel_overpost: float = 2.0
    """Parallel passive: post up to this multiple of the slice across venues (never past the leaves);
    the excess is canceled as soon as the slice is filled."""
    parallel_venues: int = 3
    """Parallel passive: post on at most this many lit venues."""
    dark_ping_cooldown_s: float = 10.0
    """Liquidity-seeking: ping the dark pool (IOC at the midpoint) at most this often per parent."""
    dark_max_raise: float = 3.0
    """A slice below the pool's minimum quantity is raised to it only if the minimum is at most this multiple
    of the slice (getting ahead of the schedule by a bounded amount); otherwise the slice goes lit."""
    ck_horizon_s: float = 10.0
    """Cont–Kukanov horizon T: queue outflows are measured over windows of this length."""
    ck_history_windows: int = 30
    ck_min_windows: int = 3
    ck_shortfall_ticks: float = 3.0
    """λ_u: cost per share of what is still missing at the horizon (bought then, after the price moved)."""
    ck_overfill_ticks: float = 2.0
    """λ_o: cost per share of filling more than the slice."""
    ck_iterations: int = 400
    ck_min_child_qty: int = 100
    """Split limit orders below this go to the split's largest venue instead (no odd-lot dust)."""
    latency_cost_ticks_per_ms: float = 0.05
    """How much a millisecond of venue latency costs per share, in ticks, when ranking venues."""
    scorecard_path: str = ""
    """Empty: `venue_scorecard.db` beside the journal."""
    scorecard_half_life_days: float = 5.0
    scorecard_max_days: int = 30
    scorecard_flush_s: float = 30.0
    seed: int = 0

    def __post_init__(self) -> None:
        positive = ("sequential_timeout_s", "sequential_max_timeout_s", "ck_horizon_s", "scorecard_half_life_days",
                    "scorecard_flush_s")
        for name in positive:
            value = getattr(self, name)
            if not 0 < value <= 86_400:
                raise RoutingConfigError(f"routing.{name} must be above 0 and at most 86400, got {value!r}")
        checks: tuple[tuple[str, float, float], ...] = (
            ("parallel_overpost", 1.0, 10.0), ("dark_ping_cooldown_s", 0.0, 86_400.0), ("dark_max_raise", 1.0, 100.0),
            ("ck_shortfall_ticks", 0.0, 1_000.0), ("ck_overfill_ticks", 0.0, 1_000.0),
            ("latency_cost_ticks_per_ms", 0.0, 1_000.0),
        )
        for name, low, high in checks:
            value = getattr(self, name)
            if not low <= value <= high:
                raise RoutingConfigError(f"routing.{name} must be from {low:g} to {high:g}, got {value!r}")
        whole: tuple[tuple[str, int, int], ...] = (
            ("parallel_venues", 1, 64), ("ck_history_windows", 1, 10_000), ("ck_min_windows", 1, 10_000),
            ("ck_iterations", 1, 100_000), ("ck_min_child_qty", 1, 1_000_000), ("scorecard_max_days", 1, 3_650),
            ("seed", 0, 2**63),
        )
        for name, low, whole_high in whole:
            value = getattr(self, name)
            if type(value) is not int or not low <= value <= whole_high:
                raise RoutingConfigError(f"routing.{name} must be a whole number from {low} to {whole_high}, "
                                         f"got {value!r}")
        if self.sequential_max_timeout_s < self.sequential_timeout_s:
            raise RoutingConfigError("routing.sequential_max_timeout_s must not be below routing.sequential_timeout_s")
        if self.ck_min_windows > self.ck_history_windows:
            raise RoutingConfigError("routing.ck_min_windows must not exceed routing.ck_history_windows")

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> RoutingConfig:
        """From the `[routing]` table; missing keys keep their defaults, unknown keys are refused."""
        known = {name for name in cls.__dataclass_fields__}
        unknown = sorted(set(section) - known - {"policy"})
        if unknown:
            raise RoutingConfigError(f"routing: unknown key(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in section.items():
            if name in ("policy", "default_policy"):
                if not isinstance(value, str):
                    raise RoutingConfigError(f"routing.{name} must be a string, got {value!r}")
                values["default_policy"] = parse_policy(value, f"routing.{name}")
            elif name == "scorecard_path":
                if not isinstance(value, str):
                    raise RoutingConfigError(f"routing.scorecard_path must be a string, got {value!r}")
                values[name] = value
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise RoutingConfigError(f"routing.{name} must be a number, got {value!r}")
            else:
                default = cls.__dataclass_fields__[name].default
                values[name] = float(value) if isinstance(default, float) else value
        return cls(**values)


def policy_of(params: tuple[tuple[str, str], ...], default: RoutingPolicy) -> RoutingPolicy:
    """The policy a parent names in its algo parameters (validated at the ticket), else `default`."""
    for name, value in params:
        if name == ROUTING_PARAM and value.strip():
            return parse_policy(value, f"parameter {ROUTING_PARAM}")
    return default
