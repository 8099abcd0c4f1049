"""The venue FIX path end to end: ExecutionReports handled per second, and decision -> FIX bytes on the wire.

`python -m bench.fix_path [--json FILE] [--orders 1000] [--fills 9] [--repeats 3]`

Per repeat: a fresh journal, the real engine (`app.wiring.build_engine`, wall clock, asyncio loop) with LIT1
reached over FIX 4.4 (`[fix_venues]`, our initiator and `FixVenue`; the simulated market still supplies
the quotes) and a venue in a process of its own (bench/fix_path_venue.py: plain sockets, hand-made FIX).

1. **Decision -> wire.** `--orders` / 10 parents (distinct end times and accounts, so they neither aggregate
   nor look like duplicates), ten resting children each, sent through each parent's algo context one at a
   time, 2 ms apart (each its own decision, risk check, journal commit and NewOrderSingle). The decision's
   time is taken just before the algo asks; the venue stamps each order as its last byte arrives (both
   `time.monotonic_ns`, one system-wide clock), so the figure includes loopback delivery: slightly more
   than "on the socket".
2. **ExecutionReports per second.** Once every order is in, the venue writes a New and `--fills` fills
   per order as fast as the socket takes them, then a TestRequest; the engine's Heartbeat answering it
   comes after every report before it was parsed, validated, applied to the order state, journaled and
   the parent and its ticket updated (checked: the parent's filled quantity equals what the venue sent).
   Beside it, simplefix's parser alone on the same bytes in the same process and run, fed 64 KiB at a time
   as a socket read would (fed all at once it slows down with the buffer's length).

The process runs the collector as every `ems` command does (app/gc_policy.py, and a freeze after recovery
as `ems headless`). Risk throttles that would stop a thousand children a second (child and message rates, repeated
executions) are turned off for the run; every other control stays as configured by default.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.gc_policy import apply_gc_policy
from bench.common import emit, parser

REPO = Path(__file__).resolve().parent.parent
SPACING_S = 0.002
QUANTITY = 900  # per child; the fills split it evenly
CHILDREN_PER_PARENT = 10  # a parent works a few children at a time, as an algo does
READ_BYTES = 1 << 16  # simplefix is fed as a socket read gives it


def engine_config(folder: Path, port: int) -> str:
    return (f'[journal]\npath = "{folder / "journal.db"}"\n'
            '[market]\nspeed = 1.0\nopen = "09:30:00"\nlit_venues = ["LIT1"]\ndark_pool = false\n'
            f'[fix_venues]\nLIT1 = "127.0.0.1:{port}"\n'
            '[risk.child_rate]\nmode = "off"\n[risk.message_rate]\nmode = "off"\n'
            '[risk.repeated_execution]\nmode = "off"\n')


def start_venue(orders: int, fills: int, dump: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.fix_path_venue", "--orders", str(orders), "--fills",
                             str(fills), "--dump", str(dump)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline().split()
    if len(first) != 2 or first[0] != "port":
        proc.kill()
        raise RuntimeError(f"fix_path_venue did not start: {first}")
    return proc, int(first[1])


async def drive(folder: Path, port: int, orders: int, fills: int) -> tuple[dict[str, int], int, int]:
    """The engine's side: log on, send the children one by one; returns each child's decision time, the
    parent's filled quantity once the venue's answers were handled, and the quantity sent."""
    from app.config import load_config
    from app.wiring import build_engine, market_start_ns, open_journal
    from engine import events as ev
    from engine.clock import NS_PER_S, RealClock
    from engine.model import Side, Symbol, VenueId
    from engine.venue_views import sequence_numbers

    config_file = folder / "ems.toml"
    config_file.write_text(engine_config(folder, port))
    config = load_config(config_file)
    loop = asyncio.get_running_loop()
    journal = open_journal(config)
    clock = RealClock(loop, market_start_ns(config, journal), 1.0)
    engine = build_engine(config, clock, journal)
    logged_on: list[bool] = []
    engine.subscribe(lambda e: logged_on.append(e.connected) if isinstance(e, ev.VenueStatusChanged)
                     and e.venue == "LIT1" else None)
    engine.recover()
    gc.freeze()  # as `ems headless` does after recovery (app/headless.py, app/gc_policy.py)
    engine.start()
    try:
        for _ in range(500):  # the Logon, and the simulated book's first quotes
            await asyncio.sleep(0.01)
            if engine.market.quote(Symbol("AAPL")).bid is not None and logged_on and logged_on[-1]:
                break
        else:
            raise RuntimeError("LIT1 did not log on (or AAPL has no bid) within 5 s")
        parents = []
        for n in range(max(1, orders // CHILDREN_PER_PARENT)):  # distinct end times: they do not aggregate
            result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=CHILDREN_PER_PARENT * QUANTITY,
                                          account=f"ACC{n}", limit_price=None, algo="TWAP",
                                          start_ns=clock.now_ns() + 3600 * NS_PER_S,
                                          end_ns=clock.now_ns() + (7200 + n) * NS_PER_S)
            assert result.parent_id is not None, result.reason
            parents.append(result.parent_id)
        if len(set(parents)) != len(parents):
            raise RuntimeError("the bench's parents aggregated into one another")
        price = engine.market.quote(Symbol("AAPL")).bid
        assert price is not None
        decided: dict[str, int] = {}
        for k in range(len(parents) * CHILDREN_PER_PARENT):
            parent = parents[k % len(parents)]
            algo = engine.algo(parent)
            assert algo is not None
            started = time.monotonic_ns()
            child = algo.ctx.send_passive(parent, QUANTITY, Decimal(price))
            if child is None:
                raise RuntimeError(f"a child of {parent} was not sent")
            decided[child] = started
            await asyncio.sleep(SPACING_S)
        total = len(decided) * QUANTITY
        for _ in range(60_000):  # until the venue's reports are in (the venue process times the flood)
            filled = sum(engine.store.parent(p).cum_qty for p in parents)
            if filled >= total:
                break
            await asyncio.sleep(0.005)
        # and its TestRequest behind them answered: the venue's clock stops at our Heartbeat, and a session
        # closed with that request unread would reset the connection under the venue
        venue_messages = 1 + len(decided) * (1 + fills) + 1  # its Logon, the reports, the TestRequest
        for _ in range(6_000):
            numbers = sequence_numbers(engine.venues[VenueId("LIT1")])
            if numbers is not None and numbers[1] > venue_messages:
                break
            await asyncio.sleep(0.005)
        return decided, filled, total
    finally:
        engine.close()


def simplefix_rate(dump: Path) -> float:
    import simplefix

    data = dump.read_bytes()
    started = time.perf_counter()
    parsed = simplefix.FixParser()
    count = 0
    for at in range(0, len(data), READ_BYTES):
        parsed.append_buffer(data[at:at + READ_BYTES])
        while parsed.get_message() is not None:
            count += 1
    return count / (time.perf_counter() - started)


def measure(orders: int, fills: int) -> dict[str, Any]:
    apply_gc_policy()  # the collector as every `ems` process sets it
    with tempfile.TemporaryDirectory(prefix="fix-path-", dir="/tmp") as scratch:
        folder = Path(scratch)
        dump = folder / "reports.fix"
        venue, port = start_venue(orders, fills, dump)
        try:
            decided, filled, total = asyncio.run(drive(folder, port, orders, fills))
            out, _ = venue.communicate(timeout=120)
        finally:
            venue.kill()
        answer = json.loads(out.strip().splitlines()[-1])
        if "error" in answer:
            raise RuntimeError(f"fix_path_venue: {answer['error']}")
        if filled != total:
            raise RuntimeError(f"the parent filled {filled:,} of {total:,}: reports were lost")
        arrived = answer["arrived_ns"]
        wire_us = sorted((arrived[c] - t) / 1000 for c, t in decided.items() if c in arrived)
        return {
            "reports": answer["reports"],
            "er_per_s": answer["reports"] / answer["seconds"],
            "simplefix_parse_per_s": simplefix_rate(dump),
            "decision_to_wire_p50_us": statistics.median(wire_us),
            "decision_to_wire_p99_us": wire_us[min(len(wire_us) - 1, int(len(wire_us) * 0.99))],
            "decision_to_wire_max_us": wire_us[-1],
        }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--fills", type=int, default=9)
    args = p.parse_args()
    runs = [measure(args.orders, args.fills) for _ in range(max(1, args.repeats))]
    keys = ("er_per_s", "simplefix_parse_per_s", "decision_to_wire_p50_us", "decision_to_wire_p99_us",
            "decision_to_wire_max_us")
    figures: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in keys}
    figures |= {"orders": args.orders, "fills_per_order": args.fills, "reports": runs[0]["reports"], "runs": runs}
    print(f"{figures['reports']:,} ExecutionReports per run, median of {len(runs)}:")
    print(f"  end to end (parse, state, journal, parent): {figures['er_per_s']:>10,.0f} ER/s")
    print(f"  simplefix parse alone, same bytes:           {figures['simplefix_parse_per_s']:>10,.0f} msg/s")
    print(f"  decision -> wire: p50 {figures['decision_to_wire_p50_us']:,.0f} us, "
          f"p99 {figures['decision_to_wire_p99_us']:,.0f} us, max {figures['decision_to_wire_max_us']:,.0f} us")
    emit(figures, args.json)


if __name__ == "__main__":
    main()
