"""VWAP progress: stored snapshots become plot arrays on flush, per selected parent, with bounded history."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import NS_0930, Progress
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


def test_market_volume_bars_hold_the_volume_traded_in_each_interval(qtbot: QtBot) -> None:
    widget = make(qtbot)
    widget.set_parent("P-1")
    for minute, cumulative in enumerate([0, 500, 500, 1_700]):
        widget.add_progress(Progress(NS_0930 + minute * 60 * S, "P-1", market_volume=cumulative))
    widget.flush()
    opts = widget.volume_bars.opts
    assert opts["width"] == pytest.approx(5 * 0.8)  # 3-minute span: 5 s bars
    assert float(np.sum(opts["height"])) == 1_700
    assert np.count_nonzero(opts["height"]) == 2


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


def test_volume_bars_split_cumulative_volume_by_interval() -> None:
    t = np.array([0.0, 4.0, 9.0, 12.0])
    cumulative = np.array([100.0, 300.0, 600.0, 1_000.0])
    centres, volumes = volume_bars(t, cumulative, 5.0)
    assert list(centres) == [2.5, 7.5, 12.5]
    assert list(volumes) == [300.0, 300.0, 400.0]


def test_nice_interval_and_bps_better() -> None:
    assert nice_interval(180) == 5
    assert nice_interval(6.5 * 3600) == 600
    assert nice_interval(10**7) == 3600
    assert bps_better(Decimal("100"), Decimal("99.99"), "BUY") == pytest.approx(1.0)
    assert bps_better(Decimal("100"), Decimal("99.99"), "SELL") == pytest.approx(-1.0)
    assert bps_better(None, Decimal("1"), "BUY") is None
    assert bps_better(Decimal("100"), Decimal("99"), None) is None
