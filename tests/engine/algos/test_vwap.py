"""Dynamic VWAP's pure parts: the session volume level, the recalibrated window share, the rate limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.algos.curves import SESSION_CLOSE_NS, SESSION_OPEN_NS, curve_from_bin_volumes, u_shaped_curve
from engine.algos.vwap import dynamic_window_fraction, limited_change, session_volume_level

S = 1_000_000_000
MIN = 60 * S
SESSION_S = (SESSION_CLOSE_NS - SESSION_OPEN_NS) // S
FLAT = curve_from_bin_volumes(
    (*range(SESSION_OPEN_NS, SESSION_CLOSE_NS, 5 * MIN), SESSION_CLOSE_NS), [1.0] * 78, "flat"
)
DAY = 19_000 * 86_400 * S  # an arbitrary midnight: the functions work on clock ns of any day


def samples(rates_per_s: list[int], step_s: int = 60) -> tuple[list[int], list[int]]:
    """Cumulative volume sampled every `step_s` from the open at the given rate for each step."""
    times, volumes, total = [DAY + SESSION_OPEN_NS], [0], 0
    for rate in rates_per_s:
        total += rate * step_s
        times.append(times[-1] + step_s * S)
        volumes.append(total)
    return times, volumes


def test_a_steady_rate_implies_that_rate_over_the_whole_session() -> None:
    times, volumes = samples([100] * 30)
    level = session_volume_level(FLAT, times, volumes, times[-1], 15 * MIN)
    assert level == pytest.approx(100 * SESSION_S, rel=1e-9)


def test_recent_bins_weigh_more_than_old_ones() -> None:
    times, volumes = samples([100] * 30 + [300] * 15)
    short = session_volume_level(FLAT, times, volumes, times[-1], 5 * MIN)
    long = session_volume_level(FLAT, times, volumes, times[-1], 600 * MIN)
    assert short is not None and long is not None
    assert 100 * SESSION_S < long < short < 300 * SESSION_S
    assert short > 250 * SESSION_S


def test_no_level_without_history() -> None:
    assert session_volume_level(FLAT, [DAY + SESSION_OPEN_NS], [0], DAY + SESSION_OPEN_NS, MIN) is None
    assert session_volume_level(FLAT, [], [], DAY, MIN) is None


def test_the_level_only_reads_samples_up_to_now() -> None:
    times, volumes = samples([100] * 30 + [10_000] * 30)
    now = times[30]
    assert session_volume_level(FLAT, times, volumes, now, 15 * MIN) == pytest.approx(100 * SESSION_S)


WINDOW = (DAY + SESSION_OPEN_NS + 30 * MIN, DAY + SESSION_OPEN_NS + 90 * MIN)


def test_without_a_level_the_dynamic_share_is_the_static_curve() -> None:
    start, end = WINDOW
    t = start + 20 * MIN
    assert dynamic_window_fraction(FLAT, start, end, t, 5000.0, None, 0.2) == pytest.approx(1 / 3)


def test_volume_ahead_of_the_level_moves_the_share_ahead_and_behind_holds_it_back() -> None:
    start, end = WINDOW
    t = start + 20 * MIN
    level = 100.0 * SESSION_S  # 100 shares/s: 40 minutes left carry 240,000
    on_pace = dynamic_window_fraction(FLAT, start, end, t, 120_000.0, level, 1.0)
    assert on_pace == pytest.approx(1 / 3)
    assert dynamic_window_fraction(FLAT, start, end, t, 240_000.0, level, 1.0) == pytest.approx(0.5)
    assert dynamic_window_fraction(FLAT, start, end, t, 60_000.0, level, 1.0) == pytest.approx(0.2)


def test_the_deviation_from_the_curve_is_capped() -> None:
    start, end = WINDOW
    t = start + 20 * MIN
    share = dynamic_window_fraction(FLAT, start, end, t, 1e9, 100.0 * SESSION_S, 0.1)
    assert share == pytest.approx(1 / 3 + 0.1)


@given(
    volume=st.floats(0, 1e9), level=st.floats(1, 1e10), minute=st.integers(0, 60), cap=st.floats(0, 1),
)
def test_the_dynamic_share_stays_within_0_1_and_the_cap(volume: float, level: float, minute: int, cap: float) -> None:
    start, end = WINDOW
    curve = u_shaped_curve()
    t = start + minute * MIN
    static = curve.window_fraction(start, end, t)
    share = dynamic_window_fraction(curve, start, end, t, volume, level, cap)
    assert 0.0 <= share <= 1.0
    assert abs(share - static) <= cap + 1e-12
    if minute == 60:
        assert share == 1.0


def test_a_recalibration_moves_the_schedule_no_faster_than_the_average_pace() -> None:
    assert limited_change(0.0, 0.3, 6 * MIN, 60 * MIN) == pytest.approx(0.1)
    assert limited_change(0.2, -0.3, 6 * MIN, 60 * MIN) == pytest.approx(0.1)
    assert limited_change(0.0, 0.05, 6 * MIN, 60 * MIN) == 0.05
    assert limited_change(0.1, 0.0, 0, 60 * MIN) == 0.1


# a curve whose second bin (09:35-09:40) historically trades nothing
HOLE = curve_from_bin_volumes(
    (*range(SESSION_OPEN_NS, SESSION_CLOSE_NS, 5 * MIN), SESSION_CLOSE_NS), [1.0] + [0.0] + [1.0] * 76, "hole"
)


def test_volume_printed_where_the_curve_expects_none_does_not_raise_the_level() -> None:
    times, volumes = samples([100] * 10)  # 09:30-09:40 at 100 shares/s, half of it in the empty bin
    level = session_volume_level(HOLE, times, volumes, times[-1], 15 * MIN)
    assert level == pytest.approx(100 * 300 * 77, rel=1e-9)  # the first bin's 30,000 shares are 1/77 of the day


def test_a_window_the_curve_gives_no_volume_keeps_the_static_share_whatever_trades() -> None:
    start, end = DAY + SESSION_OPEN_NS + 5 * MIN, DAY + SESSION_OPEN_NS + 10 * MIN  # all inside the empty bin
    t = start + MIN
    static = HOLE.window_fraction(start, end, t)
    assert dynamic_window_fraction(HOLE, start, end, t, 50_000.0, 100.0 * SESSION_S, 0.5) == static


def test_nothing_is_due_at_the_start_of_the_window_whatever_has_traded() -> None:
    start, end = WINDOW
    assert dynamic_window_fraction(FLAT, start, end, start, 50_000.0, 100.0 * SESSION_S, 0.5) == 0.0


def test_a_level_of_zero_gives_nothing_to_recalibrate_against() -> None:
    start, end = WINDOW
    t = start + 20 * MIN
    assert dynamic_window_fraction(FLAT, start, end, t, 5000.0, 0.0, 0.5) == pytest.approx(1 / 3)
