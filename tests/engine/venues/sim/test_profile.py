"""The intraday volume profile is U-shaped, normalized, and zero outside the session."""

from __future__ import annotations

import itertools
import math

import pytest

from engine.venues.sim.profile import (
    NS_PER_DAY,
    SESSION_CLOSE_NS,
    SESSION_LENGTH_NS,
    SESSION_OPEN_NS,
    volume_profile,
    volume_weight,
)

MINUTE_NS = 60_000_000_000


def test_open_and_close_bins_trade_more_than_midday() -> None:
    bins = volume_profile(13)  # half-hour bins
    midday = min(bins[5:8])
    assert bins[0] > 2 * midday
    assert bins[-1] > 1.5 * midday
    assert bins.index(min(bins)) not in (0, 1, 11, 12)


def test_profile_falls_from_the_open_and_rises_into_the_close() -> None:
    bins = volume_profile(26)
    lowest = bins.index(min(bins))
    assert all(a >= b for a, b in itertools.pairwise(bins[: lowest + 1]))
    assert all(a <= b for a, b in itertools.pairwise(bins[lowest:]))


@pytest.mark.parametrize("bins", [1, 7, 13, 78, 390])
def test_profile_bins_sum_to_one(bins: int) -> None:
    assert math.isclose(sum(volume_profile(bins)), 1.0, rel_tol=1e-12)


def test_weight_averages_to_one_over_the_session() -> None:
    samples = 20_000
    day = 3 * NS_PER_DAY
    step = SESSION_LENGTH_NS // samples
    mean = sum(volume_weight(day + SESSION_OPEN_NS + step * i + step // 2) for i in range(samples)) / samples
    assert math.isclose(mean, 1.0, rel_tol=1e-3)


def test_weight_agrees_with_the_bins() -> None:
    bins = volume_profile(390)  # one-minute bins
    weight_at_first_minute = volume_weight(SESSION_OPEN_NS + MINUTE_NS // 2)
    assert math.isclose(bins[0] * 390, weight_at_first_minute, rel_tol=0.02)


@pytest.mark.parametrize("tod_ns", [0, SESSION_OPEN_NS - 1, SESSION_CLOSE_NS, NS_PER_DAY - 1])
def test_no_volume_outside_the_session(tod_ns: int) -> None:
    assert volume_weight(5 * NS_PER_DAY + tod_ns) == 0.0


def test_weight_depends_only_on_time_of_day() -> None:
    assert volume_weight(SESSION_OPEN_NS + MINUTE_NS) == volume_weight(11 * NS_PER_DAY + SESSION_OPEN_NS + MINUTE_NS)


def test_zero_bins_is_refused() -> None:
    with pytest.raises(ValueError, match="bins"):
        volume_profile(0)
