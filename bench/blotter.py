"""Blotter responsiveness: updates/s absorbed and event-loop lag with 10k and 100k parent rows.

    python -m bench.blotter [--json FILE] [--rate N] [--seconds S] [--repeats R]

A `ParentBlotter` (the real widget: 17 columns, coalescing model, shown and painting offscreen) is
loaded with N rows of the engine's `ParentView`, then a QTimer producer changes random rows (filled
qty, leaves, avg price, status) at a fixed target rate while a 10 ms probe timer measures how late
the event loop runs it. `updates_per_s` is what the producer managed to push through the loop (it
falls below the target when the GUI cannot keep up); lag is the probe's lateness. Each figure is the
median of the repeats, each run in a fresh process (RSS includes Qt and Python, ~50 MB before any
blotter: `rss_before_blotter_mb`). Extra keys: the same with the blotter sorted by the Filled column
(every update moves its row), flush times, CPU seconds per second, and the target rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from functools import partial
from itertools import count
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from bench.common import emit, median_of, parser, table
from engine.model import OrdStatus, ParentId, Side, Symbol
from engine.views import ParentView
from widgets.blotters import PARENT_COLUMNS, ParentBlotter
from widgets.theme import apply_dark_theme

SIZES = (10_000, 100_000)
PROBE_MS = 10
PRODUCER_MS = 5
BACKLOG_S = 0.25  # after a stall the producer catches up, but never with more than 250 ms of updates
SESSION_OPEN_NS = 1_700_000_000_000_000_000 - 1_700_000_000_000_000_000 % 86_400_000_000_000 + 34_200 * 10**9
FILLED_COLUMN = [column.header for column in PARENT_COLUMNS].index("Filled")
SYMBOLS = [Symbol(f"SYM{i:03d}") for i in range(200)]


def rss_mb() -> float:
    """Resident set size now (VmRSS), falling back to the peak from getrusage."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parent_row(index: int, rng: random.Random) -> ParentView:
    """A freshly accepted parent order."""
    quantity = 1_000 * rng.randint(1, 500)
    mid = Decimal(rng.randint(1_000, 50_000)) / 100
    return ParentView(
        parent_id=ParentId(f"P-{index:06d}"),
        symbol=rng.choice(SYMBOLS),
        side=Side.BUY if index % 2 else Side.SELL,
        quantity=quantity,
        limit_price=None if index % 3 else mid + Decimal("0.50"),
        algo=("VWAP", "TWAP", "POV", "IS")[index % 4],
        params=(),
        start_ns=SESSION_OPEN_NS,
        end_ns=SESSION_OPEN_NS + 6 * 3_600 * 10**9,
        status=OrdStatus.NEW,
        cum_qty=0,
        leaves_qty=quantity,
        avg_price=None,
        arrival_mid=mid,
        working_qty=min(quantity, 500),
        children=rng.randint(0, 50),
        paused=False,
        created_ns=SESSION_OPEN_NS,
        updated_ns=SESSION_OPEN_NS,
        text="",
    )


def filled_row(row: ParentView, fill_qty: int, rng: random.Random) -> ParentView:
    """The snapshot after a fill, as the engine would publish it."""
    cum_qty = min(row.quantity, row.cum_qty + fill_qty)
    status = OrdStatus.FILLED if cum_qty == row.quantity else OrdStatus.PARTIALLY_FILLED
    mid = row.arrival_mid or Decimal(100)
    return replace(
        row,
        cum_qty=cum_qty,
        leaves_qty=row.quantity - cum_qty,
        status=status,
        avg_price=mid + Decimal(rng.randint(-20, 20)) / 100,
        working_qty=min(row.quantity - cum_qty, 500),
        updated_ns=row.updated_ns + 1_000_000,
    )


def run_once(rows: int, rate: float, seconds: float, sort_by_filled: bool, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    blotter = ParentBlotter()
    blotter.resize(1_400, 900)
    blotter.show()
    current = [parent_row(i, rng) for i in range(rows)]
    blotter.upsert_many(current)
    blotter.flush()
    if sort_by_filled:
        blotter.table.sortByColumn(FILLED_COLUMN, Qt.SortOrder.DescendingOrder)
    QApplication.processEvents()

    # Snapshots are built before the clock starts: the figures are the blotter's cost, not the producer's.
    updates: list[ParentView] = []
    for _ in range(min(int(rate * seconds), 60_000)):
        index = rng.randrange(rows)
        current[index] = filled_row(current[index], rng.randint(1, 20) * 100, rng)
        updates.append(current[index])
    sent = 0
    lags_ms: list[float] = []
    flush_ms: list[float] = []
    blotter.model.flushed.connect(lambda *_: flush_ms.append(blotter.model.last_flush_s * 1_000))
    start = last_probe = time.perf_counter()
    cpu_start = time.process_time()

    def produce() -> None:
        nonlocal sent
        due = int(rate * (time.perf_counter() - start)) - sent
        upsert, pool = blotter.upsert, len(updates)
        for _ in range(min(due, int(rate * BACKLOG_S))):
            upsert(updates[sent % pool])
            sent += 1

    def probe() -> None:
        nonlocal last_probe
        now = time.perf_counter()
        lags_ms.append(max(0.0, (now - last_probe) * 1_000 - PROBE_MS))
        last_probe = now

    producer = QTimer()
    producer.setTimerType(Qt.TimerType.PreciseTimer)
    producer.timeout.connect(produce)
    prober = QTimer()
    prober.setTimerType(Qt.TimerType.PreciseTimer)
    prober.timeout.connect(probe)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1_000), loop.quit)
    producer.start(PRODUCER_MS)
    prober.start(PROBE_MS)
    loop.exec()
    elapsed = time.perf_counter() - start
    cpu_s_per_s = (time.process_time() - cpu_start) / elapsed
    producer.stop()
    prober.stop()
    blotter.flush()
    memory = rss_mb()
    lags_ms.sort()
    return {
        "updates_per_s": sent / elapsed,
        "loop_lag_p50_ms": statistics.median(lags_ms) if lags_ms else float("nan"),
        "loop_lag_p99_ms": lags_ms[min(len(lags_ms) - 1, int(0.99 * len(lags_ms)))] if lags_ms else float("nan"),
        "rss_mb": memory,
        "gui_cpu_s_per_s": cpu_s_per_s,
        "flush_ms_p50": statistics.median(flush_ms) if flush_ms else float("nan"),
        "flush_ms_max": max(flush_ms, default=float("nan")),
        "flushes_per_s": len(flush_ms) / elapsed,
    }


def measure_in_child(
    rows: int, rate: float, seconds: float, sort_by_filled: bool, seeds: Iterator[int]
) -> dict[str, float]:
    """One measurement in a fresh process, so RSS is this blotter's and not the previous runs'."""
    seed = next(seeds)
    command = [sys.executable, "-m", "bench.blotter", "--one", str(rows), str(int(sort_by_filled)), str(seed)]
    command += ["--rate", str(rate), "--seconds", str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure_here(rows: int, rate: float, seconds: float, sort_by_filled: bool, seed: int) -> dict[str, float]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_dark_theme(app)
    baseline = rss_mb()
    figures = run_once(rows, rate, seconds, sort_by_filled, seed)
    figures["rss_before_blotter_mb"] = baseline
    return figures


def main(argv: list[str] | None = None) -> int:
    args_parser = parser(__doc__.splitlines()[0] if __doc__ else "blotter benchmark")
    args_parser.add_argument("--rate", type=float, default=10_000.0, help="target updates per second")
    args_parser.add_argument("--seconds", type=float, default=4.0, help="duration of each measurement")
    args_parser.add_argument("--no-sorted", action="store_true", help="skip the sorted-blotter variant")
    args_parser.add_argument("--one", nargs=3, type=int, metavar=("ROWS", "SORTED", "SEED"), help=argparse.SUPPRESS)
    args = args_parser.parse_args(argv)
    if args.one:
        rows, sort_by_filled, seed = args.one
        print(json.dumps(measure_here(rows, args.rate, args.seconds, bool(sort_by_filled), seed)))
        return 0
    figures: dict[str, Any] = {"target_updates_per_s": args.rate, "seconds_per_run": args.seconds}
    lines: list[tuple[str, str]] = [("target updates/s", f"{args.rate:,.0f}")]
    variants = [("", False)] if args.no_sorted else [("", False), ("_sorted_by_filled", True)]
    for suffix, sort_by_filled in variants:
        for rows in SIZES:
            seeds = count(1)
            measure = partial(measure_in_child, rows, args.rate, args.seconds, sort_by_filled, seeds)
            result = median_of(args.repeats, measure)
            key = f"rows_{rows}{suffix}"
            figures[key] = result
            lines.append(
                (
                    key,
                    f"{result['updates_per_s']:>9,.0f} upd/s  lag p50 {result['loop_lag_p50_ms']:6.1f} ms"
                    f"  p99 {result['loop_lag_p99_ms']:6.1f} ms  rss {result['rss_mb']:6.0f} MB"
                    f"  cpu {result['gui_cpu_s_per_s']:4.2f} s/s  flush p50 {result['flush_ms_p50']:5.1f} ms"
                    f" max {result['flush_ms_max']:5.1f} ms",
                )
            )
    baseline = figures[f"rows_{SIZES[0]}"]["rss_before_blotter_mb"]
    lines.append(("rss of the process before any blotter", f"{baseline:.0f} MB"))
    print(table(lines))
    emit(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
