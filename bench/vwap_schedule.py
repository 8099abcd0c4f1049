"""VWAP schedule tracking error alone: how far the static and dynamic *schedules* land from interval VWAP.

Run: python -m bench.vwap_schedule [--data DIR] [--json FILE]

A diagnostic beside `bench.algos`: no venue, no spread, no queue. On every symbol-day in DIR and every
window (`day`, and one-hour windows starting 09:30 ... 15:00) the schedule is stepped every 10 s of the
recorded tape; what it wants done by the end of a step is bought at the tape's VWAP of that step. The
signed result (bps, positive = our price above interval VWAP; for a buy that is worse) is therefore
the cost of the *schedule's shape* only: what a perfect executor of that schedule would get.

The dynamic schedule is stepped with the same functions, in the same order, as `VwapAlgo.
schedule_fraction` (volume level re-estimated once per curve bin from cumulative volume sampled since
the open, deviation from the static curve rate-limited), with the algo's default parameters; the
curve is leave-one-out over the other symbol-days, as in `bench.algos`. The table also shows, per
window, the largest gap between the share the dynamic schedule had done and the share of the window's
volume the tape had traded: a gap the schedule could only have avoided by knowing the future.
"""

from __future__ import annotations

import bisect
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bench.algos import HOUR_NS, HOURLY, default_data_dir, hour_start_ns
from bench.common import emit, parser
from engine.algos.curves import VolumeCurve, history_curves, leave_one_out_curve, u_shaped_curve
from engine.algos.vwap import dynamic_window_fraction, limited_change, session_volume_level
from engine.clock import NS_PER_S
from engine.marketdata.lobster import SymbolDay, discover_symbol_days
from engine.marketdata.tape import load_executions

STEP_NS = 10 * NS_PER_S
HALFLIFE_NS = 15 * 60 * NS_PER_S  # VwapAlgo's default volume_halflife_minutes
MAX_DEVIATION = 0.15  # VwapAlgo's default max_deviation


class Tape:
    """Cumulative volume and notional of a symbol-day's executions, read at any time (ns since midnight)."""

    def __init__(self, symbol_day: SymbolDay) -> None:
        tape = load_executions(symbol_day)
        self.time_ns = tape.time_ns.astype(np.int64)
        self.volume = np.cumsum(tape.size.astype(np.int64))
        self.notional = np.cumsum(tape.size.astype(np.float64) * tape.price.astype(np.float64) / 10_000)

    def at(self, t_ns: int) -> tuple[int, float]:
        """Cumulative (volume, notional in USD) of the executions before `t_ns`."""
        i = int(np.searchsorted(self.time_ns, t_ns, side="left"))
        return (int(self.volume[i - 1]), float(self.notional[i - 1])) if i > 0 else (0, 0.0)


def schedule_path(tape: Tape, curve: VolumeCurve, open_ns: int, start_ns: int, end_ns: int,
                  dynamic: bool) -> tuple[list[int], list[float]]:
    """Grid times and the share of the window the schedule wants done by each (non-decreasing, 1 at end)."""
    grid = [*range(start_ns, end_ns, STEP_NS), end_ns]
    base = tape.at(open_ns)[0]
    times = list(range(open_ns, start_ns, STEP_NS))
    volumes = [tape.at(t)[0] - base for t in times]
    start_volume = tape.at(start_ns)[0] - base
    level: float | None = None
    level_bin, deviation, deviation_ns = -1, 0.0, start_ns
    shares = [0.0]
    for now in grid[1:]:
        times.append(now)
        volumes.append(tape.at(now)[0] - base)
        static = curve.window_fraction(start_ns, end_ns, now)
        share = static
        if dynamic:
            current_bin = bisect.bisect_right(curve.edges, now)
            if current_bin != level_bin:
                level_bin, level = current_bin, session_volume_level(curve, times, volumes, now, HALFLIFE_NS)
            projected = dynamic_window_fraction(curve, start_ns, end_ns, now, volumes[-1] - start_volume, level,
                                                MAX_DEVIATION)
            deviation = limited_change(deviation, projected - static, now - deviation_ns, end_ns - start_ns)
            deviation_ns = now
            share = min(1.0, max(0.0, static + deviation))
        shares.append(max(share, shares[-1]))
    shares[-1] = 1.0
    return grid, shares


def tracking(tape: Tape, grid: list[int], shares: list[float]) -> tuple[float, float]:
    """(signed bps of the schedule's price vs interval VWAP, largest |share done - tape share traded|).

    What is due in a step with no recorded trade waits for the next step that has one."""
    v0, n0 = tape.at(grid[0])
    v_end, n_end = tape.at(grid[-1])
    benchmark = (n_end - n0) / (v_end - v0)
    quantity = notional = pending = gap = 0.0
    for k in range(1, len(grid)):
        pending += shares[k] - shares[k - 1]
        (va, na), (vb, nb) = tape.at(grid[k - 1]), tape.at(grid[k])
        gap = max(gap, abs(shares[k] - (vb - v0) / (v_end - v0)))
        if pending > 0 and vb > va:
            quantity, notional, pending = quantity + pending, notional + pending * (nb - na) / (vb - va), 0.0
    quantity, notional = quantity + pending, notional + pending * benchmark
    return (notional / quantity - benchmark) / benchmark * 10_000, gap


def windows(symbol_day: SymbolDay) -> list[tuple[str, int, int]]:
    out = [("day", symbol_day.session_start_ns, symbol_day.session_end_ns)]
    for name in HOURLY:
        start = hour_start_ns(name)
        if symbol_day.session_start_ns <= start and start + HOUR_NS <= symbol_day.session_end_ns:
            out.append((name, start, start + HOUR_NS))
    return out


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0] if __doc__ else "bench.vwap_schedule")
    p.add_argument("--data", type=Path, default=default_data_dir(), help="folder of LOBSTER files")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        p.error(f"data folder {args.data} not found (use --data or EMS_DATA_DIR)")
    history = history_curves(args.data)
    rows: list[dict[str, Any]] = []
    print(f"{'symbol-day':<16} {'window':<8} {'static bps':>10} {'dynamic bps':>11} {'max gap':>8}")
    for symbol_day in discover_symbol_days(args.data):
        curve = leave_one_out_curve(history, symbol_day) if history else u_shaped_curve()
        tape = Tape(symbol_day)
        for name, start, end in windows(symbol_day):
            if tape.at(end)[0] <= tape.at(start)[0]:
                continue
            static, _ = tracking(tape, *schedule_path(tape, curve, symbol_day.session_start_ns, start, end, False))
            dynamic, gap = tracking(tape, *schedule_path(tape, curve, symbol_day.session_start_ns, start, end, True))
            rows.append({"symbol_day": symbol_day.key, "window": name, "static_bps": static, "dynamic_bps": dynamic,
                         "dynamic_max_gap": gap})
            print(f"{symbol_day.key:<16} {name:<8} {static:10.2f} {dynamic:11.2f} {gap:8.3f}")
    if not rows:
        print(f"no replayable symbol-day in {args.data}", file=sys.stderr)
        return 1
    hours = [r for r in rows if r["window"] != "day"]
    summary = {
        f"{kind}_mean_abs_bps_{scope}": statistics.fmean(abs(r[f"{kind}_bps"]) for r in subset)
        for kind in ("static", "dynamic") for scope, subset in (("hours", hours), ("all", rows)) if subset
    }
    print("\n" + "\n".join(f"{k}: {v:.2f}" for k, v in summary.items()))
    emit({"rows": rows, "summary": summary}, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
