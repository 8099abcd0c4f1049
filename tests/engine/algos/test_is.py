"""Implementation Shortfall: volatility from the data seen so far (never later), re-planned as it comes."""

from __future__ import annotations

import pytest

from engine.algos.is_ import DEFAULT_DAILY_VOLATILITY, IsAlgo
from tests.engine.algos.desk import Desk, fresh_desk


def is_parent(desk: Desk, **params: str) -> IsAlgo:
    pid = desk.submit("IS", 10_000, minutes=60, params=params)
    algo = desk.engine.algo(pid)
    assert isinstance(algo, IsAlgo)
    return algo


def wander(desk: Desk, minutes: int, step: float) -> None:
    """The quote moves `step` dollars up or down every 10 s (a deterministic zig-zag walk)."""
    mid = 100.0
    for i in range(minutes * 6):
        mid += step if (i * 7) % 5 < 3 else -step
        desk.quote(f"{mid - 0.01:.2f}", f"{mid + 0.01:.2f}")
        desk.run(10, volume=50, passive_share=0)


def test_before_ten_minutes_of_mids_the_default_volatility_is_used() -> None:
    desk = fresh_desk()
    algo = is_parent(desk)
    assert algo.daily_volatility() == DEFAULT_DAILY_VOLATILITY
    wander(desk, 5, 0.05)
    assert algo.daily_volatility() == DEFAULT_DAILY_VOLATILITY


def test_a_volatile_market_front_loads_more_than_a_calm_one() -> None:
    calm, volatile = fresh_desk(), fresh_desk()
    calm_algo, volatile_algo = is_parent(calm), is_parent(volatile)
    wander(calm, 21, 0.0)
    wander(volatile, 21, 0.20)
    assert calm_algo.daily_volatility() < 0.001  # one cent once, at the start
    assert volatile_algo.daily_volatility() > 0.02
    assert volatile_algo.kappa > 10 * calm_algo.kappa  # re-planned at 10 and 20 minutes


def test_a_given_volatility_is_used_as_is() -> None:
    desk = fresh_desk()
    algo = is_parent(desk, volatility_pct="3.5")
    wander(desk, 12, 0.10)
    assert algo.daily_volatility() == pytest.approx(0.035)
