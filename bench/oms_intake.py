"""OMS intake end to end: NewOrderSingles over FIX into `ems headless`, acknowledged, journaled, worked.

`python -m bench.oms_intake [--json FILE] [--orders 10000,100000] [--sessions 1,2,4] [--repeats 3]`

Per (orders, sessions): a fresh journal, the real `ems headless` (simulated market, FIX acceptor on a free
loopback port), and one OMS client process per session (bench/intake_client.py: plain sockets, every order
encoded before the clock starts, written in chunks of 64 as fast as the socket takes them). The orders are
split evenly across the sessions and sent at once. Measured: orders acknowledged (New, ExecType 0) per
second from the first byte sent to the last New, over all sessions; send-to-New latency p50 / p99 / max;
journal rows written (the probe's too); median of `--repeats`. Beside the burst, a probe session (its own
process) sends one order every `--probe-ms` (20) from before the burst until the burst's clients are done: how
long a lone order of another session waits behind the burst (p50 / p99 / max). Then a 10,000-row basket
through the engine API (`Engine.submit_basket`) in this process, the collector set as every `ems` process sets it
(app/gc_policy.py; CPython's default walks the whole growing heap every few thousand rows): rows per second.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import emit, parser

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30.0


PROBE = "PROBE"
PROBE_LIMIT = 1_500  # orders a probe sends at most (no two alike)


def engine_config(journal: Path, port: int, sessions: int) -> str:
    fix_sessions = "".join(f'[[fix.sessions]]\nsender_comp_id = "EMS"\ntarget_comp_id = "{name}"\n'
                           for name in [*(f"OMS{n}" for n in range(1, sessions + 1)), PROBE])
    return (f'[journal]\npath = "{journal}"\n[market]\nspeed = 1.0\nopen = "09:30:00"\n'
            f'[fix]\nenabled = true\nport = {port}\n{fix_sessions}')


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_engine(folder: Path, sessions: int) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    config = folder / "ems.toml"
    config.write_text(engine_config(folder / "journal.db", port, sessions))
    log = folder / "engine.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "app.main", "headless", "--config", str(config)], cwd=REPO,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + START_TIMEOUT_S
    while b"FIX acceptor listening" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"ems headless did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    return proc, port, log


def stop_engine(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def journal_rows(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])


def start_probe(port: int, every_ms: float) -> subprocess.Popen[bytes]:
    """The probe session, logged on before it returns (it sends until its stdin closes)."""
    probe = subprocess.Popen(
        [sys.executable, "-m", "bench.intake_client", "--port", str(port), "--comp-id", PROBE, "--orders",
         str(PROBE_LIMIT), "--every-ms", str(every_ms)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    time.sleep(0.5 + 3 * every_ms / 1000)  # logged on and a few orders in before the burst
    return probe


def probe_result(probe: subprocess.Popen[bytes]) -> dict[str, Any]:
    out, err = probe.communicate(timeout=300)  # closes its stdin: it stops sending and reports
    if probe.returncode != 0:
        raise RuntimeError(f"probe client failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    if "error" in result or result["rejected"]:
        raise RuntimeError(f"probe client: {result}")
    return result


def intake_once(orders: int, sessions: int, seed: int, probe_ms: float) -> dict[str, Any]:
    """One engine, `sessions` client processes sending `orders` in all and a probe; the merged figures."""
    with tempfile.TemporaryDirectory(prefix="oms-intake-", dir="/tmp") as scratch:
        folder = Path(scratch)
        proc, port, log = start_engine(folder, sessions)
        probe = start_probe(port, probe_ms)
        try:
            share = [orders // sessions + (1 if n < orders % sessions else 0) for n in range(sessions)]
            clients = [subprocess.Popen(
                [sys.executable, "-m", "bench.intake_client", "--port", str(port), "--comp-id", f"OMS{n + 1}",
                 "--orders", str(count), "--seed", str(seed + n)], cwd=REPO, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE) for n, count in enumerate(share)]
            results = []
            for client in clients:
                out, err = client.communicate(timeout=900)
                if client.returncode != 0:
                    raise RuntimeError(f"intake client failed: {err.decode()[-2000:]}")
                results.append(json.loads(out))
            probed = probe_result(probe)
        finally:
            if probe.poll() is None:
                probe.kill()
            code = stop_engine(proc)
        if any("error" in r for r in results):
            raise RuntimeError(f"intake client: {results}")
        rows = journal_rows(folder / "journal.db")
        errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line]
    acked = sum(r["acked"] for r in results)
    seconds = (max(r["last_ack_ns"] for r in results) - min(r["started_ns"] for r in results)) / 1e9
    return {
        "orders": orders, "sessions": sessions, "acked": acked, "rejected": sum(r["rejected"] for r in results),
        "first_rejects": [x for r in results for x in r["first_rejects"]][:3],
        "seconds": round(seconds, 3), "acked_per_s": round(acked / seconds) if seconds > 0 else None,
        "ack_ms_p50": round(statistics.median(r["ack_ms_p50"] for r in results), 2),
        "ack_ms_p99": round(max(r["ack_ms_p99"] for r in results), 2),
        "ack_ms_max": round(max(r["ack_ms_max"] for r in results), 2),
        "journal_rows": rows, "engine_exit": code, "engine_errors": len(errors),
        "probe_orders": probed["orders"], "probe_ack_ms_p50": round(probed["ack_ms_p50"], 2),
        "probe_ack_ms_p99": round(probed["ack_ms_p99"], 2), "probe_ack_ms_max": round(probed["ack_ms_max"], 2),
    }


def intake(orders: int, sessions: int, repeats: int, seed: int, probe_ms: float) -> dict[str, Any]:
    runs = [intake_once(orders, sessions, seed + 100 * n, probe_ms) for n in range(repeats)]
    median = sorted(runs, key=lambda r: r["acked_per_s"] or 0)[len(runs) // 2]
    return {**median, "runs_acked_per_s": [r["acked_per_s"] for r in runs]}


def basket_rows_per_s(rows: int, repeats: int) -> tuple[float, list[float]]:
    """`Engine.submit_basket` of `rows` ticket requests on a fresh engine and journal, median rows/s; the
    collector set as every `ems` process sets it (app/gc_policy.py)."""
    from app.gc_policy import apply_gc_policy
    from bench.basket_intake import submit_basket_once
    apply_gc_policy()
    runs = [submit_basket_once(rows, seed=n) for n in range(repeats)]
    return statistics.median(runs), runs


def render(results: list[dict[str, Any]], basket: float) -> str:
    head = f"{'orders':>8} {'sessions':>8} {'acked/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'acked':>8} " \
           f"{'rejected':>8} {'journal rows':>12}   probe p50 / p99 / max ms"
    lines = [head]
    for r in results:
        lines.append(f"{r['orders']:>8,} {r['sessions']:>8} {r['acked_per_s'] or 0:>9,} {r['ack_ms_p50']:>8} "
                     f"{r['ack_ms_p99']:>8} {r['ack_ms_max']:>8} {r['acked']:>8,} {r['rejected']:>8,} "
                     f"{r['journal_rows']:>12,}   {r['probe_ack_ms_p50']} / {r['probe_ack_ms_p99']} / "
                     f"{r['probe_ack_ms_max']}")
    lines.append(f"basket through Engine.submit_basket: {basket:,.0f} rows/s")
    return "\n".join(lines)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--orders", default="10000,100000", help="comma-separated order counts")
    p.add_argument("--sessions", default="1,2,4", help="comma-separated session counts")
    p.add_argument("--basket-rows", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--probe-ms", type=float, default=20.0, help="the probe session sends one order this often")
    args = p.parse_args()
    results = []
    for orders in map(int, args.orders.split(",")):
        for sessions in map(int, args.sessions.split(",")):
            results.append(intake(orders, sessions, args.repeats, args.seed, args.probe_ms))
            print(f"{orders:,} orders over {sessions} session(s): {results[-1]['acked_per_s']:,} acked/s",
                  file=sys.stderr)
    basket, basket_runs = basket_rows_per_s(args.basket_rows, args.repeats)
    print(render(results, basket))
    one = [r for r in results if r["sessions"] == 1]
    headline = max(one, key=lambda r: r["orders"]) if one else results[0]
    emit({
        "orders": headline["orders"], "sessions": headline["sessions"], "acked_per_s": headline["acked_per_s"],
        "ack_ms_p50": headline["ack_ms_p50"], "ack_ms_p99": headline["ack_ms_p99"],
        "probe_ack_ms_p50": headline["probe_ack_ms_p50"], "probe_ack_ms_p99": headline["probe_ack_ms_p99"],
        "probe_ack_ms_max": headline["probe_ack_ms_max"],
        "basket_rows_per_s": round(basket), "basket_runs_rows_per_s": [round(x) for x in basket_runs],
        "runs": results, "pid": os.getpid(),
    }, args.json)


if __name__ == "__main__":
    main()
