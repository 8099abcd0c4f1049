"""Events per second through the engine on the simulated market, end to end, in virtual time.

Market data (books, prints) from the simulated venues plus order events (children, acks, fills,
cancels) flow through the real engine: journal (SQLite, WAL), order store, TWAP algos, router.
Virtual time runs as fast as the CPU allows, so events/s is the engine's processing capacity.

`--parents N[,M...]`: N distinct TWAP parents (2,000 shares each, one end time each, crossing off, entered
with the soft duplicate-order warning confirmed; all at one instant, or `--stagger-ms` apart, which is more
like a desk: their algos then do not tick on the same grid seconds) and market seconds per wall second at
each N (of the minutes left after the submissions), with the process's resident set (`rss_mb` at the end
of the run, `peak_rss_mb` so far in the process: run one N per process for a clean peak). Events/s counts
engine events, so it falls when algos do less per second of market time (sleeping TWAPs publish fewer
AlgoProgress events); compare market s per wall s. The process runs the collector as every `ems` command
does (app/gc_policy.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from app.config import load_config, session_epoch_ns
from app.gc_policy import apply_gc_policy
from app.wiring import build_engine, open_journal
from bench.common import emit, median_of, parser, table
from engine.clock import NS_PER_S, VirtualClock
from engine.model import Side
from engine.venues.sim.market import default_instruments

DAY = dt.date(2026, 1, 5)


def measure(minutes: int, parents_per_symbol: int, distinct: int = 0, stagger_ms: float = 0.0) -> dict[str, float]:
    """One run. `distinct` > 0: that many parents that cannot aggregate or cross (each its own end time,
    crossing off), spread over the symbols, instead of `parents_per_symbol` tickets per symbol; `stagger_ms`
    apart in market time (0: all at one instant, so their algos tick on the same grid seconds)."""
    with tempfile.TemporaryDirectory(prefix="ems-bench-") as scratch:
        config = load_config(journal_override=str(Path(scratch) / "bench.db"))
        clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
        journal = open_journal(config)
        engine = build_engine(config, clock, journal)
        engine.start()
        clock.advance(5 * NS_PER_S)
        end_ns = clock.now_ns() + minutes * 60 * NS_PER_S
        symbols = list(default_instruments())
        if distinct:
            for k in range(distinct):
                if stagger_ms > 0:
                    clock.advance(int(stagger_ms * 1_000_000))
                side = Side.BUY if k % 2 == 0 else Side.SELL
                result = engine.submit_ticket(symbol=symbols[k % len(symbols)], side=side, quantity=2_000,
                                              limit_price=None, algo="TWAP", end_ns=end_ns + k * NS_PER_S,
                                              params={"slice_seconds": "30"}, allow_cross=False,
                                              confirmed=True)
                assert result.accepted, result.reason
        for i, symbol in enumerate(symbols if not distinct else []):
            for k in range(parents_per_symbol):
                side = Side.BUY if (i + k) % 2 == 0 else Side.SELL
                engine.submit_ticket(symbol=symbol, side=side, quantity=20_000, limit_price=None, algo="TWAP",
                                     end_ns=end_ns, params={"slice_seconds": "30"})
        parents = len(engine.store.parent_ids())
        before = engine.events_processed
        market_s = (end_ns - clock.now_ns()) / NS_PER_S  # staggered submissions took some of the minutes
        started = time.perf_counter()
        clock.run_until(end_ns)
        elapsed = time.perf_counter() - started
        events = engine.events_processed - before
        rss_mb = _rss_mb()
        snap = engine.snapshot()
        engine.close()
    return {
        "events_per_s": events / elapsed,
        "events": events,
        "wall_s": elapsed,
        "market_seconds_per_wall_second": market_s / elapsed,
        "children": len(snap.children),
        "parents": parents,
        "fills": len(snap.fills),
        "journal_records": float(journal.appended),
        "rss_mb": rss_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--minutes", type=int, default=20, help="market minutes simulated per run")
    p.add_argument("--parents-per-symbol", type=int, default=2)
    p.add_argument("--parents", default="", help="comma-separated counts of distinct parents (e.g. 100,1000,2000): "
                   "market s per wall s at each")
    p.add_argument("--stagger-ms", type=float, default=0.0, help="with --parents: submit the parents this many "
                   "market ms apart (0: all at once, their algos then tick on the same grid seconds)")
    args = p.parse_args()
    apply_gc_policy()  # the collector as every `ems` process sets it
    if args.parents:
        by_count: dict[int, dict[str, Any]] = {}
        for count in map(int, args.parents.split(",")):
            by_count[count] = median_of(args.repeats, functools.partial(measure, args.minutes, 0, count,
                                                                        args.stagger_ms))
            print(f"{count:>6,} parents: {by_count[count]['market_seconds_per_wall_second']:8.1f} market s per wall s, "
                  f"{by_count[count]['events_per_s']:,.0f} events/s, {by_count[count]['children']:,.0f} children, "
                  f"RSS {by_count[count]['rss_mb']:,.0f} MB (peak {by_count[count]['peak_rss_mb']:,.0f})")
        emit({"minutes": args.minutes, "stagger_ms": args.stagger_ms,
              "parents": {str(k): v for k, v in by_count.items()},
              "events_per_s": by_count[min(by_count)]["events_per_s"]}, args.json)
        return
    figures = median_of(args.repeats, lambda: measure(args.minutes, args.parents_per_symbol))
    figures["minutes"] = args.minutes
    print(table([
        ("events/s (median)", f"{figures['events_per_s']:,.0f}"),
        ("events per run", f"{figures['events']:,.0f}"),
        ("wall s per run", f"{figures['wall_s']:.2f}"),
        ("market s per wall s", f"{figures['market_seconds_per_wall_second']:,.0f}"),
        ("children per run", f"{figures['children']:,.0f}"),
        ("fills per run", f"{figures['fills']:,.0f}"),
        ("journal records", f"{figures['journal_records']:,.0f}"),
    ]))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
