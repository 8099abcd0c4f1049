"""`python -m bench.fix_fuzz [--json FILE]`: hostile OMS input against the real engine and FIX gateway.

Each run starts the wiring of `ems headless` (simulated market, journal, acceptor on 127.0.0.1) on this
process's loop with a loop-lag probe, and a fuzzing OMS in another process (bench/fix_fuzz_client.py)
that sends every mutation class of bench/fix_mutations.py interleaved with good orders and changes.
Per class: the outcomes (session reject / business reject / order reject / accepted / dropped), the
longest the loop was blocked, good messages acknowledged / sent, and the journal rows left by rejected
messages (read from the journal afterwards; target 0). Risk-limit refusals are the engine's call and
journaled on purpose (its audit trail): they are counted apart. Bounded: at most 10,000 messages and
5 minutes in all; loopback only.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.common import emit, parser
from bench.fix_fuzz_client import OUTCOMES, run_client
from bench.fix_harness import engine_on_loopback, journal_records
from bench.fix_mutations import MUTATIONS

MAX_MESSAGES = 10_000
MAX_SECONDS = 300.0
TARGET_BLOCK_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0] if __doc__ else "fix fuzz")
    p.add_argument("--messages", type=int, default=6_000, help=f"messages over all runs (at most {MAX_MESSAGES:,})")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--classes", default=",".join(MUTATIONS), help="mutation classes, comma separated")
    args = p.parse_args(argv)
    kinds = [k for k in args.classes.split(",") if k]
    unknown = sorted(set(kinds) - set(MUTATIONS))
    if unknown:
        p.error(f"unknown class(es) {', '.join(unknown)}; known: {', '.join(MUTATIONS)}")
    repeats = max(1, args.repeats)
    messages = min(args.messages, MAX_MESSAGES)
    per_class = max(1, int(messages / repeats / len(kinds) / 1.5))  # 1 good message per 2 mutants
    started = time.monotonic()
    runs = []
    for run in range(repeats):
        left = MAX_SECONDS - (time.monotonic() - started)
        if left < 10:
            print(f"time bound reached after {run} run(s)", file=sys.stderr)
            break
        runs.append(asyncio.run(one_run(args.seed + run, per_class, kinds, deadline_s=min(left, MAX_SECONDS) - 5)))
    figures = summarize(runs, time.monotonic() - started)
    print(render(figures))
    emit(figures, args.json)
    return 0


async def one_run(seed: int, per_class: int, kinds: list[str], *, deadline_s: float) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fix-fuzz-") as workdir:
        try:
            async with engine_on_loopback(Path(workdir)) as running:
                probe = running.probe
                await asyncio.sleep(0.5)  # start-up (recovery, first market data) is not the gateway's
                result = await asyncio.get_running_loop().run_in_executor(
                    None, _client_in_process, running.port, running.market_open_ns, seed, per_class, kinds,
                    deadline_s)
                windows = result["windows"].values()
                # the loop while the client sends (its process starting and stopping is the bench's own cost)
                figures = {
                    "result": result,
                    "max_block_ms": probe.max_between(min(s for s, _ in windows), max(e for _, e in windows) + 0.05),
                    "class_block_ms": {kind: probe.max_between(start, end + 0.05)
                                       for kind, (start, end) in result["windows"].items()},
                }
                journal_path = running.journal_path
        except Exception as err:  # the engine failed to stop: a finding to report, once the run is measured
            if not figures:
                raise
            figures["stop_error"] = f"{type(err).__name__}: {err}"
            print(f"the engine failed to stop: {figures['stop_error']}", file=sys.stderr)
        records, _ = journal_records(journal_path)
    figures["journal"] = journal_rows(figures["result"], records)
    return figures


def _client_in_process(port: int, open_ns: int, seed: int, per_class: int, kinds: list[str],
                       deadline_s: float) -> dict[str, Any]:
    """Run the client in a fresh process (spawned: nothing of the engine's process is shared) and wait."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(run_client, (port, open_ns, seed, per_class, kinds, deadline_s))


def journal_rows(result: dict[str, Any], records: list[Any]) -> dict[str, Any]:
    """Journal rows left by rejected messages (by ClOrdID; cancel/replace commands by their ticket), and the
    rows of risk refusals (the engine's audit of a well-formed order it would not take)."""
    sent = result["sent"]
    outcome = {s["cl_ord_id"]: s["outcome"] for s in sent if s["msg_type"] == "D" and s["cl_ord_id"]}
    kind_of = {s["cl_ord_id"]: s["kind"] for s in sent if s["cl_ord_id"]}
    by_id: dict[str, list[str]] = defaultdict(list)
    changes: Counter[str] = Counter()
    for record in records:
        for attr in ("request_id", "client_order_id", "parent_id"):
            key = str(getattr(record, attr, ""))
            if key in outcome:
                by_id[key].append(type(record).__name__)
                break
        if type(record).__name__ in ("CancelTicket", "AmendTicket"):
            changes[record.ticket_id] += 1
    rejected: Counter[str] = Counter()
    risk = unanswered = 0
    for cl_ord_id, names in by_id.items():
        if outcome[cl_ord_id] == "accepted":
            continue
        if not outcome[cl_ord_id]:  # no answer within the client's wait: not known to be rejected
            unanswered += len(names)
        elif "RiskBlocked" in names:
            risk += len(names)
        else:
            rejected[kind_of[cl_ord_id]] += len(names)
    ticket_of = {s["cl_ord_id"]: s["order_id"] for s in sent if s["msg_type"] == "D" and s["order_id"]}
    accepted_changes: Counter[str] = Counter(ticket_of.get(s["target"], "") for s in sent
                                             if s["msg_type"] in ("F", "G") and s["outcome"] in ("accepted", ""))
    for ticket, count in changes.items():
        extra = count - accepted_changes.get(ticket, 0)
        if extra > 0:
            rejected["cancel_replace"] += extra
    return {"rows_from_rejected": dict(rejected), "rows_from_risk_refusals": risk, "rows_from_unanswered": unanswered}


def summarize(runs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    good_sent = good_acked = must_reject_accepted = unanswered = 0
    rejected_rows: Counter[str] = Counter()
    risk_rows = unanswered_rows = 0
    class_blocks: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for item in run["result"]["sent"]:
            kind = item["kind"] if not item["good"] else "good"
            outcomes[kind][item["outcome"] or "unanswered"] += 1
            good_sent += item["good"]
            good_acked += item["good"] and item["outcome"] == "accepted"
            must_reject_accepted += item["must_reject"] and item["outcome"] == "accepted"
            unanswered += not item["outcome"]
        rejected_rows.update(run["journal"]["rows_from_rejected"])
        risk_rows += run["journal"]["rows_from_risk_refusals"]
        unanswered_rows += run["journal"]["rows_from_unanswered"]
        for kind, ms in run["class_block_ms"].items():
            class_blocks[kind].append(ms)
    maxima = [run["max_block_ms"] for run in runs]
    stats = [run["result"]["stats"] for run in runs]
    return {
        "messages": sum(len(run["result"]["sent"]) for run in runs),
        "good_sent": good_sent,
        "good_acked": good_acked,
        "max_loop_block_ms": round(statistics.median(maxima), 2) if maxima else None,
        "max_loop_block_ms_worst": round(max(maxima), 2) if maxima else None,
        "journal_rows_from_rejected": sum(rejected_rows.values()),
        "journal_rows_from_rejected_by_class": dict(rejected_rows),
        "journal_rows_from_risk_refusals": risk_rows,
        "journal_rows_from_unanswered": unanswered_rows,
        "must_reject_accepted": must_reject_accepted,
        "must_reject_accepted_examples": [
            f"{item['kind']} 35={item['msg_type']}: {_readable(item['body'])}"
            for run in runs for item in run["result"]["sent"] if item["must_reject"] and item["outcome"] == "accepted"
        ][:10],
        "good_refused_examples": [f"35={item['msg_type']} {item['cl_ord_id']}: {item['outcome']} {item['text']}"
                                  for run in runs for item in run["result"]["sent"]
                                  if item["good"] and item["outcome"] != "accepted"][:10],
        "unanswered": unanswered,
        "outcomes": {kind: {o: counts.get(o, 0) for o in (*OUTCOMES, "unanswered")}
                     for kind, counts in sorted(outcomes.items())},
        "class_max_loop_block_ms": {kind: round(max(v), 2) for kind, v in sorted(class_blocks.items())},
        "runs": len(runs),
        "run_max_loop_block_ms": [round(m, 2) for m in maxima],
        "client": {"timeouts": sum(run["result"]["timeouts"] for run in runs),
                   "session_lost": [run["result"]["session_lost"] for run in runs if run["result"]["session_lost"]],
                   "disconnects": sum(s["disconnects"] for s in stats),
                   "resend_requests": sum(s["resend_requests"] for s in stats),
                   "logouts": [text for s in stats for text in s["logouts"]]},
        "stop_errors": [run["stop_error"] for run in runs if "stop_error" in run],
        "seconds": round(seconds, 1),
        "target": {"max_loop_block_ms_below": TARGET_BLOCK_MS, "good_acked_share": 1.0,
                   "journal_rows_from_rejected": 0},
    }


def _readable(body: bytes) -> str:
    return body.replace(b"\x01", b"|").decode("latin-1")[:200]


def render(figures: dict[str, Any]) -> str:
    lines = [f"{'class':<16}{'session':>9}{'business':>9}{'order':>8}{'accepted':>9}{'dropped':>8}"
             f"{'no answer':>10}{'max block ms':>14}"]
    for kind, counts in figures["outcomes"].items():
        block = figures["class_max_loop_block_ms"].get(kind)
        lines.append(f"{kind:<16}{counts['session_reject']:>9}{counts['business_reject']:>9}"
                     f"{counts['order_reject']:>8}{counts['accepted']:>9}{counts['dropped']:>8}"
                     f"{counts['unanswered']:>10}{'' if block is None else f'{block:.1f}':>14}")
    lines += [
        "",
        f"messages {figures['messages']:,} in {figures['runs']} run(s), {figures['seconds']} s",
        f"good acknowledged {figures['good_acked']:,} / {figures['good_sent']:,}",
        f"max loop block {figures['max_loop_block_ms']} ms (median of runs; worst {figures['max_loop_block_ms_worst']} "
        f"ms; target < {TARGET_BLOCK_MS:.0f})",
        f"journal rows from rejected messages {figures['journal_rows_from_rejected']} "
        f"{figures['journal_rows_from_rejected_by_class'] or ''} (target 0); from risk refusals "
        f"{figures['journal_rows_from_risk_refusals']} (journaled on purpose)",
        f"must-reject accepted {figures['must_reject_accepted']}, unanswered {figures['unanswered']}, "
        f"client {figures['client']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
