"""VWAP progress: stored snapshots become plot arrays on flush, per selected parent, with bounded history."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, Fill, OrdStatus, Parent, Progress
from widgets.progress_series import ProgressHistory, bps_better, nice_interval, volume_bars
from widgets.vwap_progress import VwapProgress

S = 10**9
T0 = NS_0930 / S


def points(curve: object) -> int:
    x = curve.getData()[0]  # type: ignore[attr-defined]
    return 0 if x is None else len(x)


def make(qtbot: QtBot, capacity: int = 5_000) -> VwapProgress:
    widget = VwapProgress(capacity=capacity)
    qtbot.addWidget(widget)
    return widget


def feed(widget: VwapProgress, parent_id: str = "P-1", count: int = 3) -> None:
    for i in range(count):
        widget.add_progress(
            Progress(
                NS_0930 + 60 * i * S, parent_id, target_qty=1_000 * (i + 1), filled_qty=800 * i, working_qty=100,
                market_volume=10_000 * (i + 1), market_vwap=Decimal("100.00") + Decimal(i) / 100,
                avg_price=None if i == 0 else Decimal("100.01"), slippage_bps=None if i == 0 else -1.0,
            )
        )


def test_flush_puts_the_selected_parents_series_into_the_curves(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1", "BUY")
    feed(widget)
    assert points(widget.filled_curve) == 0  # nothing drawn before the flush
    widget.flush()
    t, target = widget.target_curve.getData()
    assert np.allclose(t, [T0, T0 + 60, T0 + 120])
    assert np.array_equal(target, [1_000, 2_000, 3_000])
    assert np.array_equal(widget.filled_curve.getData()[1], [0, 800, 1_600])
    assert np.array_equal(widget.working_curve.getData()[1], [100, 900, 1_700])
    assert np.allclose(widget.vwap_curve.getData()[1], [100.00, 100.01, 100.02])
    avg = widget.avg_curve.yData
    assert np.isnan(avg[0]) and np.allclose(avg[1:], [100.01, 100.01])
    assert widget.arrival_line.isVisible() and widget.arrival_line.value() == 100.0


def test_figures_show_schedule_position_participation_and_slippage(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1", "BUY")
    feed(widget)
    widget.flush()
    assert widget.schedule.text() == "1,600 / 3,000 (behind 1,400)"
    assert widget.participation.text() == "5.3%"
    assert widget.slippage.text() == "-1.0 bps"
    assert widget.slippage.property("tone") == "bad"
    assert widget.vs_vwap.text() == "+1.0 bps"  # bought at 100.01 against a VWAP of 100.02
    assert widget.vs_vwap.property("tone") == "good"


def test_market_volume_bars_spread_each_interval_between_reports_evenly(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1")
    for minute, cumulative in enumerate([0, 500, 500, 1_700]):
        widget.add_progress(Progress(NS_0930 + minute * 60 * S, "P-1", market_volume=cumulative))
    widget.flush()
    opts = widget.volume_bars.opts
    assert opts["width"] == pytest.approx(5 * 0.8)  # 3-minute span: 5 s bars
    heights = np.asarray(opts["height"])
    assert float(np.sum(heights)) == pytest.approx(1_700)
    assert np.allclose(heights[:12], 500 / 12) and np.allclose(heights[12:24], 0) and np.allclose(heights[24:36], 100)


def test_a_pause_is_not_drawn_as_one_bar_holding_the_whole_pause(qtbot: QtBot) -> None:
    """The algo publishes nothing while paused: 10 minutes of volume must not land in one bar."""
    widget = make(qtbot)
    widget.set_parent("P-1")
    volume = 0
    for second in range(60):
        volume += 100
        widget.add_progress(Progress(NS_0930 + second * S, "P-1", market_volume=volume))
    volume += 600_000  # traded during the 600 s pause (1,000 a second)
    for second in range(660, 720):
        volume += 100
        widget.add_progress(Progress(NS_0930 + second * S, "P-1", market_volume=volume))
    widget.flush()
    heights = np.asarray(widget.volume_bars.opts["height"])
    width = widget.volume_bars.opts["width"] / 0.8
    assert width == 30
    assert float(heights.sum()) == pytest.approx(volume)
    assert heights.max() <= 1_000 * width + 100 * width  # the pause's average rate, never 600k in one bar
    brushes = widget.volume_bars.opts["brushes"]
    assert brushes.count(widget._estimated_brush) >= 18  # bars inside the pause are drawn faint
    assert "gap" in widget.volume_plot.titleLabel.text


def test_volume_bars_split_cumulative_volume_by_interval() -> None:
    t = np.array([0.0, 4.0, 9.0, 12.0])
    cumulative = np.array([100.0, 300.0, 600.0, 1_000.0])
    centres, volumes, estimated = volume_bars(t, cumulative, 5.0)
    assert list(centres) == [2.5, 7.5, 12.5]
    # interpolated at the edges 5 and 10: 360 and 733.3; the first sample's 100 goes to the first bar
    assert np.allclose(volumes, [360.0, 373.0 + 1 / 3, 266.0 + 2 / 3])
    assert not estimated.any()


def test_volume_bars_skip_points_without_market_volume() -> None:
    t = np.array([0.0, 10.0, 20.0, 30.0])
    cumulative = np.array([np.nan, np.nan, 100.0, 400.0])
    centres, volumes, estimated = volume_bars(t, cumulative, 5.0)
    assert centres[0] == 22.5 and float(volumes.sum()) == 400.0
    assert list(estimated) == [False, True, False]  # no sample in [25, 30)


def test_switching_parent_switches_the_series(qtbot: QtBot) -> None:
    widget = make(qtbot)
    feed(widget, "P-1", count=3)
    feed(widget, "P-2", count=2)
    widget.set_parent("P-2")
    widget.flush()
    assert points(widget.target_curve) == 2
    assert not widget.plots.isHidden()
    widget.set_parent("P-1")
    widget.flush()
    assert points(widget.target_curve) == 3
    widget.set_parent("")
    widget.flush()
    assert points(widget.target_curve) == 0
    assert widget.title.text() == "No parent selected"
    assert widget.plots.isHidden()  # no empty axes with meaningless ticks


def test_snapshots_of_other_parents_do_not_redraw_the_shown_one(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1")
    feed(widget, "P-1")
    widget.flush()
    feed(widget, "P-2")
    assert not widget._dirty and not widget._timer.isActive()


def test_the_timer_redraws_without_an_explicit_flush(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1")
    feed(widget)
    qtbot.waitUntil(lambda: points(widget.target_curve) == 3, timeout=2_000)


def test_history_is_bounded_and_keeps_the_whole_life_of_the_order(qtbot: QtBot) -> None:
    widget = make(qtbot, capacity=1_000)
    widget.set_parent("P-1")
    for i in range(12_000):
        widget.add_progress(Progress(NS_0930 + i * S, "P-1", filled_qty=i, market_volume=10 * i))
    widget.flush()
    history = widget.history("P-1")
    assert history is not None and len(history) <= 1_000
    t = widget.filled_curve.xData
    assert t[0] == T0 and t[-1] == T0 + 11_999  # first and newest kept
    assert np.all(np.diff(t) > 0)
    assert float(np.sum(widget.volume_bars.opts["height"])) == 10 * 11_999  # volume totals survive thinning


def test_history_grows_only_as_needed() -> None:
    history = ProgressHistory(capacity=5_000)
    history.append(Progress(NS_0930, "P-1"))
    assert history._data.shape[0] == 64
    assert len(history) == 1


def test_late_snapshots_are_ignored() -> None:
    history = ProgressHistory()
    history.append(Progress(NS_0930 + 10 * S, "P-1", filled_qty=5))
    history.append(Progress(NS_0930, "P-1", filled_qty=1))
    assert list(history.arrays().filled) == [5]


def test_nice_interval_and_bps_better() -> None:
    assert nice_interval(180) == 5
    assert nice_interval(6.5 * 3600) == 600
    assert nice_interval(10**7) == 3600
    assert bps_better(Decimal("100"), Decimal("99.99"), "BUY") == pytest.approx(1.0)
    assert bps_better(Decimal("100"), Decimal("99.99"), "SELL") == pytest.approx(-1.0)
    assert bps_better(None, Decimal("1"), "BUY") is None
    assert bps_better(Decimal("100"), Decimal("99"), None) is None


def test_the_executed_line_follows_fills_after_the_algos_last_report(qtbot: QtBot) -> None:
    """A POV parent filled 2,000 while its algo last reported 1,550: the chart must end at 2,000."""
    widget = make(qtbot)
    widget.set_parent("P-1", "BUY")
    widget.add_progress(Progress(NS_0930, "P-1", target_qty=1_600, filled_qty=1_550, market_volume=15_500,
                                 avg_price=Decimal("100.01")))
    done = Parent("P-1", quantity=2_000, cum_qty=2_000, leaves_qty=0, status=OrdStatus.FILLED,
                  avg_price=Decimal("100.02"))
    widget.update_parent(done, NS_0930 + 2 * S)
    widget.flush()
    t, filled = widget.filled_curve.getData()
    assert list(filled) == [1_550, 2_000] and t[-1] == T0 + 2
    assert points(widget.target_curve) == 1  # the schedule is the algo's word only
    assert widget.schedule.text() == "2,000 of 2,000 — FILLED"
    assert widget.slippage.text() == "-2.0 bps"  # 100.02 against the arrival mid 100.00
    widget.update_parent(done, NS_0930 + 3 * S)  # nothing changed: no new point
    assert len(widget.history("P-1") or ()) == 2


def test_parents_that_never_traded_get_no_history(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.update_parent(Parent("P-9"), NS_0930)
    assert widget.history("P-9") is None


def test_a_restart_rebuilds_the_executed_line_from_the_journals_fills(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1", "BUY")
    fills = [Fill(f"F{i}", "C1", "P-1", quantity=q, price=Decimal(p), ts_ns=NS_0930 + i * 10 * S)
             for i, (q, p) in enumerate([(100, "100.00"), (200, "100.03"), (300, "100.06")])]
    parent = Parent("P-1", quantity=10_000, cum_qty=600, paused=True, status=OrdStatus.PARTIALLY_FILLED)
    widget.rebuild_from_fills(parent, list(reversed(fills)))  # any order: sorted by time
    widget.flush()
    t, filled = widget.filled_curve.getData()
    assert list(filled) == [100, 300, 600] and np.allclose(t, [T0, T0 + 10, T0 + 20])
    assert np.allclose(widget.avg_curve.yData, [100.0, 100.02, 100.04])
    assert points(widget.target_curve) == 0 and len(widget.volume_bars.opts["height"]) == 0
    assert "rebuilt from 3 fills" in widget.title.text()
    assert widget.schedule.text() == "600 of 10,000 filled"
    assert widget.slippage.text() == "-4.0 bps"
    widget.add_progress(Progress(NS_0930 + 60 * S, "P-1", target_qty=900, filled_qty=600, market_volume=5_000))
    widget.flush()
    assert "rebuilt" not in widget.title.text() and widget.schedule.text() == "600 / 900 (behind 300)"
    assert list(widget.filled_curve.getData()[1]) == [100, 300, 600, 600]


def test_a_rebuild_is_bounded_by_the_capacity_and_keeps_the_newest_fill(qtbot: QtBot) -> None:
    widget = make(qtbot, capacity=100)
    fills = [Fill(f"F{i}", "C1", "P-1", quantity=1, ts_ns=NS_0930 + i * S) for i in range(10_000)]
    widget.rebuild_from_fills(Parent("P-1", quantity=10_000, cum_qty=10_000), fills)
    history = widget.history("P-1")
    assert history is not None and len(history) == 50
    assert history.arrays().filled[-1] == 10_000 and history.arrays().t[-1] == T0 + 9_999


def test_the_title_says_when_the_parent_is_paused_or_killed(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1", "BUY")
    feed(widget)
    widget.update_parent(Parent("P-1", cum_qty=1_600, working_qty=100, paused=True, text="paused: kill switch",
                                status=OrdStatus.PARTIALLY_FILLED), NS_0930 + 150 * S)
    widget.flush()
    assert widget.title.text() == "P-1 BUY — 09:32:30 · KILLED"
    assert widget.schedule.text() == "1,600 / 3,000 (behind 1,400)"


def test_a_single_point_draws_no_axes(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1")
    feed(widget, count=1)
    widget.flush()
    assert widget.plots.isHidden() and widget.schedule.text() == "0 / 1,000 (behind 1,000)"
