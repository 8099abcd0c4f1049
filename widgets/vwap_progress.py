"""VWAP progress of the selected parent: schedule vs executed, market volume bars, our average price
vs the market VWAP, participation and slippage.

Snapshots (`add_progress`) and the parent's own state (`update_parent`: its fills and working quantity,
also after the algo's last report) are only stored; a timer redraws the selected parent's series a few
times a second with `setData` on long-lived plot items (no per-event repaint, no item churn). After a
restart, `rebuild_from_fills` puts back what the journal's fills say until the algo reports again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from widgets import formatting as fmt
from widgets import theme
from widgets.progress_series import (
    DEFAULT_CAPACITY,
    Execution,
    ProgressArrays,
    ProgressHistory,
    bps_better,
    nice_interval,
    volume_bars,
)
from widgets.rows import FillRow, ParentRow, ProgressSnapshot, shown_status

DEFAULT_REDRAW_HZ = 4.0
MIN_PLOTS_HEIGHT = 300
"""Three charts below this are unreadable: the dock takes the room from its neighbours instead."""
_BAR_FILL = 0.8  # share of an interval a volume bar covers
_ESTIMATED_ALPHA = 90  # bars spread over a gap in the samples (a pause) are drawn faint
_FINISHED = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED"})
_STATES = _FINISHED | {"PAUSED", "KILLED"}
"""Parent states the title names (working states need no word)."""


def _pen(name: str, width: float = 1.5, dashed: bool = False) -> pg.QtGui.QPen:
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(theme.color(name), width=width, style=style)


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class VwapProgress(QWidget):
    """Charts and figures of one parent's algo progress; keeps a bounded history for every parent."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        redraw_hz: float = DEFAULT_REDRAW_HZ,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vwapProgress")
        self._capacity = capacity
        self._histories: dict[str, ProgressHistory] = {}
        self._parent_id = ""
        self._side: str | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(1000 / redraw_hz)))
        self._timer.timeout.connect(self.flush)

        self.title = QLabel("Select a parent order to see its progress", self)
        self.title.setObjectName("progressTitle")
        self.schedule = self._figure("Schedule", "Filled vs target so far")
        self.participation = self._figure("Participation", "Our filled quantity / market volume since start")
        self.slippage = self._figure("Slip vs arrival", "Average price vs arrival mid, bps; positive = better")
        self.vs_vwap = self._figure("Slip vs VWAP", "Average price vs market VWAP since start, bps; positive = better")
        self.plots = pg.GraphicsLayoutWidget(self)
        self.plots.setBackground(theme.color("surface"))
        self.plots.setMinimumHeight(MIN_PLOTS_HEIGHT)
        self._build_plots()
        self._layout()
        self.plots.hide()

    # --- feeding -----------------------------------------------------------------------------------

    def add_progress(self, snapshot: ProgressSnapshot) -> None:
        """Store a snapshot; the selected parent's charts redraw at the next timer tick."""
        parent_id = str(snapshot.parent_id)
        self._history_of(parent_id).append(snapshot)
        if parent_id == self._parent_id:
            self._mark_dirty()

    def update_parent(self, parent: ParentRow, ts_ns: int) -> None:
        """The parent as it stands (filled, working, average price, status) at `ts_ns`: the executed line
        follows every fill, also those after the algo's last report (a parent that completes or is paused)."""
        parent_id = str(parent.parent_id)
        history = self._histories.get(parent_id)
        if history is None:
            if not parent.cum_qty and not parent.working_qty:
                return  # nothing to draw yet: no history for parents that never traded
            history = self._history_of(parent_id)
        status = str(getattr(shown_status(parent), "name", ""))  # PAUSED / KILLED while stopped
        previous = history.last_execution
        changed = history.append_execution(Execution(ts_ns, parent.cum_qty, parent.working_qty, parent.avg_price,
                                                     parent.quantity, status, parent.arrival_mid))
        if parent_id == self._parent_id and (changed or previous is None or previous.status != status):
            self._mark_dirty()

    def rebuild_from_fills(self, parent: ParentRow, fills: Sequence[FillRow]) -> None:
        """After a restart: the parent's executed line and average price from its journaled fills."""
        parent_id = str(parent.parent_id)
        self._history_of(parent_id).rebuild_from_fills(fills, parent.arrival_mid, parent.quantity)
        if parent_id == self._parent_id:
            self._mark_dirty()

    def set_parent(self, parent_id: str, side: str | None = None) -> None:
        """Show this parent's series ("" clears); `side` ("BUY"/"SELL") signs the bps figures."""
        self._parent_id = parent_id
        self._side = side
        self._mark_dirty()

    def flush(self) -> None:
        """Redraw now if anything changed (tests; the timer does it otherwise)."""
        self._timer.stop()
        if not self._dirty:
            return
        self._dirty = False
        history = self._histories.get(self._parent_id)
        self._draw(history.arrays() if history is not None else None)
        self._show_figures(history)

    # --- reading (tests, diagnostics) --------------------------------------------------------------

    @property
    def parent_id(self) -> str:
        return self._parent_id

    def history(self, parent_id: str) -> ProgressHistory | None:
        return self._histories.get(parent_id)

    def _history_of(self, parent_id: str) -> ProgressHistory:
        history = self._histories.get(parent_id)
        if history is None:
            history = self._histories[parent_id] = ProgressHistory(self._capacity)
        return history

    def forget(self, parent_id: str) -> None:
        """Drop a parent's history (e.g. when its row leaves the blotter)."""
        self._histories.pop(parent_id, None)
        if parent_id == self._parent_id:
            self._mark_dirty()

    # --- drawing -----------------------------------------------------------------------------------

    def _draw(self, series: ProgressArrays | None) -> None:
        if series is None or len(series.t) < 2:
            empty = np.empty(0)
            for curve in (self.target_curve, self.filled_curve, self.working_curve, self.vwap_curve, self.avg_curve):
                curve.setData(empty, empty)
            self.volume_bars.setOpts(x=empty, height=empty, width=1.0)
            self.arrival_line.hide()
            self.plots.hide()  # empty axes (or one point) would only show meaningless ticks
            return
        self.plots.show()
        t = series.t
        # each series from its own samples: execution points carry no schedule, volume or VWAP
        scheduled = np.isfinite(series.target)
        self.target_curve.setData(t[scheduled], series.target[scheduled])
        self.filled_curve.setData(t, series.filled)
        self.working_curve.setData(t, series.filled + series.working)
        width = nice_interval(float(t[-1] - t[0]))
        centres, volumes, estimated = volume_bars(t, series.market_volume, width)
        brushes = [self._estimated_brush if guess else self._volume_brush for guess in estimated]
        self.volume_bars.setOpts(x=centres, height=volumes, width=width * _BAR_FILL, brushes=brushes)
        gap = " (faint: spread over a gap in the algo's reports)" if estimated.any() else ""
        self.volume_plot.setTitle(f"Market volume per {_interval_text(width)}{gap}", size="8pt")
        priced = np.isfinite(series.market_vwap)
        self.vwap_curve.setData(t[priced], series.market_vwap[priced])
        self.avg_curve.setData(t, series.avg_price)
        arrival = series.arrival[-1]
        if np.isfinite(arrival):
            self.arrival_line.setValue(float(arrival))
            self.arrival_line.show()
        else:
            self.arrival_line.hide()

    def _show_figures(self, history: ProgressHistory | None) -> None:
        last = history.last if history is not None else None
        execution = history.last_execution if history is not None else None
        if history is None or (last is None and execution is None):
            self.title.setText(f"{self._parent_id}: no progress yet" if self._parent_id else "No parent selected")
            for figure in (self.schedule, self.participation, self.slippage, self.vs_vwap):
                figure.setText("—")
                figure.setProperty("tone", "")
                _restyle(figure)
            return
        state = execution.status if execution is not None and execution.status in _STATES else ""
        if execution is not None and last is not None and last.ts_ns > execution.ts_ns:
            execution = None  # the algo's report is the newer word
        side = f" {self._side}" if self._side else ""
        newest = execution.ts_ns if execution is not None else last.ts_ns  # type: ignore[union-attr]
        title = f"{self._parent_id}{side} — {fmt.time_of_day(newest)[:8]}"
        if state:
            title += f" · {state.replace('_', ' ')}"
        if last is None and history.rebuilt_fills:
            title += f" · rebuilt from {history.rebuilt_fills:,} fills; the schedule resumes with the algo"
        self.title.setText(title)
        self._set(self.schedule, _schedule_text(last, execution), "")
        rate = 100.0 * last.filled_qty / last.market_volume if last is not None and last.market_volume else None
        self._set(self.participation, fmt.percent(rate) or "—", "")
        if execution is not None:
            self._set_bps(self.slippage, bps_better(execution.arrival_mid, execution.avg_price, self._side))
        else:
            self._set_bps(self.slippage, last.slippage_bps if last is not None else None)
        self._set_bps(self.vs_vwap, bps_better(last.market_vwap, last.avg_price, self._side) if last else None)

    def _set_bps(self, figure: QLabel, value: float | None) -> None:
        tone = "" if value is None or value == 0 else ("good" if value > 0 else "bad")
        self._set(figure, f"{fmt.bps(value)} bps" if value is not None else "—", tone)

    @staticmethod
    def _set(figure: QLabel, text: str, tone: str) -> None:
        figure.setText(text)
        if figure.property("tone") != tone:
            figure.setProperty("tone", tone)
            _restyle(figure)

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    # --- construction ------------------------------------------------------------------------------

    def _figure(self, caption: str, tooltip: str) -> QLabel:
        label = QLabel("—", self)
        label.setProperty("role", "figure")
        label.setToolTip(tooltip)
        label.setObjectName(f"figure_{caption.lower().replace(' ', '_')}")
        label.setAccessibleName(caption)
        return label

    def _build_plots(self) -> None:
        axis_pen = _pen("chart_axis", 1.0)
        plots = []
        qty_title = f"{_swatch('chart_target', 'target')} vs {_swatch('chart_filled', 'executed')} " \
                    f"({_swatch('chart_working', '+ working')})"
        price_title = f"{_swatch('chart_avg', 'our avg price')} vs {_swatch('chart_vwap', 'market VWAP')}, " \
                      f"{_swatch('chart_arrival', 'arrival (dashed)')}"
        for row, (title, stretch) in enumerate(((qty_title, 5), ("", 2), (price_title, 4))):
            plot = self.plots.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.hideButtons()
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(axis_pen)
                plot.getAxis(axis).setTextPen(axis_pen)
            plot.getAxis("left").setWidth(56)  # aligned plots whatever the numbers' widths
            if title:
                plot.setTitle(title, size="8pt")
            self.plots.ci.layout.setRowStretchFactor(row, stretch)
            plots.append(plot)
        self.qty_plot, self.volume_plot, self.price_plot = plots
        for plot in plots[1:]:
            plot.setXLink(self.qty_plot)
        self.target_curve = self.qty_plot.plot(name="target", pen=_pen("chart_target", 1.5, dashed=True))
        self.working_curve = self.qty_plot.plot(name="filled + working", pen=_pen("chart_working", 1.0),
                                                stepMode="left")
        self.filled_curve = self.qty_plot.plot(name="executed", pen=_pen("chart_filled", 2.0), stepMode="left")
        self._volume_brush = pg.mkBrush(theme.color("chart_volume"))
        faint = QColor(theme.color("chart_volume"))
        faint.setAlpha(_ESTIMATED_ALPHA)
        self._estimated_brush = pg.mkBrush(faint)
        self.volume_bars = pg.BarGraphItem(x=np.empty(0), height=np.empty(0), width=1.0,
                                           brush=self._volume_brush, pen=pg.mkPen(None))
        self.volume_plot.addItem(self.volume_bars)
        self.volume_plot.setTitle("Market volume", size="8pt")
        self.vwap_curve = self.price_plot.plot(name="market VWAP", pen=_pen("chart_vwap", 1.5), connect="finite")
        self.avg_curve = self.price_plot.plot(name="our avg price", pen=_pen("chart_avg", 2.0), connect="finite")
        self.arrival_line = pg.InfiniteLine(angle=0, movable=False, pen=_pen("chart_arrival", 1.0, dashed=True))
        self.arrival_line.hide()
        self.price_plot.addItem(self.arrival_line)
        for curve in (self.target_curve, self.working_curve, self.filled_curve, self.vwap_curve, self.avg_curve):
            curve.setDownsampling(auto=True, method="peak")  # a few thousand points at most: decimate to pixels

    def _layout(self) -> None:
        figures = QGridLayout()
        figures.setHorizontalSpacing(12)
        figures.setVerticalSpacing(0)
        for i, figure in enumerate((self.schedule, self.participation, self.slippage, self.vs_vwap)):
            row, column = 2 * (i // 2), i % 2
            caption = QLabel(figure.accessibleName(), self)
            caption.setProperty("role", "muted")
            figures.addWidget(caption, row, column)
            figures.addWidget(figure, row + 1, column)
        figures.setColumnStretch(0, 3)
        figures.setColumnStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(figures)
        layout.addWidget(self.plots, 1)
        layout.addStretch()  # keeps the figures at the top while there is nothing to plot


def _schedule_text(last: ProgressSnapshot | None, execution: Execution | None) -> str:
    """Filled against the schedule; against the quantity when the algo has not reported (a rebuilt
    history) or the parent is finished."""
    if execution is not None and (last is None or execution.status in _FINISHED):
        of = f" of {execution.quantity:,}" if execution.quantity is not None else ""
        done = f" — {execution.status.replace('_', ' ')}" if execution.status in _FINISHED else " filled"
        return f"{execution.filled_qty:,}{of}{done}"
    assert last is not None
    filled = execution.filled_qty if execution is not None else last.filled_qty
    ahead = filled - last.target_qty
    position = "on schedule" if ahead == 0 else f"{'ahead' if ahead > 0 else 'behind'} {abs(ahead):,}"
    return f"{filled:,} / {last.target_qty:,} ({position})"


def _swatch(colour: str, text: str) -> str:
    """Plot-title text in a series' colour: the title doubles as the legend, covering no data."""
    return f'<span style="color:{theme.colors()[colour]}">{text}</span>'


def _interval_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
