"""Volume curves: interpolation, leave-one-out estimation with provenance, the U-shaped default."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.algos.curves import (
    DEFAULT_PROVENANCE,
    SESSION_CLOSE_NS,
    SESSION_OPEN_NS,
    CurveError,
    VolumeCurve,
    average_curve,
    bin_edges,
    curve_from_bin_volumes,
    estimate_curve,
    history_curves,
    leave_one_out_curve,
    u_shaped_curve,
)
from engine.marketdata.lobster import NS_PER_DAY, discover_symbol_days
from tests.engine.marketdata.realdata import require_symbol_day
from tests.engine.marketdata.synthetic import trades_day, write_symbol_day

S = 10**9
HALF_HOUR = 1800 * S
OPEN_S = 34_200


def test_fraction_interpolates_linearly_within_a_bin() -> None:
    curve = VolumeCurve((0, 10, 20), (0.0, 0.25, 1.0), "test")
    assert [curve.fraction_at(t) for t in (-5, 0, 5, 10, 15, 20, 99)] == [0.0, 0.0, 0.125, 0.25, 0.625, 1.0, 1.0]


def test_window_fraction_maps_clock_ns_to_time_of_day_and_rescales_to_the_window() -> None:
    curve = VolumeCurve((0, 10, 20), (0.0, 0.25, 1.0), "test")
    day = 3 * NS_PER_DAY
    assert curve.window_fraction(day + 10, day + 20, day + 15) == pytest.approx(0.5)
    assert curve.window_fraction(day + 0, day + 20, day + 10) == pytest.approx(0.25)
    assert curve.window_fraction(day + 0, day + 20, day - 1) == 0.0
    assert curve.window_fraction(day + 0, day + 20, day + 25) == 1.0


def test_a_window_the_curve_gives_no_volume_falls_back_to_elapsed_time() -> None:
    curve = VolumeCurve((100, 200), (0.0, 1.0), "test")
    assert curve.window_fraction(0, 50, 10) == pytest.approx(0.2)
    assert [curve.window_fraction(0, 50, t) for t in (-10, 0, 50, 60)] == [0.0, 0.0, 1.0, 1.0]  # never outside 0..1


def test_a_curve_must_run_from_zero_to_one_without_decreasing() -> None:
    with pytest.raises(CurveError):
        VolumeCurve((0, 10, 20), (0.0, 0.6, 0.5), "bad")
    with pytest.raises(CurveError):
        VolumeCurve((0, 10), (0.0, 0.9), "bad")


def test_a_curve_needs_one_cumulative_value_per_edge_and_may_not_fall_back() -> None:
    with pytest.raises(CurveError, match="one cumulative value per edge"):
        VolumeCurve((0, 10), (0.0, 0.5, 1.0), "bad")
    with pytest.raises(CurveError, match="must not decrease"):
        VolumeCurve((0, 10, 20, 30), (0.0, 0.6, 0.4, 1.0), "bad")


@pytest.mark.parametrize("edges", [(0, 10, 10, 20), (0, 10, 5, 20)])
def test_bin_edges_must_strictly_increase(edges: tuple[int, ...]) -> None:
    with pytest.raises(CurveError, match="edges must increase"):  # a bin of no width interpolates by 0 / 0
        VolumeCurve(edges, (0.0, 0.5, 0.5, 1.0), "bad")


@pytest.mark.parametrize(("start", "end", "width"), [(0, 25, 0), (0, 25, -10), (10, 10, 5), (10, 5, 5)])
def test_bins_of_no_width_or_a_session_of_no_length_are_refused(start: int, end: int, width: int) -> None:
    with pytest.raises(CurveError, match="bad bins"):
        bin_edges(start, end, width)


def test_one_volume_per_bin() -> None:
    with pytest.raises(CurveError, match="1 bin volumes for 2 bins"):
        curve_from_bin_volumes((0, 10, 20), [1.0], "short")


def test_only_curves_over_the_same_bins_are_averaged_and_at_least_one() -> None:
    with pytest.raises(CurveError, match="no curves to average"):
        average_curve([], (0, 10, 20), "none")
    ten_twenty = VolumeCurve((0, 10, 20), (0.0, 0.5, 1.0), "a")
    five_twenty = VolumeCurve((0, 5, 20), (0.0, 0.5, 1.0), "b")
    with pytest.raises(CurveError, match="curve b has different bins"):
        average_curve([("a", ten_twenty), ("b", five_twenty)], (0, 10, 20), "mixed")


def test_bins_that_never_traded_make_no_curve() -> None:
    with pytest.raises(CurveError, match="no volume"):  # a curve normalized by 0 would be all NaN
        curve_from_bin_volumes((0, 10, 20), [0.0, 0.0], "empty")


def test_a_window_of_no_length_is_all_due_from_its_end() -> None:
    curve = VolumeCurve((0, 10, 20), (0.0, 0.25, 1.0), "test")
    assert [curve.window_fraction(15, 15, t) for t in (14, 15, 16)] == [0.0, 1.0, 1.0]


def test_bins_cover_the_session_with_a_shorter_last_bin() -> None:
    edges = bin_edges(0, 25, 10)
    assert edges == (0, 10, 20, 25)
    assert len(bin_edges()) == 79  # 6.5 h of 5-minute bins + the close


def test_default_u_shape_is_heavier_at_open_and_close_and_symmetric() -> None:
    curve = u_shaped_curve()
    bins = curve.bin_fractions
    assert curve.provenance == DEFAULT_PROVENANCE
    assert bins[0] > 3 * bins[len(bins) // 2] and bins[-1] > 3 * bins[len(bins) // 2]
    assert bins[0] == pytest.approx(bins[-1])


def _history(tmp_path: Path) -> None:
    # AAA trades at the open, BBB at 10:30, CCC (another day) at 11:30; all 100 shares
    write_symbol_day(tmp_path, "AAA", "2019-03-04", 1, trades_day([OPEN_S + 10], [100]))
    write_symbol_day(tmp_path, "BBB", "2019-03-04", 2, trades_day([OPEN_S + 3600 + 10], [100]))
    write_symbol_day(tmp_path, "CCC", "2019-03-05", 1, trades_day([OPEN_S + 7200 + 10, OPEN_S + 7300], [60, 40]))


def _traded(tmp_path: Path, ticker: str):  # type: ignore[no-untyped-def]
    (sd,) = [sd for sd in discover_symbol_days(tmp_path) if sd.ticker == ticker]
    return sd


def test_leave_one_out_averages_every_other_symbol_day_and_says_so(tmp_path: Path) -> None:
    _history(tmp_path)
    history = history_curves(tmp_path, bin_ns=HALF_HOUR)
    curve = leave_one_out_curve(history, _traded(tmp_path, "AAA"))
    assert curve.provenance == "leave-one-out over BBB_2019-03-04, CCC_2019-03-05"
    bins = curve.bin_fractions
    assert bins[0] == 0.0  # AAA's own open volume is not used
    assert bins[2] == pytest.approx(0.5) and bins[4] == pytest.approx(0.5)


def test_the_traded_days_own_volume_never_shapes_its_curve(tmp_path: Path) -> None:
    _history(tmp_path)
    before = estimate_curve(tmp_path, _traded(tmp_path, "AAA"), bin_ns=HALF_HOUR)
    write_symbol_day(tmp_path, "AAA", "2019-03-04", 1, trades_day([OPEN_S + 5 * 3600], [9_999]))
    write_symbol_day(tmp_path, "AAA", "2019-03-04", 3, trades_day([OPEN_S + 6 * 3600], [9_999]))
    after = estimate_curve(tmp_path, _traded(tmp_path, "AAA"), bin_ns=HALF_HOUR)
    assert after == before


def test_excluding_the_same_day_drops_other_tickers_of_that_day(tmp_path: Path) -> None:
    _history(tmp_path)
    curve = estimate_curve(tmp_path, _traded(tmp_path, "AAA"), bin_ns=HALF_HOUR, exclude_same_day=True)
    assert curve.provenance == "leave-one-out over CCC_2019-03-05"


def test_with_no_other_history_the_default_u_shape_is_used(tmp_path: Path) -> None:
    write_symbol_day(tmp_path, "AAA", "2019-03-04", 1, trades_day([OPEN_S + 10], [100]))
    curve = estimate_curve(tmp_path, _traded(tmp_path, "AAA"))
    assert curve.provenance == DEFAULT_PROVENANCE
    assert curve.edges == bin_edges(SESSION_OPEN_NS, SESSION_CLOSE_NS)


def test_recorded_aapl_curve_comes_from_the_other_symbol_days() -> None:
    aapl = require_symbol_day("AAPL", "2012-06-21")
    curve = estimate_curve(aapl.message_path.parent, aapl)
    others = sorted(sd.key for sd in discover_symbol_days(aapl.message_path.parent) if sd.key != aapl.key)
    assert curve.provenance == (f"leave-one-out over {', '.join(others)}" if others else DEFAULT_PROVENANCE)
    assert "AAPL_2012-06-21" not in curve.provenance


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=30).filter(lambda v: sum(v) > 0),
       st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_window_fraction_is_monotone_in_time_and_within_0_1(volumes: list[int], a: int, b: int) -> None:
    edges = tuple(range(0, 100 * (len(volumes) + 1), 100))
    curve = curve_from_bin_volumes(edges, [float(v) for v in volumes], "p")
    start, end = 0, edges[-1]
    lo, hi = sorted((a * end // 10_000, b * end // 10_000))
    f_lo, f_hi = curve.window_fraction(start, end, lo), curve.window_fraction(start, end, hi)
    assert 0.0 <= f_lo <= f_hi <= 1.0
