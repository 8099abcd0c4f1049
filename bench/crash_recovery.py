"""Crash recovery: `ems headless` is killed (-9) N times under live OMS flow over FIX and must never lose,
duplicate or over-trade anything.

`python -m bench.crash_recovery --kills N [--json FILE] [--seed S]` runs the real `ems headless` on a temp
journal with the FIX acceptor on a free loopback port; two OMS sessions (bench/oms_client.py, in this
process) send TWAP orders, cancels and replaces. Each engine lifetime ends in a kill -9 at a seeded random
point: while starting (before the acceptor listens), right after the Logon, while trading, or just after a
burst of orders (while the engine works through them). The engine
is restarted on the same files and the OMS logs on again without resetting sequence numbers. After each
settled restart and at the end (cancel everything, SIGTERM, one clean restart, SIGTERM) the OMS's view is
checked against the journal (bench/crash_state.py). Exit status 1 when any loss, duplicate or mismatch.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from bench.common import emit
from bench.crash_checks import (
    EXAMPLES,
    FAILURE_KEYS,
    Findings,
    final_checks,
    midflight_checks,
    order_source,
)
from bench.crash_report import engine_errors, failed, recovery_sizes, report
from bench.crash_state import CrashState, read_state
from bench.oms_client import MarketClock, OmsClient
from engine.venues.sim.market import DEFAULT_START_PRICES

REPO = Path(__file__).resolve().parent.parent
SESSIONS = ("OMS1", "OMS2")
SPEED = 30.0
OPEN_S = 9 * 3600 + 30 * 60
CHECKPOINT_EVERY = 1000
MODES = ("startup", "after_logon", "trading", "mid_burst")
MODE_WEIGHTS = (1, 1, 2, 1)
LOGON_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 10.0


class EngineProcess:
    """`ems headless` as a subprocess on one config; its stderr is appended to `log`."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._log_offset = 0

    def spawn(self) -> None:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "app.main", "headless", "--config", str(self.config)],
                                         cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        self.started = time.monotonic()

    def listening(self) -> bool:
        with self.log.open("rb") as log:
            log.seek(self._log_offset)
            return b"FIX acceptor listening" in log.read()

    def kill(self) -> bool:
        """kill -9; True when the process was still running (it had not died by itself)."""
        assert self.proc is not None
        alive = self.proc.poll() is None
        if alive:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        return alive

    async def terminate(self, timeout_s: float) -> int | None:
        """SIGTERM and wait; the exit status, or None when it had to be killed after `timeout_s`."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()
            return None
        return self.proc.returncode


class Trader:
    """The OMS flow: new TWAP orders near the market, cancels and replaces of open orders, at a bounded rate."""

    def __init__(self, rng: Random, clients: list[OmsClient], clock: MarketClock) -> None:
        self.rng = rng
        self.clients = clients
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.enabled = True

    async def run(self, tick_s: float = 0.05) -> None:
        while True:
            await asyncio.sleep(tick_s)
            if self.enabled:
                for client in self.clients:
                    if client.logged_on.is_set():
                        self.tick(client)

    def tick(self, client: OmsClient) -> None:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.01:  # a burst: many orders in flight at once
            for _ in range(rng.randint(5, 15)):
                self.new_order(client)
            return
        if roll < 0.3:
            self.new_order(client)
            return
        open_orders = [o for o in client.orders.values() if o.got_new and not o.done and not o.pending_change]
        if not open_orders or roll > 0.45:
            return
        order = rng.choice(open_orders)
        if roll < 0.37:
            self.counts["cancels"] += 1
            client.cancel(order, self.next_id(client, "C"))
        else:
            self.counts["replaces"] += 1
            client.replace(order, self.next_id(client, "R"), max(100, order.order_qty + rng.choice((-300, 200, 500))))

    def new_order(self, client: OmsClient) -> None:
        rng = self.rng
        symbol = rng.choice(sorted(self.clock.last_px))
        side = rng.choice("12")
        price: Decimal | None = None
        if rng.random() < 0.6:  # a limit 1% through the last price: marketable, inside the risk band
            last = self.clock.last_px[symbol]
            price = (last * (Decimal("1.01") if side == "1" else Decimal("0.99"))).quantize(Decimal("0.01"))
        # ends on a 10 s grid of market time so that some tickets share a parent
        end_ns = (self.clock.now_ns() // 10**10 + rng.randint(3, 9)) * 10**10
        self.counts["orders"] += 1
        client.new_order(self.next_id(client, "D"), symbol, side, rng.randrange(100, 2001, 100), price, end_ns)

    def next_id(self, client: OmsClient, kind: str) -> str:
        self.counts["ids"] += 1
        return f"{client.comp_id}-{kind}{self.counts['ids']:06d}"


@dataclass(slots=True)
class Run:
    """Everything one run measures besides the findings."""

    kills: Counter[str] = field(default_factory=Counter)
    restarts_ok: int = 0
    restart_failures: list[str] = field(default_factory=list)
    restart_s: list[float] = field(default_factory=list)
    startup_kills_before_listen: int = 0
    clean_exit_codes: list[int | None] = field(default_factory=list)
    clean_restart_ok: bool = False
    checkpoints: int = 0


class CrashRecovery:
    """One run: the engine's lifetimes, the OMS sessions and flow, and what the checks found."""

    def __init__(self, kills: int, seed: int, workdir: Path, speed: float = SPEED) -> None:
        self.kills = kills
        self.rng = Random(seed)
        self.workdir = workdir
        self.journal = workdir / "journal.db"
        self.port = free_port()
        config = workdir / "ems.toml"
        config.write_text(engine_config(self.journal, self.port, speed))
        self.engine = EngineProcess(config, workdir / "ems.log")
        self.clock = MarketClock(market_open_ns(), speed, {str(s): p for s, p in DEFAULT_START_PRICES.items()})
        self.clients = [OmsClient(comp_id, self.clock) for comp_id in SESSIONS]
        self.trader = Trader(Random(seed + 1), self.clients, self.clock)
        self.findings = Findings()
        self.run = Run()
        self.state = CrashState()

    async def execute(self) -> None:
        background = [asyncio.create_task(self.trader.run())]
        background += [asyncio.create_task(c.heartbeat()) for c in self.clients]
        try:
            for lifetime in range(self.kills):
                await self._lifetime(lifetime)
            await self._final()
        finally:
            for task in background:
                task.cancel()
            for client in self.clients:
                await client.drop()
            if self.engine.proc is not None and self.engine.proc.poll() is None:
                self.engine.kill()

    async def _lifetime(self, number: int) -> None:
        """Start the engine and kill -9 it at a seeded point. Lifetime `number` > 0 is the restart after kill
        `number`: it is ok when every session logs on again (or, killed while starting, when it was still
        running then)."""
        mode = self.rng.choices(MODES, MODE_WEIGHTS)[0]
        self.run.kills[mode] += 1
        self.engine.spawn()
        if mode == "startup":
            expected = statistics.median(self.run.restart_s) if self.run.restart_s else 0.5
            await asyncio.sleep(self.rng.uniform(0.05, 0.9) * expected)
            self.run.startup_kills_before_listen += not self.engine.listening()
            alive = self.engine.kill()
            self._restarted(number, alive, "died while starting")
            return
        logged_on = await self._logon_all(timed=number > 0)
        self._restarted(number, logged_on, "no Logon answer")
        if logged_on and mode == "after_logon":
            await asyncio.sleep(self.rng.uniform(0.0, 0.08))
        elif logged_on:
            await self._checkpoint(f"restart {number}" if number else "first start")
            await asyncio.sleep(self.rng.uniform(0.3, 2.5))
            if mode == "mid_burst":  # kill while the engine is busy with many orders at once
                for client in self.clients:
                    for _ in range(self.rng.randint(5, 20)):
                        self.trader.new_order(client)
                await asyncio.sleep(self.rng.uniform(0.0, 0.03))
        self.engine.kill()
        for client in self.clients:
            await client.drop()

    def _restarted(self, number: int, ok: bool, why: str) -> None:
        if number == 0:
            return
        self.run.restarts_ok += ok
        if not ok:
            self.run.restart_failures.append(f"restart {number}: {why}")

    async def _logon_all(self, *, timed: bool = True) -> bool:
        """Every OMS session logged on; with `timed`, the time from the process start to the last Logon
        answer is a restart time."""
        results = await asyncio.gather(*(c.logon("127.0.0.1", self.port, LOGON_TIMEOUT_S) for c in self.clients))
        if all(results) and timed:
            self.run.restart_s.append(time.monotonic() - self.engine.started)
        return all(results)

    async def _settle(self) -> bool:
        settled = await asyncio.gather(*(c.wait_settled(SETTLE_TIMEOUT_S) for c in self.clients))
        await asyncio.sleep(0.2)  # resent reports still on the wire
        return all(settled)

    async def _checkpoint(self, when: str) -> None:
        """Mid-flight checks once logged on and settled (the OMS's acknowledgements are read first)."""
        await self._settle()
        got_new = {order_source(c): {o.cl_ord_id for o in c.orders.values() if o.got_new} for c in self.clients}
        state = await asyncio.to_thread(read_state, self.journal)
        self.run.checkpoints += 1
        for key, found in midflight_checks(state, got_new).items():
            self.findings.add(key, found, when)

    async def _final(self) -> None:
        """Trade a little, cancel everything, SIGTERM; one clean restart to collect what is owed; SIGTERM."""
        self.engine.spawn()
        logged_on = await self._logon_all()
        self._restarted(self.kills, logged_on, "no Logon answer")
        if logged_on:
            await self._checkpoint(f"restart {self.kills}")
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
        self.trader.enabled = False
        await self._wind_down()
        self.run.clean_exit_codes.append(await self.engine.terminate(30.0))
        for client in self.clients:
            await client.drop()
        self.engine.spawn()
        self.run.clean_restart_ok = await self._logon_all()
        if self.run.clean_restart_ok:
            await self._settle()
            await asyncio.sleep(0.5)
        self.run.clean_exit_codes.append(await self.engine.terminate(30.0))
        for client in self.clients:
            await client.drop()
        self.state = await asyncio.to_thread(read_state, self.journal)
        for key, found in final_checks(self.state, self.clients).items():
            self.findings.add(key, found, "end")

    async def _wind_down(self, timeout_s: float = 15.0) -> None:
        """Cancel every open order until each is done and every request answered (bounded)."""
        deadline = time.monotonic() + timeout_s
        attempts: Counter[str] = Counter()
        while time.monotonic() < deadline:
            await self._settle()
            waiting = False
            for client in self.clients:
                for order in client.orders.values():
                    if not order.answered or order.pending_change:
                        waiting = True
                    elif order.got_new and not order.done and attempts[order.cl_ord_id] < 3:
                        waiting = True
                        attempts[order.cl_ord_id] += 1
                        if client.logged_on.is_set():
                            self.trader.counts["cancels"] += 1
                            client.cancel(order, self.trader.next_id(client, "C"))
            if not waiting:
                return
            await asyncio.sleep(0.3)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def market_open_ns() -> int:
    """Market time at the first start: today's open, exchange-local time encoded as epoch ns (the engine's)."""
    today = dt.date.today()
    midnight = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    return (int(midnight.timestamp()) + OPEN_S) * 1_000_000_000


def engine_config(journal: Path, port: int, speed: float) -> str:
    sessions = "".join(f'[[fix.sessions]]\nsender_comp_id = "EMS"\ntarget_comp_id = "{s}"\n' for s in SESSIONS)
    # background checkpoints every 1,000 records: most restarts restore one and replay a tail
    return (f'[journal]\npath = "{journal}"\ncheckpoint_every_records = {CHECKPOINT_EVERY}\n'
            f'[market]\nspeed = {speed}\nopen = "09:30:00"\n'
            f'[fix]\nenabled = true\nport = {port}\n{sessions}')


def figures(bench: CrashRecovery, seconds: float) -> dict[str, Any]:
    run, found, state = bench.run, bench.findings.offenders, bench.state
    out: dict[str, Any] = {
        "kills": sum(run.kills.values()),
        "restarts_ok": run.restarts_ok,
        **{key: len(found[key]) for key in FAILURE_KEYS if key != "shares_reported_twice"},
        "shares_reported_twice": sum(int(d.split(" ", 1)[0]) for d in found["shares_reported_twice"].values()),
        "restart_s_p50": round(statistics.median(run.restart_s), 3) if run.restart_s else None,
        "restart_s_max": round(max(run.restart_s), 3) if run.restart_s else None,
        "journal_records": state.records,
        "restarts_from_checkpoint": state.restarts_from_checkpoint,
        "recover_s_at_1m_records": None,
    }
    stats = [c.stats for c in bench.clients]
    out.update({
        "kill_modes": dict(run.kills),
        "startup_kills_before_listen": run.startup_kills_before_listen,
        "restart_failures": run.restart_failures,
        "clean_restart_ok": run.clean_restart_ok,
        "clean_exit_codes": run.clean_exit_codes,
        "checkpoints": run.checkpoints,
        "orders_sent": bench.trader.counts["orders"],
        "cancels_sent": bench.trader.counts["cancels"],
        "replaces_sent": bench.trader.counts["replaces"],
        "orders_rejected": sum(o.rejected for c in bench.clients for o in c.orders.values()),
        "tickets": len(state.tickets),
        "fills": len(state.fills),
        "fills_refused_by_store": sum(not f.applied for f in state.fills),
        "overfills_refused": len(state.overfills_refused),
        "orders_resent_poss_dup": sum(o.resent for c in bench.clients for o in c.orders.values()),
        "resend_requests_from_engine": sum(s.resend_requests_answered for s in stats),
        "resend_requests_to_engine": sum(s.resend_requests_sent for s in stats),
        "poss_dup_reports_ignored": sum(s.poss_dup_ignored + s.known_exec_ids_skipped for s in stats),
        "engine_errors_logged": engine_errors(bench.engine.log),
        "seconds": round(seconds, 1),
        "first_seen": bench.findings.first_seen,
        "examples": {key: [f"{k}: {v}" for k, v in list(found[key].items())[:EXAMPLES]]
                     for key in FAILURE_KEYS if found[key]},
    })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=10, help="kill -9s of the engine (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill points and of the OMS flow")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (journal, config, engine log)")
    parser.add_argument("--recovery-sizes", action="store_true",
                        help="also measure recovery at 10k, 100k and 1M journal records (bench.restart, minutes)")
    args = parser.parse_args(argv)
    if args.kills < 0:
        parser.error("--kills must be >= 0")
    workdir = Path(tempfile.mkdtemp(prefix="crash-recovery-"))
    bench = CrashRecovery(args.kills, args.seed, workdir)
    started = time.monotonic()
    asyncio.run(bench.execute())
    out = figures(bench, time.monotonic() - started)
    if args.recovery_sizes:
        out.update(recovery_sizes())
    else:
        print("recover_s_at_1m_records: null (run with --recovery-sizes to measure it here, via bench.restart)",
              file=sys.stderr)
    print(report(out))
    emit(out, args.json)
    if args.keep or failed(out):
        print(f"journal, config and engine log kept in {workdir}", file=sys.stderr)
    else:
        for path in sorted(workdir.iterdir()):
            path.unlink()
        workdir.rmdir()
    return 1 if failed(out) else 0


if __name__ == "__main__":
    sys.exit(main())
