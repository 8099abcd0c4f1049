"""VWAP: follow an intraday volume curve, recalibrated on the market volume actually traded.

Schedule: target(t) = quantity x the curve's cumulative share of the window [start, end] by t
(`VolumeCurve.window_fraction`). STATIC stops there. DYNAMIC (the default) re-projects the window's
volume from what the market has done: the session's volume *level* (total session volume the curve
would imply) is re-estimated at every curve bin from the volume seen in each bin since the parent was
accepted, recent bins weighted more (`volume_halflife_minutes`: intraday volume is persistent); then

    target share = V / (V + level x curve share still to come in the window)

with V the market volume since the window started (live, so every fill and print recalibrates).
Volume running ahead of the curve moves the target ahead, volume running late holds it back; the
deviation from the static curve is capped at `max_deviation` of the quantity and moves no faster than
the window's average pace (a re-estimated level is then worked passively, not crossed for at once),
and the target is the full quantity at the end. With no volume seen yet it is the static schedule.

Placement is the common policy (`common.py`): passive on or ahead of schedule, crossing when behind
beyond the tolerance. The curve comes from the curve provider (`set_curve_provider`), which the app or
a benchmark sets from history; without one, or when it has nothing for a symbol, the U-shaped default.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence

from engine.algos.base import AlgoContext, ParamSpec
from engine.algos.common import COMMON_PARAMS, Anchor, ScheduledAlgo
from engine.algos.curves import VolumeCurve, u_shaped_curve
from engine.clock import NS_PER_DAY, NS_PER_S
from engine.model import ParentId, Symbol
from engine.views import ParentView

CurveProvider = Callable[[Symbol], VolumeCurve | None]

_curve_provider: CurveProvider | None = None


def set_curve_provider(provider: CurveProvider | None) -> None:
    """Where VWAP parents get their volume curve from, by symbol (None: the U-shaped default for all).

    Read once when an algo is created; the provider must never return a curve estimated from the day
    being traded (look-ahead)."""
    global _curve_provider
    _curve_provider = provider


def curve_for(symbol: Symbol) -> VolumeCurve:
    """The provider's curve for `symbol`, else the U-shaped default."""
    curve = _curve_provider(symbol) if _curve_provider is not None else None
    return curve if curve is not None else u_shaped_curve()


def session_volume_level(
    curve: VolumeCurve,
    times_ns: Sequence[int],
    volumes: Sequence[int],
    now_ns: int,
    halflife_ns: int,
) -> float | None:
    """Total session volume implied by the volume seen so far, bin by bin, recent bins weighted more.

    `times_ns`/`volumes` are increasing samples of cumulative market volume (clock ns, from the past
    only). Each curve bin contributes the volume seen in it and the curve share of the part of it that
    was observed, weighted 2^(-age / halflife); the level is sum(w v) / sum(w share). None when the
    samples cover no curve share.
    """
    if len(times_ns) < 2 or halflife_ns <= 0:
        return None
    first, last = times_ns[0], min(times_ns[-1], now_ns)
    midnight = first - first % NS_PER_DAY
    edges = curve.edges
    weighted_volume = weighted_share = 0.0
    i = max(0, bisect.bisect_right(edges, first - midnight) - 1)
    while i < len(edges) - 1 and midnight + edges[i] < last:
        lo, hi = max(first, midnight + edges[i]), min(last, midnight + edges[i + 1])
        i += 1
        if hi <= lo:
            continue
        share = curve.fraction_at(hi - midnight) - curve.fraction_at(lo - midnight)
        if share <= 0:
            continue
        volume = _volume_at(times_ns, volumes, hi) - _volume_at(times_ns, volumes, lo)
        weight = 0.5 ** ((now_ns - (lo + hi) / 2) / halflife_ns)
        weighted_volume += weight * volume
        weighted_share += weight * share
    if weighted_share <= 0:
        return None
    return weighted_volume / weighted_share


def _volume_at(times_ns: Sequence[int], volumes: Sequence[int], t_ns: int) -> int:
    i = bisect.bisect_right(times_ns, t_ns) - 1
    return volumes[i] if i >= 0 else 0


def dynamic_window_fraction(
    curve: VolumeCurve,
    start_ns: int,
    end_ns: int,
    t_ns: int,
    window_volume: float,
    level: float | None,
    max_deviation: float,
) -> float:
    """Share of [start, end] due by `t_ns` given `window_volume` traded in the window by then and the
    session `level`: V / (V + level x curve share left), within `max_deviation` of the static share."""
    static = curve.window_fraction(start_ns, end_ns, t_ns)
    if t_ns <= start_ns or t_ns >= end_ns or level is None or level <= 0:
        return static
    midnight = start_ns - start_ns % NS_PER_DAY
    if curve.fraction_at(end_ns - midnight) <= curve.fraction_at(start_ns - midnight):
        return static  # the curve gives the window no volume: nothing to recalibrate against
    remaining = level * (curve.fraction_at(end_ns - midnight) - curve.fraction_at(t_ns - midnight))
    volume = max(0.0, window_volume)
    projected = volume / (volume + remaining) if volume + remaining > 0 else static
    return min(1.0, max(0.0, static - max_deviation, min(static + max_deviation, projected)))


class VwapAlgo(ScheduledAlgo):
    name = "VWAP"
    params_spec: tuple[ParamSpec, ...] = (
        *COMMON_PARAMS,
        ParamSpec("recalibration", "Curve", str, "DYNAMIC", choices=("DYNAMIC", "STATIC")),
        ParamSpec("volume_halflife_minutes", "Volume level half-life (min)", float, "15", minimum=1, maximum=1440),
        ParamSpec("max_deviation", "Max deviation from the curve (share of quantity)", float, "0.15",
                  minimum=0, maximum=1),
    )

    def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
        super().__init__(parent_id, ctx, params)
        self.curve = curve_for(self.ctx.parent(self.parent_id).symbol)
        self.dynamic = self.param_choice("recalibration") == "DYNAMIC"
        self._halflife_ns = int(self.param_float("volume_halflife_minutes") * 60 * NS_PER_S)
        self._level: float | None = None
        self._level_bin = -1
        self._deviation = 0.0
        self._deviation_ns = 0

    def volume_level(self, now_ns: int) -> float | None:
        """The session volume level, re-estimated once per curve bin (and at every re-plan)."""
        current_bin = bisect.bisect_right(self.curve.edges, now_ns % NS_PER_DAY)
        if current_bin != self._level_bin:
            self._level_bin = current_bin
            self._level = session_volume_level(
                self.curve, self.samples.times, self.samples.volumes, now_ns, self._halflife_ns
            )
        return self._level

    def replanned(self, parent: ParentView, anchor: Anchor) -> None:
        self._level_bin = -1
        self._deviation, self._deviation_ns = 0.0, anchor.time_ns

    def schedule_fraction(self, parent: ParentView, anchor: Anchor, t_ns: int) -> float:
        static = self.curve.window_fraction(anchor.time_ns, parent.end_ns, t_ns)
        if not self.dynamic:
            return static
        now = self.ctx.clock.now_ns()
        level = self.volume_level(now)
        volume = float(self.market_volume() - anchor.volume)
        if t_ns > now and level is not None:  # a forecast: the curve's volume until then at today's level
            midnight = now - now % NS_PER_DAY
            volume += level * max(0.0, self.curve.fraction_at(t_ns - midnight) - self.curve.fraction_at(now - midnight))
        projected = dynamic_window_fraction(
            self.curve, anchor.time_ns, parent.end_ns, t_ns, volume, level, self.param_float("max_deviation")
        )
        deviation = limited_change(self._deviation, projected - static, t_ns - self._deviation_ns,
                                   parent.end_ns - anchor.time_ns)
        if t_ns == now:
            self._deviation, self._deviation_ns = deviation, now
        return min(1.0, max(0.0, static + deviation))


def limited_change(previous: float, wanted: float, elapsed_ns: int, span_ns: int) -> float:
    """`wanted`, moved from `previous` by at most elapsed / span: a re-estimated volume level shifts
    the schedule no faster than the window's average pace, so it is worked passively instead of
    being crossed for all at once."""
    step = max(0, elapsed_ns) / span_ns if span_ns > 0 else 1.0
    return min(previous + step, max(previous - step, wanted))
