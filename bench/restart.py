"""Restart cost: full journal replay against checkpoint + tail, at 10k, 100k and 1M journal records.

`python -m bench.restart [--json FILE] [--repeats N]`

Journals: `write_session` runs the real engine on the simulated market in virtual time (tickets on both
sides of four symbols, so they join blocks, cross internally and fill at venues; ticket cancels and
amends), stops taking tickets at about `--session-records` records and runs until every parent is done.
`write_day` lays copies of that session end to end in one journal, each copy's ids (P, C, T, X, venue
order and execution ids, arrival numbers) and times shifted past the one before, cut at a point where
the engine was between turns: a day of a million records at the speed of SQLite inserts, every record
one the engine wrote (the engine itself would take an hour: the ticket flow's cross scans every parent
per ticket). The real replay code replays them.

Measured per size, median of `--repeats`, each recovery a restart: a fresh process (`--restart`) times
the recovery call alone (not its interpreter start and imports) and reports a fingerprint of every view
of the state, which must equal the full replay's. Full replay (`replay_into`); recovery with the default
`CheckpointPolicy` (`recover_with_checkpoint`: restore the last checkpoint the policy would have taken,
replay the tail); the same from the policy's checkpoint before that (tail longer than a full policy
interval: a bound on the worst case); the cost of taking one checkpoint (snapshot + write, on the
engine's loop as things stand) and of `os.fork()` (what a background checkpoint would cost the loop).
Temp files live under /tmp and are deleted.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from app.config import load_config, session_epoch_ns
from app.gc_policy import apply_gc_policy
from app.wiring import build_engine
from bench.common import emit, parser
from engine import checkpoint as ck
from engine.clock import NS_PER_S, VirtualClock
from engine.desk import TicketDesk
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Side
from engine.recovery import apply_records, replay_into
from engine.store import OrderStore
from engine.tickets import IMPLEMENTATION
from engine.venues.sim.market import default_instruments

DAY = dt.date(2026, 1, 5)
STEP_NS = NS_PER_S // 4
"""Virtual time between two points where the script acts (and where the engine is between turns)."""
_TWAP = {"slice_seconds": "15", "cross_interval_seconds": "1"}
_QUANTITIES = (100, 200, 300, 500, 1000)


@dataclass(frozen=True, slots=True)
class Session:
    records: int
    boundaries: tuple[int, ...]
    """Record counts at which the engine was between turns (ascending, the last one is `records`)."""


def write_session(
    path: Path, records: int, seed: int, between_turns: Callable[[Engine], None] | None = None
) -> Session:
    """A real engine session on the simulated market until about `records` records, drained to idle.
    `between_turns` is called at every step (the engine is then between turns)."""
    config = dataclasses.replace(load_config(journal_override=str(path)), checkpoint_on_close=False,
                                 checkpoint_every_records=0)
    clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
    journal = Journal(config.journal_path, synchronous=config.synchronous)
    engine = build_engine(config, clock, journal)
    engine.recover()
    engine.start()
    clock.advance(5 * NS_PER_S)
    rng = random.Random(seed)
    symbols = sorted(engine.instruments)
    tickets: list[str] = []
    boundaries = [journal.appended]
    while journal.appended < records:
        now = clock.now_ns()
        minute = now - now % (60 * NS_PER_S)
        if rng.random() < 0.75:
            symbol, side = rng.choice(symbols), rng.choice((Side.BUY, Side.SELL))
            # windows end on whole minutes, so tickets with the same mandate join one block
            result = engine.submit_ticket(
                symbol=symbol, side=side, quantity=rng.choice(_QUANTITIES), limit_price=None, algo="TWAP",
                end_ns=minute + rng.choice((2, 3, 5)) * 60 * NS_PER_S, params=_TWAP,
                account=rng.choice(("ACC1", "ACC2", "ACC3")))
            if result.ticket_id is not None:
                tickets.append(result.ticket_id)
        if tickets and rng.random() < 0.05:
            engine.cancel_ticket(rng.choice(tickets[-40:]))  # type: ignore[arg-type]
        if tickets and rng.random() < 0.03:
            ticket_id = rng.choice(tickets[-40:])
            row = engine.ticket(ticket_id)  # type: ignore[arg-type]
            if row is not None:
                engine.amend_ticket(row.ticket_id, row.quantity + 100)
        clock.advance(STEP_NS)
        boundaries.append(journal.appended)
        if between_turns is not None:
            between_turns(engine)
    while engine.store.live_parent_ids():
        clock.advance(STEP_NS)
        boundaries.append(journal.appended)
        if between_turns is not None:
            between_turns(engine)
    engine.close()  # may journal a last record (the risk checks' running tally): counted, not a boundary
    return Session(journal.appended, tuple(sorted(set(boundaries))))


_PARENT = re.compile(r"\bP(\d{6,})\b")
_CHILD = re.compile(r"\bC(\d{7,})\b")
_TICKET = re.compile(r"\bT(\d{6,})\b")
_CROSS = re.compile(r'"X(\d+)"')
_VENUE_TAG = re.compile(r"\b([A-Z][A-Z0-9]*)-([a-z0-9]{6,})-")
_ARRIVAL = re.compile(r'"arrival_seq":(\d+)')
_EPOCH_NS = re.compile(r"\b(1[6-9]\d{17})\b")


def write_day(session_path: Path, session: Session, day_path: Path, records: int) -> Session:
    """A journal of about `records` records: copies of the session end to end, the last one cut at a
    point where the engine was between turns. Returns the day's records and such points."""
    src = sqlite3.connect(session_path)
    rows = src.execute("SELECT ts_ns, kind, type, payload FROM journal ORDER BY seq").fetchall()
    src.close()
    highest = {name: max((int(n) for _, _, _, p in rows for n in pattern.findall(p)), default=0)
               for name, pattern in (("P", _PARENT), ("C", _CHILD), ("T", _TICKET), ("X", _CROSS),
                                     ("A", _ARRIVAL))}
    first_ts, last_ts = rows[0][0], max(r[0] for r in rows)
    span = last_ts - first_ts + NS_PER_S
    journal = Journal(day_path)  # the journal's own schema
    journal.close()
    conn = sqlite3.connect(day_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    boundaries: list[int] = [0]
    written, copy = 0, 0
    while written < records:
        take = max(b for b in session.boundaries if written + b <= records or b == session.boundaries[1])
        out = [_shifted(copy, highest, span, *row) for row in rows[:take]]
        conn.executemany("INSERT INTO journal (ts_ns, kind, type, payload) VALUES (?, ?, ?, ?)", out)
        conn.commit()
        boundaries.extend(written + b for b in session.boundaries if 0 < b <= take)
        written += take
        copy += 1
        if take < session.boundaries[-1]:  # a cut copy (a whole one ends at the last boundary: the record the
            break  # close may journal after it is not copied)
    conn.close()
    return Session(written, tuple(sorted(set(boundaries))))


def _shifted(copy: int, highest: dict[str, int], span: int, ts_ns: int, kind: str, type_name: str,
             payload: str) -> tuple[int, str, str, str]:
    if not copy:
        return ts_ns, kind, type_name, payload
    p, c, t, x, a = (highest[k] * copy for k in "PCTXA")
    payload = _PARENT.sub(lambda m: f"P{int(m.group(1)) + p:06d}", payload)
    payload = _CHILD.sub(lambda m: f"C{int(m.group(1)) + c:07d}", payload)
    payload = _TICKET.sub(lambda m: f"T{int(m.group(1)) + t:06d}", payload)
    payload = _CROSS.sub(lambda m: f'"X{int(m.group(1)) + x}"', payload)
    payload = _VENUE_TAG.sub(lambda m: f"{m.group(1)}-{m.group(2)}c{copy}-", payload)
    payload = _ARRIVAL.sub(lambda m: f'"arrival_seq":{int(m.group(1)) + a}', payload)
    payload = _EPOCH_NS.sub(lambda m: str(int(m.group(1)) + span * copy), payload)
    return ts_ns + span * copy, kind, type_name, payload


# --- the benchmark -----------------------------------------------------------------------------------------

SIZES = (("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000))


def fresh_state() -> tuple[OrderStore, TicketDesk]:
    """An empty store and desk as `app.wiring.build_engine` configures them."""
    config = load_config()
    return OrderStore(), TicketDesk(default_instruments(), config.aggregation, config.crossing)


def policy_points(path: Path, boundaries: tuple[int, ...], policy: ck.CheckpointPolicy) -> list[int]:
    """The seqs at which `policy`, asked at every point where the engine was between turns, checkpoints."""
    conn = sqlite3.connect(path)
    ts_of = dict(conn.execute("SELECT seq, ts_ns FROM journal"))
    conn.close()
    points, last_seq, last_ns = [], 0, ts_of.get(1, 0)
    for seq in boundaries:
        if seq and policy.due(seq - last_seq, ts_of[seq] - last_ns):
            points.append(seq)
            last_seq, last_ns = seq, ts_of[seq]
    return points


def median_s(repeats: int, run: Callable[[], float]) -> tuple[float, list[float]]:
    runs = [run() for _ in range(max(1, repeats))]
    return statistics.median(runs), runs


def restart(path: Path, mode: str) -> dict[str, Any]:
    """One recovery as a restart does it: a fresh process (`--restart`) builds an empty store and desk
    and recovers them from the journal, by full replay or from the newest checkpoint. Returns its
    seconds (the recovery call alone), tail and a fingerprint of the state."""
    out = subprocess.run([sys.executable, "-m", "bench.restart", "--restart", mode, str(path)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _restart_here(mode: str, path: Path) -> None:
    apply_gc_policy()
    store, desk = fresh_state()
    started = time.perf_counter()
    if mode == "replay":
        journal = Journal(path)
        report = replay_into(store, journal, desk)
        journal.close()
        tail, seq = report.records, None
    else:
        outcome = ck.recover_with_checkpoint(path, store, desk)
        tail, seq = outcome.tail_records, outcome.checkpoint_seq
    seconds = time.perf_counter() - started
    state = fingerprint(store, desk)
    print(json.dumps({"seconds": seconds, "tail": tail, "checkpoint_seq": seq, "fingerprint": state}))


def fingerprint(store: OrderStore, desk: TicketDesk) -> str:
    views = [store.parents(), store.children(), store.fills(), desk.rows(), store.live_child_ids()]
    return hashlib.sha256(repr(views).encode()).hexdigest()


def take_checkpoints(path: Path, seqs: list[int], repeats: int) -> dict[int, tuple[float, int]]:
    """Replay up to each seq (ascending) and checkpoint there, the last one `repeats` times. Returns
    seq -> (median write seconds, blob bytes), and -1 -> (median fork seconds, 0)."""
    store, desk = fresh_state()
    journal = Journal(path)
    conn = sqlite3.connect(path, isolation_level=None)
    counters, done, out = ck.Counters(), 0, {}
    for seq in seqs:
        counters, _ = apply_records(store, desk, islice(journal.replay(done), seq - done), counters)
        done = seq
        runs = []
        for _ in range(repeats if seq == seqs[-1] else 1):
            started = time.perf_counter()
            size = ck.write_checkpoint(conn, seq, store, desk, counters, at_head=False, keep=1_000)
            runs.append(time.perf_counter() - started)
        out[seq] = (statistics.median(runs), size)
    conn.close()
    journal.close()
    forks = [fork_s() for _ in range(max(1, repeats))]
    out[-1] = (statistics.median(forks), 0)
    return out


def fork_s() -> float:
    """What `os.fork()` costs the parent with the state in memory (a background checkpoint's loop cost)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    elapsed = time.perf_counter() - started
    os.waitpid(pid, 0)
    return elapsed


def keep_only(path: Path, seq: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM checkpoints WHERE seq <> ?", (seq,))
    conn.commit()
    conn.close()


def measure_size(label: str, day: Path, points: list[int], records: int, repeats: int) -> dict[str, Any]:
    """Full replay vs checkpoint + tail for one journal, each recovery a restart (a fresh process);
    `points` are the policy's checkpoints."""
    replays = [restart(day, "replay") for _ in range(max(1, repeats))]
    expect = replays[0]["fingerprint"]
    last = points[-1] if points else 0
    earlier = points[-2] if len(points) > 1 else 0
    figures: dict[str, Any] = {
        "records": records, "replay_only_s": statistics.median(r["seconds"] for r in replays),
        "replay_only_runs_s": [r["seconds"] for r in replays],
        "checkpoint_seq": last, "tail_records": records - last,
        "worst_checkpoint_seq": earlier, "worst_tail_records": records - earlier,
    }
    if not last:
        print(f"{label}: the policy takes no checkpoint in {records} records", file=sys.stderr)
        return figures
    written = take_checkpoints(day, [s for s in (earlier, last) if s], repeats)
    figures["checkpoint_write_s"], figures["checkpoint_bytes"] = written[last]
    figures["fork_s"] = written[-1][0]
    for key, seq in (("recover", last), ("recover_worst", earlier)):
        if not seq:
            continue
        if key == "recover_worst":
            keep_only(day, seq)
        runs = [restart(day, "checkpoint") for _ in range(max(1, repeats))]
        for run in runs:
            if run["checkpoint_seq"] != seq or run["fingerprint"] != expect:
                raise RuntimeError(f"{label}: checkpoint at {seq} not used or state differs from the full replay")
        figures[f"{key}_s"] = statistics.median(r["seconds"] for r in runs)
        figures[f"{key}_runs_s"] = [r["seconds"] for r in runs]
    return figures


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--session-records", type=int, default=40_000, help="records of the real engine session")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-records", type=int, default=1_000_000, help="skip sizes above this")
    p.add_argument("--restart", nargs=2, metavar=("MODE", "JOURNAL"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.restart:
        _restart_here(args.restart[0], Path(args.restart[1]))
        return
    apply_gc_policy()
    policy = ck.CheckpointPolicy()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ems-restart-", dir="/tmp") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        session = write_session(folder / "session.db", args.session_records, args.seed)
        print(f"session: {session.records:,} records in {time.perf_counter() - started:.0f} s "
              f"({IMPLEMENTATION.describe()})", file=sys.stderr)
        for label, size in SIZES:
            if size > args.max_records:
                continue
            day_path = folder / f"day-{label}.db"
            day = write_day(folder / "session.db", session, day_path, size)
            points = policy_points(day_path, day.boundaries, policy)
            results[label] = measure_size(label, day_path, points, day.records, args.repeats)
            print(f"{label}: done", file=sys.stderr)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{day_path}{suffix}").unlink(missing_ok=True)
    figures = flatten(results, policy)
    print(render(results))
    emit(figures, args.json)


def flatten(results: dict[str, Any], policy: ck.CheckpointPolicy) -> dict[str, Any]:
    figures: dict[str, Any] = {"implementation": IMPLEMENTATION.describe(),
                               "policy": {"every_records": policy.every_records, "every_ns": policy.every_ns}}
    for label, _ in SIZES:
        row = results.get(label, {})
        figures[f"recover_s_replay_only_at_{label}"] = row.get("replay_only_s")
        figures[f"recover_s_at_{label}_records"] = row.get("recover_s")
        figures[f"recover_s_worst_tail_at_{label}_records"] = row.get("recover_worst_s")
        figures[f"checkpoint_write_s_at_{label}"] = row.get("checkpoint_write_s")
        figures[f"checkpoint_bytes_at_{label}"] = row.get("checkpoint_bytes")
        figures[f"fork_s_at_{label}"] = row.get("fork_s")
    figures["details"] = results
    return figures


def render(results: dict[str, Any]) -> str:
    head = ("size", "records", "replay only s", "ckpt+tail s", "tail", "worst-tail s", "worst tail", "write ckpt s",
            "ckpt MB", "fork ms")
    lines = ["  ".join(f"{h:>13}" for h in head)]
    for label, row in results.items():
        cells = (label, f"{row['records']:,}", _s(row.get("replay_only_s")), _s(row.get("recover_s")),
                 f"{row['tail_records']:,}", _s(row.get("recover_worst_s")), f"{row['worst_tail_records']:,}",
                 _s(row.get("checkpoint_write_s")), _s((row.get("checkpoint_bytes") or 0) / 1e6),
                 _s((row.get("fork_s") or 0) * 1e3))
        lines.append("  ".join(f"{c:>13}" for c in cells))
    return "\n".join(lines)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
