"""The shared fair value: a seeded walk whose path does not depend on who reads it when."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from engine.venues.sim.fairvalue import TRADING_SECONDS_PER_YEAR, FairValue

S = 1_000_000_000


def walk(seed: int, volatility: float = 0.25) -> FairValue:
    return FairValue(10_000, annual_volatility=volatility, rng=random.Random(seed), origin_ns=0)


def test_path_is_the_same_however_often_it_is_read() -> None:
    sparse, dense = walk(3), walk(3)
    for t in range(0, 600 * S, S // 7):
        dense.ticks_at(t)
    assert sparse.ticks_at(600 * S) == dense.ticks_at(600 * S)


def test_same_instant_reads_the_same_value() -> None:
    fair = walk(1)
    assert fair.ticks_at(10 * S) == fair.ticks_at(10 * S) == fair.ticks_at(5 * S)


def test_different_seeds_give_different_paths() -> None:
    assert walk(1).ticks_at(60 * S) != walk(2).ticks_at(60 * S)


def test_volatility_matches_the_annual_figure() -> None:
    fair = walk(11, volatility=0.30)
    log_returns = []
    previous = fair.ticks_at(0)
    for minute in range(1, 2001):
        now = fair.ticks_at(minute * 60 * S)
        log_returns.append(math.log(now / previous))
        previous = now
    annualized = statistics.stdev(log_returns) * math.sqrt(TRADING_SECONDS_PER_YEAR / 60)
    assert annualized == pytest.approx(0.30, rel=0.1)


def test_zero_volatility_stands_still() -> None:
    assert walk(1, volatility=0.0).ticks_at(3600 * S) == 10_000


@pytest.mark.parametrize(("start", "volatility"), [(0, 0.2), (100, -0.1)])
def test_nonsense_parameters_are_refused(start: float, volatility: float) -> None:
    with pytest.raises(ValueError):
        FairValue(start, annual_volatility=volatility, rng=random.Random(1), origin_ns=0)
