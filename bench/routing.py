"""Routing policies side by side on the simulated market: the same parents under sequential, parallel and
liquidity-seeking routing, and the Cont-Kukanov split against fixed splits.

Run: python -m bench.routing [--json FILE] [--seeds 1,...,30] (about 5 min for the default thirty seeds).
Parents: buys of 0.2x, 1x and 5x the displayed ask depth (within 4 ticks of the touch, all lit venues) of a
liquid name (AAPL) and an illiquid one (ILLQ, see bench/routing_runs.py), worked by `RoutingBenchAlgo` in
virtual time: slices rested at the touch for 120 s with the router placing them, then the rest taken within 5
(liquid) or 10 (illiquid) ticks of the far touch for 45 s and at any price in the last 15 s. Every figure of
the table is the median over the seeds (fixed market seeds; each run has its own market and a fresh
scorecard). The verdicts compare the policies seed by seed, on the same market (`bench/routing_stats.py`).

Per policy: cost vs arrival (bps of the arrival mid, filled shares, positive = paid more), fees (bps of the
notional filled), all-in (the shortfall with unfilled shares at the end mid, plus fees; what "cost" means
in the targets), seconds to complete (None when a run did not complete: counted as never), fill rate,
dark share of the filled quantity, markout +5 s (bps, positive = the mid moved our way after the fill).
The cost vs arrival splits into timing (where the engine's mid stood when each fill arrived) and vs mid (what
each fill paid against that mid); the split comparison gives the paired medians of both (`cost_parts`).
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import emit, parser
from bench.routing_locks import measure as lock_measure
from bench.routing_runs import ILLIQUID, LIQUID, Bucket, fixed_split, run
from bench.routing_stats import against_all, describe, paired

Runs = dict[str, dict[str, list[dict[str, Any]]]]
"""bucket label -> policy -> its runs, in seed order."""

POLICIES = ("SEQUENTIAL", "PARALLEL", "LIQUIDITY")
SIZES = (0.2, 1.0, 5.0)
METRICS = ("cost_vs_arrival_bps", "timing_bps", "vs_mid_bps", "fees_bps", "all_in_bps", "seconds_to_complete",
           "fill_rate", "dark_share", "markout_5s_bps")
FIXED_SPLITS = {f"fixed m={m:g} {name}": (m, w) for m in (0.0, 0.5) for name, w in
                (("equal", (1.0, 1.0, 1.0)), ("LIT1", (1.0, 0.0, 0.0)), ("LIT2", (0.0, 1.0, 0.0)),
                 ("LIT3", (0.0, 0.0, 1.0)))} | {"fixed m=1 all market": (1.0, (1.0, 1.0, 1.0))}


def buckets() -> list[Bucket]:
    return [Bucket(symbol, size, 120, 60, 5 if symbol == LIQUID else 10) for symbol in (LIQUID, ILLIQUID)
            for size in SIZES]


def label(bucket: Bucket) -> str:
    return f"{'liquid' if bucket.symbol == LIQUID else 'illiquid'} {bucket.symbol} {bucket.size_x_depth:g}x depth"


def summarize(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the seeds; time to complete counts an incomplete run as never (None if most were)."""
    out: dict[str, Any] = {}
    for key in METRICS:
        values = [r[key] for r in runs]
        if key == "seconds_to_complete":
            ordered = sorted(float("inf") if v is None else v for v in values)
            middle = statistics.median(ordered)
            out[key] = None if middle == float("inf") else middle
            out["completed_runs"] = sum(v is not None for v in values)
        else:
            present = [v for v in values if v is not None]
            out[key] = statistics.median(present) if present else None
    out["quantity"] = statistics.median(r["quantity"] for r in runs)
    out["runs"] = len(runs)
    return out


def grid(seeds: Sequence[int], progress: Callable[[str], None]) -> tuple[list[dict[str, Any]], Runs]:
    rows, runs = [], {}
    for bucket in buckets():
        row: dict[str, Any] = {"bucket": label(bucket), "symbol": bucket.symbol,
                               "liquidity": "liquid" if bucket.symbol == LIQUID else "illiquid",
                               "size_x_depth": bucket.size_x_depth, "policies": {}}
        runs[label(bucket)] = {}
        for policy in POLICIES:
            progress(f"{label(bucket)} {policy}")
            done = [run(bucket, policy, seed) for seed in seeds]
            runs[label(bucket)][policy.lower()] = done
            row["policies"][policy.lower()] = summarize(done)
        rows.append(row)
    return rows, runs


def splits(seeds: Sequence[int], progress: Callable[[str], None]) -> list[dict[str, Any]]:
    """Liquidity-seeking with the Cont-Kukanov split vs every fixed split, on the large parents."""
    rows = []
    for bucket in [b for b in buckets() if b.size_x_depth == max(SIZES)]:
        progress(f"{label(bucket)} splits")
        ck_runs = [run(bucket, "LIQUIDITY", seed) for seed in seeds]
        fixed_runs = {name: [run(bucket, "LIQUIDITY", seed, fixed_split(m, w)) for seed in seeds]
                      for name, (m, w) in FIXED_SPLITS.items()}
        ck, fixed = summarize(ck_runs), {name: summarize(runs) for name, runs in fixed_runs.items()}
        best = min(fixed, key=lambda name: fixed[name]["all_in_bps"])
        # same seed, same market: the paired difference is what the split changed
        versus = paired(ck_runs, fixed_runs[best], "all_in_bps", best)
        parts = {key: paired(ck_runs, fixed_runs[best], key, best).median_difference
                 for key in ("timing_bps", "vs_mid_bps", "fees_bps")}
        rows.append({"bucket": label(bucket), "cont_kukanov": ck, "fixed": fixed, "best_fixed": best,
                     "ck_minus_best_fixed_paired_bps": versus.median_difference,
                     "ck_minus_best_fixed_parts_bps": parts,
                     "ck_vs_best_fixed": versus.as_dict(),
                     "ck_no_worse_than_best_fixed": not versus.shown_worse and versus.median_difference <= 0,
                     "ck_shown_worse_than_best_fixed": versus.shown_worse})
    return rows


def verdicts(rows: list[dict[str, Any]], split_rows: list[dict[str, Any]], runs: Runs) -> dict[str, Any]:
    """Where each policy should win, per bucket: did it, seed by seed against each rival (`routing_stats`)?
    The winners by the medians of the table are kept beside them (`*_by_bucket`)."""
    def winner(row: dict[str, Any], key: str) -> str:
        never = float("inf")
        return min(row["policies"], key=lambda p: (row["policies"][p][key] if row["policies"][p][key] is not None
                                                   else never, p))

    def target(policy: str, key: str) -> dict[str, Any]:
        found = {}
        for bucket, by_policy in runs.items():
            versus = against_all(by_policy, policy, key)
            found[bucket] = {"wins": all(c.better for c in versus), "decisive": all(c.decisive for c in versus),
                             "versus": [c.as_dict() for c in versus],
                             "text": describe(versus, "s" if key == "seconds_to_complete" else "bps")}
        return found

    fees, speed, cost = target("sequential", "fees_bps"), target("parallel", "seconds_to_complete"), \
        target("liquidity", "all_in_bps")
    large_illiquid = next(r["bucket"] for r in rows if r["liquidity"] == "illiquid" and r["size_x_depth"] == 5.0)
    return {
        "sequential_lowest_fees": fees, "sequential_lowest_fees_buckets": sum(v["wins"] for v in fees.values()),
        "sequential_lowest_fees_decisive_buckets": sum(v["decisive"] for v in fees.values()),
        "parallel_fastest": speed, "parallel_fastest_buckets": sum(v["wins"] for v in speed.values()),
        "parallel_fastest_decisive_buckets": sum(v["decisive"] for v in speed.values()),
        "liquidity_lowest_cost": cost,
        "liquidity_lowest_cost_large_illiquid": cost[large_illiquid]["wins"],
        "liquidity_lowest_cost_large_illiquid_decisive": cost[large_illiquid]["decisive"],
        "ck_no_worse_than_best_fixed": {r["bucket"]: r["ck_no_worse_than_best_fixed"] for r in split_rows},
        "ck_shown_worse_than_best_fixed": {r["bucket"]: r["ck_shown_worse_than_best_fixed"] for r in split_rows},
        "lowest_fees_by_bucket": {r["bucket"]: winner(r, "fees_bps") for r in rows},
        "fastest_by_bucket": {r["bucket"]: winner(r, "seconds_to_complete") for r in rows},
        "lowest_all_in_by_bucket": {r["bucket"]: winner(r, "all_in_bps") for r in rows},
        "buckets": len(rows),
    }


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_tables(rows: list[dict[str, Any]], split_rows: list[dict[str, Any]], verdict: dict[str, Any]) -> None:
    head = f"{'bucket':<28} {'policy':<11} {'qty':>7} {'cost':>6} {'fees':>6} {'all-in':>7} {'secs':>7} " \
           f"{'done':>4} {'fill':>5} {'dark':>5} {'mo+5s':>6}"
    print(head)
    for row in rows:
        for name, m in row["policies"].items():
            print(f"{row['bucket']:<28} {name:<11} {m['quantity']:>7.0f} {_fmt(m['cost_vs_arrival_bps']):>6} "
                  f"{_fmt(m['fees_bps']):>6} {_fmt(m['all_in_bps']):>7} {_fmt(m['seconds_to_complete'], 1):>7} "
                  f"{m['completed_runs']:>2}/{m['runs']} {_fmt(m['fill_rate']):>5} {_fmt(m['dark_share']):>5} "
                  f"{_fmt(m['markout_5s_bps']):>6}")
    print()
    for row in split_rows:
        versus = row["ck_vs_best_fixed"]
        print(f"{row['bucket']}: Cont-Kukanov all-in {_fmt(row['cont_kukanov']['all_in_bps'])} bps; best fixed "
              f"({row['best_fixed']}) {_fmt(row['fixed'][row['best_fixed']]['all_in_bps'])} bps (paired median "
              f"difference {_fmt(row['ck_minus_best_fixed_paired_bps'])}, Cont-Kukanov lower on "
              f"{versus['lower_on_seeds']:g}/{versus['seeds']} seeds, z {versus['sign_z']:+.1f}; of which, paired "
              f"medians: timing {row['ck_minus_best_fixed_parts_bps']['timing_bps']:+.2f}, vs mid "
              f"{row['ck_minus_best_fixed_parts_bps']['vs_mid_bps']:+.2f}, fees "
              f"{row['ck_minus_best_fixed_parts_bps']['fees_bps']:+.2f}); "
              + ", ".join(f"{name} {_fmt(m['all_in_bps'])}" for name, m in row["fixed"].items()))
    print()
    print("Seed by seed (the same market), the median difference against each rival and the seeds won:")
    for title, key in (("sequential fees", "sequential_lowest_fees"), ("parallel time", "parallel_fastest"),
                       ("liquidity all-in", "liquidity_lowest_cost")):
        for bucket, found in verdict[key].items():
            mark = "WINS, decisively" if found["decisive"] else "wins" if found["wins"] else "does not win"
            print(f"{title:<17} {bucket:<26} {mark}: {found['text']}")
    print()
    n = verdict["buckets"]
    print(f"sequential lowest fees in {verdict['sequential_lowest_fees_buckets']}/{n} buckets "
          f"({verdict['sequential_lowest_fees_decisive_buckets']} decisively); parallel fastest in "
          f"{verdict['parallel_fastest_buckets']}/{n} ({verdict['parallel_fastest_decisive_buckets']} decisively); "
          f"liquidity-seeking lowest all-in cost for the large illiquid parent: "
          f"{verdict['liquidity_lowest_cost_large_illiquid']} (decisively: "
          f"{verdict['liquidity_lowest_cost_large_illiquid_decisive']}); Cont-Kukanov no worse than the best fixed "
          f"split: {verdict['ck_no_worse_than_best_fixed']}, shown worse: {verdict['ck_shown_worse_than_best_fixed']}")


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--seeds", default=",".join(str(seed) for seed in range(1, 31)),
                   help="market seeds (at least 3: every figure is their median; the verdicts compare seed by seed)")
    p.add_argument("--lock-seconds", type=int, default=900, help="market seconds watched for locked/crossed books")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if not seeds:
        p.error("--seeds needs at least one seed")

    def progress(text: str) -> None:
        print(f"... {text}", file=sys.stderr, flush=True)

    rows, runs = grid(seeds, progress)
    split_rows = splits(seeds, progress)
    verdict = verdicts(rows, split_rows, runs)
    print_tables(rows, split_rows, verdict)
    progress(f"locked/crossed markets over {args.lock_seconds} s")
    locks = [lock_measure(args.lock_seconds, seeds[0], arbitrage) for arbitrage in (True, False)]
    for lock in locks:
        print(f"locked or crossed ({'with' if lock['arbitrage'] else 'without'} the arbitrageur, "
              f"{lock['symbols']} symbols x {lock['seconds']} s): max {lock['max_ms_books']:.2f} ms in the books, "
              f"{lock['max_ms_engine_view']:.1f} ms in the engine's view; "
              f"{lock['share_of_time_books']:.2%} of the time")
    overall = {policy.lower(): {key: statistics.median(v for v in (r["policies"][policy.lower()][key] for r in rows)
                                                        if v is not None)
                                if any(r["policies"][policy.lower()][key] is not None for r in rows) else None
                                for key in METRICS} for policy in POLICIES}
    emit({"policies": overall, "buckets": rows, "splits": split_rows, "targets": verdict, "seeds": seeds,
          "locked_crossed": locks}, args.json)


if __name__ == "__main__":
    main()
