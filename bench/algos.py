"""Execution algos judged on recorded market days: slippage vs interval VWAP and arrival, completion.

Run: python -m bench.algos [--data DIR] [--json FILE] [--workers N] [--sides alternate|buy|sell|both]
     [--windows standard|hourly] [--algos a,b] [--curve-lookback-dates N] [--look-ahead-curves]

On every replayable LOBSTER symbol-day found in DIR (default $EMS_DATA_DIR, else ../shared/data next to
the repository), the REAL engine works one parent per run on a `ReplayVenue` in virtual time (journal in
memory): algos vwap_dynamic, vwap_static, twap, pov (10 %) and is; parents of 1, 5 and 10 % of the
window's recorded market volume; windows `day` (the file's session, from the first two-sided quote) and
`1h` (10:00-11:00 clipped to the session; the session's first hour when that leaves under 30 minutes).
`--windows hourly` runs instead every one-hour window starting on the half hour from 09:30 to 15:00
(`1h@09:30` ... `1h@15:00`): not the BENCH.md rows, but the same algos judged on 12 windows per symbol-day
rather than one, so that a single unforecastable hour (a volume burst) does not decide the figure.

Honesty rules (see ../shared/BENCH.md):
- the window's market volume sizes the parent here and is never shown to an algo (algos get only the
  quantity, the window and string parameters; VWAP gets a curve from the provider below);
- the VWAP curve of a symbol-day comes only from dates strictly before it: the equal-weight average of the
  curves of every symbol-day (any ticker) on the `--curve-lookback-dates` (20) most recent earlier dates,
  else the U-shaped default; each row's `curve` says which (`earlier dates ...` or `default`) and
  `curve_dates` lists the dates. `--look-ahead-curves` (comparison only, never a BENCH.md figure) uses
  instead every other symbol-day, the same date and later dates included, as this bench once did;
- each row splits its slippage vs interval VWAP into `schedule_only_bps` (a perfect execution of the algo's
  own schedule: each slice at the tape's VWAP of that slice) and `execution_bps` (the rest); see
  `bench/algo_split.py`;
- every parent is accepted at the session start (1h parents staged with start time 10:00), so an algo has
  watched the market since the open, as a live algo server would have; it never sees later data;
- side: `alternate` (default) buys when (symbol-day index + size index + window index) is even and sells
  otherwise, the same side for every algo of one (symbol-day, size, window); `both` runs both sides
  (then two rows per combination, each with its `side`);
- bps are signed, positive = better than the benchmark; arrival = recorded mid at the window start;
  `participation` = our filled / recorded market volume in the window (our fills are not in the recorded
  tape). Figures are deterministic (virtual time, seeded algos): one run per configuration.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from bench.algo_split import lobster_tape, slice_schedule, split_vs_interval_vwap
from bench.common import emit, parser
from engine.algos import vwap
from engine.algos.common import COMMON_PARAMS
from engine.algos.curves import (
    DEFAULT_LOOKBACK_DATES,
    DEFAULT_PROVENANCE,
    VolumeCurve,
    history_curves,
    leave_one_out_curve,
    prior_dates_curve,
    prior_symbol_days,
    u_shaped_curve,
)
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.events import AlgoProgress, Event
from engine.journal import Journal
from engine.marketdata.lobster import PRICE_SCALE, LobsterDay, SymbolDay, discover_symbol_days, load_symbol_day
from engine.marketdata.tape import executions, interval_volume, interval_vwap
from engine.model import Liquidity, Side, Symbol
from engine.tca.metrics import signed_bps
from engine.tca.tape import Tape
from engine.venues.replay import ReplayVenue, replay_instrument

ALGOS: dict[str, tuple[str, dict[str, str]]] = {
    "vwap_dynamic": ("VWAP", {"recalibration": "DYNAMIC"}),
    "vwap_static": ("VWAP", {"recalibration": "STATIC"}),
    "twap": ("TWAP", {}),
    "pov": ("POV", {"rate": "0.10"}),
    "is": ("IS", {}),
}
SIZES_PCT = (1, 5, 10)
WINDOWS = ("day", "1h")
HOURLY = tuple(f"1h@{(570 + 30 * k) // 60:02d}:{(570 + 30 * k) % 60:02d}" for k in range(12))
HOUR_START_NS = 10 * 3600 * NS_PER_S
HOUR_NS = 3600 * NS_PER_S
NS_PER_DAY = 24 * HOUR_NS
MIN_HOUR_WINDOW_NS = 30 * 60 * NS_PER_S
SLICE_NS = int(next(p.default for p in COMMON_PARAMS if p.name == "slice_seconds")) * NS_PER_S  # algos' default
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Job:
    symbol_day: SymbolDay
    curve: VolumeCurve
    curve_dates: tuple[str, ...]  # the earlier dates the curve was estimated from (() for the default)
    window: str
    size_pct: int
    algo: str
    side: Side


def default_data_dir() -> Path:
    configured = os.environ.get("EMS_DATA_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def window_bounds(day: LobsterDay, window: str) -> tuple[int, int]:
    """[start, end) of a window in ns since midnight (see the module docstring)."""
    sd = day.symbol_day
    session_start, session_end = sd.session_start_ns, sd.session_end_ns
    if window != "day":
        hour_start = hour_start_ns(window)
        start, end = max(session_start, hour_start), min(session_end, hour_start + HOUR_NS)
        if end - start < MIN_HOUR_WINDOW_NS:
            start, end = session_start, min(session_end, session_start + HOUR_NS)
    else:
        start, end = session_start, session_end
    two_sided = np.flatnonzero((day.ask_size[:, 0] > 0) & (day.bid_size[:, 0] > 0) & (day.time_ns >= start))
    if two_sided.size and int(day.time_ns[two_sided[0]]) < end:
        start = max(start, int(day.time_ns[two_sided[0]]))
    return start, end


def hour_start_ns(window: str) -> int:
    """Where a one-hour window starts, ns since midnight: `1h@HH:MM`, or 10:00 for `1h`."""
    if window.startswith("1h@"):
        hours, minutes = window[3:].split(":")
        return (int(hours) * 3600 + int(minutes) * 60) * NS_PER_S
    return HOUR_START_NS


def _nominal_end_ns(window: str) -> int:
    """Roughly where a run's replay ends (each replays from the open): long runs first packs workers better."""
    return NS_PER_DAY if window == "day" else hour_start_ns(window) + HOUR_NS


def arrival_mid(day: LobsterDay, t_ns: int) -> Decimal | None:
    """Recorded mid right after the last message at or before `t_ns`."""
    row = int(np.searchsorted(day.time_ns, t_ns, side="right")) - 1
    if row < 0 or day.ask_size[row, 0] <= 0 or day.bid_size[row, 0] <= 0:
        return None
    return Decimal(int(day.ask_price[row, 0] + day.bid_price[row, 0])) / (2 * PRICE_SCALE)


_DAYS: dict[str, tuple[LobsterDay, Tape]] = {}


def _load(symbol_day: SymbolDay) -> tuple[LobsterDay, Tape]:
    """The day and its TCA tape, read once per worker process."""
    key = str(symbol_day.message_path)  # not the symbol-day's name: two folders may hold the same one
    loaded = _DAYS.get(key)
    if loaded is None:
        day = load_symbol_day(symbol_day)
        loaded = _DAYS[key] = (day, lobster_tape(day))
    return loaded


def run_one(job: Job) -> dict[str, Any]:
    """One parent through the real engine on the replayed day; the row for it."""
    began = time.perf_counter()
    day, tca_tape = _load(job.symbol_day)
    sd = job.symbol_day
    midnight = sd.midnight_epoch_ns
    start, end = window_bounds(day, job.window)
    tape = executions(day)
    market_volume = interval_volume(tape, start, end)
    benchmark = interval_vwap(tape, start, end)
    quantity = max(1, round(market_volume * job.size_pct / 100))
    vwap.set_curve_provider(lambda _symbol: job.curve)
    clock = VirtualClock(midnight + min(start, sd.session_start_ns))
    symbol = Symbol(sd.ticker)
    venue = ReplayVenue(clock, day)
    engine = Engine(clock=clock, journal=Journal(":memory:"), instruments={symbol: replay_instrument(sd.ticker)},
                    venues=[venue])
    progress: list[AlgoProgress] = []  # the algo's schedule: its target every second of market time

    def on_event(event: Event) -> None:
        if isinstance(event, AlgoProgress):
            progress.append(event)

    engine.subscribe(on_event)
    engine.start()
    clock.run_until(midnight + min(start, sd.session_start_ns + NS_PER_S))  # let the first book arrive
    algo, params = ALGOS[job.algo]
    result = engine.submit_ticket(symbol=sd.ticker, side=job.side, quantity=quantity, limit_price=None, algo=algo,
                                  start_ns=midnight + start, end_ns=midnight + end, params=params)
    if not result.accepted or result.parent_id is None:
        raise RuntimeError(f"{sd.key} {job.algo}: ticket rejected: {result.reason}")
    clock.run_until(midnight + end + NS_PER_S)
    fills = [f for f in engine.store.fills() if f.parent_id == result.parent_id]
    parent = engine.store.parent(result.parent_id)
    engine.close()
    filled = sum(f.quantity for f in fills)
    avg = sum((f.price * f.quantity for f in fills), Decimal(0)) / filled if filled else None
    passive = sum(f.quantity for f in fills if f.liquidity is Liquidity.ADDED)
    reports = [(p.ts_ns - midnight, p.target_qty) for p in progress if p.parent_id == result.parent_id]
    split = split_vs_interval_vwap(job.side, quantity, slice_schedule(reports, start, end, SLICE_NS, quantity),
                                   start, [(f.ts_ns - midnight, f.quantity, f.price) for f in fills], tca_tape,
                                   benchmark)
    return {
        "symbol": sd.ticker, "day": sd.day.isoformat(), "algo": job.algo, "size_pct": job.size_pct,
        "window": job.window,
        "slippage_vs_interval_vwap_bps": signed_bps(job.side, benchmark, avg),
        "arrival_slippage_bps": signed_bps(job.side, arrival_mid(day, start), avg),
        "completion": filled / quantity,
        "participation": filled / market_volume if market_volume else None,
        "side": job.side.name, "quantity": quantity, "filled": filled,
        "avg_price": None if avg is None else str(avg.quantize(Decimal("0.0001"))),
        "interval_vwap": None if benchmark is None else str(benchmark.quantize(Decimal("0.0001"))),
        "market_volume": market_volume, "passive_share": passive / filled if filled else None,
        "children": parent.children, "status": parent.status.name, "curve": curve_label(job.curve),
        "curve_dates": list(job.curve_dates),
        "schedule_only_bps": None if split is None else split.schedule_only_bps,
        "execution_bps": None if split is None else split.execution_bps,
        "schedule_price": None if split is None else str(split.schedule_price.quantize(Decimal("0.0001"))),
        "window_start_ns": start, "window_end_ns": end, "seconds": round(time.perf_counter() - began, 2),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for algo in dict.fromkeys(r["algo"] for r in rows):
        mine = [r for r in rows if r["algo"] == algo and r["size_pct"] <= 10]
        slips = [r["slippage_vs_interval_vwap_bps"] for r in mine if r["slippage_vs_interval_vwap_bps"] is not None]
        arrivals = [r["arrival_slippage_bps"] for r in mine if r["arrival_slippage_bps"] is not None]
        parts = [r["participation"] for r in mine if r["participation"] is not None]
        schedules = [r["schedule_only_bps"] for r in mine if r["schedule_only_bps"] is not None]
        executions_ = [r["execution_bps"] for r in mine if r["execution_bps"] is not None]
        summary[algo] = {
            "mean_abs_slippage_bps": _mean([abs(s) for s in slips]),
            "mean_slippage_bps": _mean(slips),
            "std_slippage_bps": statistics.stdev(slips) if len(slips) > 1 else None,
            "completion_mean": _mean([r["completion"] for r in mine]),
            "mean_arrival_slippage_bps": _mean(arrivals),
            "participation_mean": _mean(parts),
            "mean_schedule_only_bps": _mean(schedules),
            "mean_abs_schedule_only_bps": _mean([abs(s) for s in schedules]),
            "mean_execution_bps": _mean(executions_),
            "rows_without_split": len(mine) - len(schedules),
            "rows": len(mine),
            "rows_without_fills": len(mine) - len(slips),
        }
    return summary


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def curve_label(curve: VolumeCurve) -> str:
    """Where a curve came from, as rows say it: `earlier dates ...`, or `default` (BENCH.md)."""
    return "default" if curve.provenance == DEFAULT_PROVENANCE else curve.provenance


def trading_curve(
    history: dict[SymbolDay, VolumeCurve], traded: SymbolDay, lookback_dates: int, look_ahead: bool = False
) -> tuple[VolumeCurve, tuple[str, ...]]:
    """The curve to trade `traded` with and the earlier dates it came from (see the module docstring)."""
    if not history:
        return u_shaped_curve(), ()
    if look_ahead:
        return leave_one_out_curve(history, traded), ()
    used = prior_symbol_days(history, traded.day, lookback_dates)
    return (prior_dates_curve(history, traded, lookback_dates=lookback_dates),
            tuple(sorted({sd.day.isoformat() for sd in used})))


def jobs_for(
    data: Path, sides: str, algos: list[str], windows: tuple[str, ...] = WINDOWS, *,
    lookback_dates: int = DEFAULT_LOOKBACK_DATES, look_ahead: bool = False,
) -> tuple[list[Job], dict[str, str]]:
    symbol_days = discover_symbol_days(data)
    history = history_curves(data)
    jobs, provenance = [], {}
    for d, sd in enumerate(symbol_days):
        curve, dates = trading_curve(history, sd, lookback_dates, look_ahead)
        provenance[sd.key] = curve_label(curve)
        for w, window in enumerate(windows):
            for s, size in enumerate(SIZES_PCT):
                alternate = Side.BUY if (d + s + w) % 2 == 0 else Side.SELL
                chosen = {"alternate": [alternate], "buy": [Side.BUY], "sell": [Side.SELL],
                          "both": [Side.BUY, Side.SELL]}[sides]
                jobs += [Job(sd, curve, dates, window, size, algo, side) for side in chosen for algo in algos]
    return jobs, provenance


def _fmt(value: float | None, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return format("-", ">" + spec.split(".")[0])
    return format(value, spec)


def print_tables(rows: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> None:
    print(f"{'symbol':<6} {'day':<10} {'win':<8} {'size':>4} {'side':<4} {'algo':<12} {'vs VWAP':>8} "
          f"{'sched':>7} {'exec':>7} {'vs arr':>8} {'compl':>6} {'part':>6} {'passive':>7} {'child':>6}")
    for r in rows:
        print(f"{r['symbol']:<6} {r['day']:<10} {r['window']:<8} {r['size_pct']:>3}% {r['side']:<4} {r['algo']:<12} "
              f"{_fmt(r['slippage_vs_interval_vwap_bps'], '8.2f')} {_fmt(r['schedule_only_bps'], '7.2f')} "
              f"{_fmt(r['execution_bps'], '7.2f')} {_fmt(r['arrival_slippage_bps'], '8.2f')} "
              f"{r['completion']:6.3f} {_fmt(r['participation'], '6.3f')} {_fmt(r['passive_share'], '7.2f')} "
              f"{r['children']:>6}")
    print()
    print(f"{'algo (size <= 10%)':<18} {'mean|vs VWAP|':>13} {'mean vs VWAP':>12} {'std':>7} {'sched':>7} "
          f"{'|sched|':>7} {'exec':>7} {'vs arrival':>10} {'completion':>10} {'particip.':>9}")
    for algo, s in summary.items():
        print(f"{algo:<18} {_fmt(s['mean_abs_slippage_bps'], '13.2f')} {_fmt(s['mean_slippage_bps'], '12.2f')} "
              f"{_fmt(s['std_slippage_bps'], '7.2f')} {_fmt(s['mean_schedule_only_bps'], '7.2f')} "
              f"{_fmt(s['mean_abs_schedule_only_bps'], '7.2f')} {_fmt(s['mean_execution_bps'], '7.2f')} "
              f"{_fmt(s['mean_arrival_slippage_bps'], '10.2f')} {_fmt(s['completion_mean'], '10.3f')} "
              f"{_fmt(s['participation_mean'], '9.3f')}")


def target_check(summary: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The issue's target: dynamic VWAP mean |slippage| <= 3 bps, and better than static and TWAP."""
    def abs_of(algo: str) -> float | None:
        return summary.get(algo, {}).get("mean_abs_slippage_bps")

    dyn, static, twap = abs_of("vwap_dynamic"), abs_of("vwap_static"), abs_of("twap")
    return {
        "vwap_dynamic_mean_abs_le_3_bps": None if dyn is None else dyn <= 3.0,
        "vwap_dynamic_better_than_static": None if dyn is None or static is None else dyn < static,
        "vwap_dynamic_better_than_twap": None if dyn is None or twap is None else dyn < twap,
    }


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0] if __doc__ else "bench.algos")
    p.add_argument("--data", type=Path, default=default_data_dir(), help="folder of LOBSTER files")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--sides", choices=("alternate", "buy", "sell", "both"), default="alternate")
    p.add_argument("--windows", choices=("standard", "hourly"), default="standard",
                   help="standard: day and 10:00-11:00 (BENCH.md); hourly: 1h windows starting 09:30 ... 15:00")
    p.add_argument("--curve-lookback-dates", type=int, default=DEFAULT_LOOKBACK_DATES,
                   help=f"VWAP curves from the symbol-days of this many most recent dates before the traded one "
                        f"(default {DEFAULT_LOOKBACK_DATES})")
    p.add_argument("--look-ahead-curves", action="store_true",
                   help="LOOK-AHEAD, for comparison only: VWAP curves from every other symbol-day in DIR, the same "
                        "date and later dates included (a live algo has neither at the open)")
    p.add_argument("--algos", default=",".join(ALGOS), help="comma-separated subset of " + ",".join(ALGOS))
    args = p.parse_args(argv)
    algos = [a.strip() for a in args.algos.split(",") if a.strip()]
    unknown = [a for a in algos if a not in ALGOS]
    if unknown:
        p.error(f"unknown algo(s) {', '.join(unknown)}; choose from {', '.join(ALGOS)}")
    if args.curve_lookback_dates < 1:
        p.error(f"--curve-lookback-dates {args.curve_lookback_dates}: at least 1")
    if not args.data.is_dir():
        p.error(f"data folder {args.data} not found (use --data or EMS_DATA_DIR)")
    windows = HOURLY if args.windows == "hourly" else WINDOWS
    jobs, provenance = jobs_for(args.data, args.sides, algos, windows, lookback_dates=args.curve_lookback_dates,
                                look_ahead=args.look_ahead_curves)
    if not jobs:
        print(f"no replayable symbol-day in {args.data}", file=sys.stderr)
        emit({"rows": [], "summary": {}, "error": "no replayable symbol-day"}, args.json)
        return 1
    if args.look_ahead_curves:
        print("LOOK-AHEAD curves (--look-ahead-curves): for comparison only, not a BENCH.md figure", file=sys.stderr)
    for key, curve in provenance.items():
        print(f"curve for {key}: {curve}", file=sys.stderr)
    began = time.perf_counter()
    ordered = sorted(jobs, key=lambda j: _nominal_end_ns(j.window), reverse=True)
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            done = list(pool.map(run_one, ordered))
    else:
        done = [run_one(job) for job in ordered]
    order = {id(j): i for i, j in enumerate(jobs)}
    rows = [row for _, row in sorted(zip([order[id(j)] for j in ordered], done, strict=True), key=lambda x: x[0])]
    for row in rows:
        if row["slippage_vs_interval_vwap_bps"] is None:
            print(f"{row['symbol']} {row['window']} {row['size_pct']}% {row['algo']}: no fills, slippage null",
                  file=sys.stderr)
        elif row["schedule_only_bps"] is None:
            print(f"{row['symbol']} {row['window']} {row['size_pct']}% {row['algo']}: schedule split null (no "
                  f"schedule reported up to the filled quantity, or no price for one of its slices)", file=sys.stderr)
    summary = summarize(rows)
    print_tables(rows, summary)
    check = target_check(summary)
    print(f"\ntarget: {check}  ({time.perf_counter() - began:.0f} s, {len(rows)} runs)")
    emit({"rows": rows, "summary": summary, "target": check, "curves": provenance, "sides": args.sides,
          "windows": args.windows, "look_ahead_curves": args.look_ahead_curves,
          "curve_lookback_dates": args.curve_lookback_dates,
          "seconds": round(time.perf_counter() - began, 1)}, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
