"""The world of tests/e2e/test_kill_points.py: `ems headless` under a failpoint (and a commit tap), a FIX
OMS that outlives it, and the checks of what the OMS saw against the journal."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.crash_checks import state_mismatch
from bench.crash_recovery import free_port, market_open_ns
from bench.crash_state import CrashState
from bench.oms_client import ClientOrder, MarketClock, OmsClient
from engine import events as ev
from engine.journal import Journal
from engine.venues.sim.market import DEFAULT_START_PRICES

REPO = Path(__file__).resolve().parents[2]
OMS = "OMS1"
SOURCE = f"fix:{OMS}"
SPEED = 30.0
WAIT_S = 10.0  # every wait is bounded by this (a start, a death, a settle, a stop)
KILLED = -signal.SIGKILL
COUNTS = ("lost_orders", "lost_tickets", "duplicated_tickets", "lost_fills", "duplicated_fills",
          "allocation_mismatches", "shares_reported_twice", "state_mismatches", "session_errors")

# Test 5 needs to know which turn the kill rolled back (the journal cannot say: the turn is not in it).
# The engine runs as `ems headless` under a tap that only appends, to a file, the journal records every
# ledger commit is about to make durable, at `ledger.before_commit` (before the failpoint acts): the
# last line is the turn the SIGKILL rolled back. Public names only (Journal.stage, clear_pending, hit).
TAP = """
import json, os, sys
from engine import failpoints
from engine.journal import Journal

tap = open(os.environ["KILL_POINTS_TAP"], "a", buffering=1)
staged = {}
stage, clear, hit = Journal.stage, Journal.clear_pending, failpoints.hit

def tapped_stage(self, records):
    staged.setdefault(id(self), []).extend(records)
    stage(self, records)

def tapped_clear(self):
    staged.pop(id(self), None)
    clear(self)

def tapped_hit(name):
    if name == "ledger.before_commit":
        rows = [[type(r).__name__, str(getattr(r, "venue", "")), str(getattr(r, "fill_id", ""))]
                for records in staged.values() for r in records]
        tap.write(json.dumps(rows) + "\\n")
    hit(name)

Journal.stage, Journal.clear_pending, failpoints.hit = tapped_stage, tapped_clear, tapped_hit
from app.main import main
sys.exit(main(sys.argv[1:]))
"""


# --- the engine process ------------------------------------------------------------------------------------


class Headless:
    """`ems headless` on one config and journal, one lifetime at a time; stderr appended to `log`."""

    def __init__(self, workdir: Path) -> None:
        self.journal = workdir / "journal.db"
        self.log = workdir / "ems.log"
        self.port = free_port()
        self.config = workdir / "ems.toml"
        self.write_config(checkpoint_on_close=False)  # these tests replay journals; one turns it on
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_from = 0

    def write_config(self, *, checkpoint_on_close: bool, checkpoint_every_records: int = 0) -> None:
        """The TOML the next lifetime reads."""
        self.config.write_text(
            f'[journal]\npath = "{self.journal}"\ncheckpoint_on_close = {str(checkpoint_on_close).lower()}\n'
            f'checkpoint_every_records = {checkpoint_every_records}\n'
            f'[market]\nspeed = {SPEED}\nopen = "09:30:00"\n'
            f'[fix]\nenabled = true\nport = {self.port}\n'
            f'[[fix.sessions]]\nsender_comp_id = "EMS"\ntarget_comp_id = "{OMS}"\n')

    def start(self, failpoint: str = "", *, tap: Path | None = None) -> None:
        assert self.proc is None or self.proc.poll() is not None, "the previous lifetime is still running"
        env = {k: v for k, v in os.environ.items() if k not in ("EMS_FAILPOINT", "KILL_POINTS_TAP")}
        if failpoint:
            env["EMS_FAILPOINT"] = failpoint
        program = ["-m", "app.main"]
        if tap is not None:
            env["KILL_POINTS_TAP"] = str(tap)
            program = ["-c", TAP]
        self._log_from = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen([sys.executable, *program, "headless", "--config", str(self.config)],
                                         cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err)

    def lifetime_log(self) -> str:
        with self.log.open("rb") as log:
            log.seek(self._log_from)
            return log.read().decode(errors="replace")

    async def exit_code(self, timeout_s: float = WAIT_S) -> int | None:
        """The exit status once the process has ended by itself, None when it still runs after `timeout_s`."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.proc.poll()

    async def stop(self) -> int | None:
        """SIGTERM and the exit status (None when it had to be killed)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await self.exit_code()
        if code is None:
            self.kill()
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT_S)


class Desk:
    """One test's world: the engine's files and process, one OMS session, the market as the OMS sees it."""

    def __init__(self, workdir: Path) -> None:
        self.engine = Headless(workdir)
        self.clock = MarketClock(market_open_ns(), SPEED, {str(s): p for s, p in DEFAULT_START_PRICES.items()})
        self.oms = OmsClient(OMS, self.clock)
        self._ids = Counter[str]()

    @property
    def journal(self) -> Path:
        return self.engine.journal

    async def logon(self) -> None:
        """(Re)connect and log on without resetting sequence numbers; then every gap is closed."""
        assert await self.oms.logon("127.0.0.1", self.engine.port, WAIT_S), f"no Logon answer\n{self.tail()}"
        assert await self.oms.wait_settled(WAIT_S), f"sequence gap not closed\n{self.tail()}"

    def order(self, symbol: str, quantity: int, *, through: str = "0.01", end_s: int = 300) -> ClientOrder:
        """A TWAP buy limited `through` the last price (negative: below it, passive), ending in `end_s`
        market seconds."""
        self._ids["D"] += 1
        last = self.clock.last_px[symbol]
        limit = (last * (1 + Decimal(through))).quantize(Decimal("0.01"))
        end_ns = (self.clock.now_ns() // 10**9 + end_s) * 10**9
        return self.oms.new_order(f"D{self._ids['D']}", symbol, "1", quantity, limit, end_ns)

    def ask_status(self, order: ClientOrder) -> None:
        """OrderStatusRequest (35=H): the engine answers with the order's status as it holds it (ExecType I)."""
        self.oms._send_app("H", [(11, order.cl_ord_id), (55, order.symbol), (54, order.side)])

    async def died_at_failpoint(self, what: str) -> None:
        code = await self.engine.exit_code()
        assert code == KILLED, f"{what}: expected death by SIGKILL, exit status {code}\n{self.tail()}"
        await self.oms.drop()

    async def restart(self) -> None:
        self.engine.start()
        await self.logon()

    async def wind_down(self) -> None:
        """Cancel every open order until each is done and every request answered; then a clean stop."""
        deadline = time.monotonic() + WAIT_S
        asked: Counter[str] = Counter()
        while True:
            await self.oms.wait_settled(max(0.0, deadline - time.monotonic()))
            waiting = [o for o in self.oms.orders.values() if not o.answered or o.pending_change or not o.done]
            if not waiting:
                break
            assert time.monotonic() < deadline, f"orders not done: {[o.history for o in waiting]}\n{self.tail()}"
            for order in waiting:
                if order.answered and order.got_new and not order.pending_change and asked[order.cl_ord_id] < 3:
                    asked[order.cl_ord_id] += 1
                    self._ids["C"] += 1
                    self.oms.cancel(order, f"C{self._ids['C']}")
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.2)  # anything still on the wire
        assert await self.engine.stop() == 0, f"no clean stop\n{self.tail()}"
        await self.oms.drop()

    def tail(self, chars: int = 3000) -> str:
        return self.engine.log.read_text(errors="replace")[-chars:] if self.engine.log.exists() else ""

    async def close(self) -> None:
        await self.oms.drop()
        self.engine.kill()


# --- what the OMS saw against what the journal holds ---------------------------------------------------------


def received(order: ClientOrder, exec_type: str) -> list[str]:
    """The ExecutionReports of `exec_type` the OMS processed on `order` (PossDup resends included)."""
    return [h for h in order.history if h.startswith(f"8:{exec_type}/")]


def violations(state: CrashState, oms: OmsClient) -> dict[str, list[str]]:
    """Every loss, duplicate or mismatch between the OMS's view and the journal; empty lists when none."""
    found: dict[str, list[str]] = {key: [] for key in COUNTS}
    for order in oms.orders.values():
        ident = order.cl_ord_id
        tickets = state.tickets_for(SOURCE, ident)
        if not order.answered:
            found["lost_orders"].append(f"{ident}: no New or Rejected (resent {order.resent}x)")
        if order.got_new and not tickets:
            found["lost_tickets"].append(f"{ident}: New received, no TicketAccepted")
        if order.trade_qty != order.cum_qty or order.repeated_exec_ids:
            found["shares_reported_twice"].append(
                f"{ident}: LastQty over distinct ExecIDs {order.trade_qty} vs CumQty {order.cum_qty};"
                f" ExecIDs repeated without PossDup {order.repeated_exec_ids}")
        if len(tickets) == 1 and (mismatch := state_mismatch(order, tickets)):
            found["state_mismatches"].append(f"{ident}: {mismatch} (received {' '.join(order.history)})")
    for (source, cl_ord_id), ticket_ids in state.tickets_by_order.items():
        if len(ticket_ids) != 1 or source != SOURCE or cl_ord_id not in oms.orders:
            found["duplicated_tickets"].append(f"{source}:{cl_ord_id}: tickets {ticket_ids}")
    for (venue, fill_id), times in Counter(f.key for f in state.fills if f.took_effect).items():
        if times > 1:
            found["duplicated_fills"].append(f"{venue} {fill_id} took effect {times} times")
    for fill in state.fills:
        if fill.applied and fill.allocated != fill.quantity:
            found["lost_fills"].append(f"{fill.venue} {fill.fill_id}: {fill.quantity} filled, {fill.allocated} given")
    for parent in state.parents.values():
        if parent.allocated != parent.executed + parent.crossed or parent.unpaired_allocations:
            found["allocation_mismatches"].append(
                f"{parent.parent_id}: allocated {parent.allocated}, executed {parent.executed} + crossed"
                f" {parent.crossed}, allocations with no fill {parent.unpaired_allocations}")
    for ticket in state.tickets.values():
        if ticket.allocated > ticket.quantity:
            found["allocation_mismatches"].append(f"{ticket.ticket_id}: {ticket.allocated} > {ticket.quantity}")
    stats = oms.stats
    found["session_errors"] += stats.seq_too_low + stats.engine_seq_regressions + stats.unknown_reports
    return found


def assert_nothing_lost_or_repeated(desk: Desk, state: CrashState) -> None:
    """Every count of `violations` is 0 (the offenders are shown when one is not)."""
    assert state.tickets, "no ticket at all: the test exercised nothing"
    found = {key: offenders for key, offenders in violations(state, desk.oms).items() if offenders}
    assert found == {}, desk.tail()


def journal_records(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])


async def until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out ({timeout_s} s) waiting for {what}")
        await asyncio.sleep(0.02)


def restart_notices(path: Path) -> list[ev.RestartRecovered]:
    journal = Journal(path)
    try:
        return [record for record in journal.replay() if isinstance(record, ev.RestartRecovered)]
    finally:
        journal.close()


def live_parents(notice: ev.RestartRecovered) -> list[tuple[str, tuple[int, int]]]:
    """(parent, (filled, quantity)) from the restart notice's "… 1,200 of 2,000 filled"."""
    out = []
    for parent_id, text in notice.parents:
        match = re.search(r"([\d,]+) of ([\d,]+) filled", text)
        assert match, text
        out.append((str(parent_id), (int(match[1].replace(",", "")), int(match[2].replace(",", "")))))
    return out


def expected_live_parents(state: CrashState) -> dict[str, tuple[int, int]]:
    """Per parent not yet reconciled (still live), what the journal says it executed of its tickets' total."""
    quantity: Counter[str] = Counter()
    for ticket in state.tickets.values():
        quantity[ticket.parent_id] += ticket.quantity
    return {parent_id: (state.parents[parent_id].executed if parent_id in state.parents else 0, total)
            for parent_id, total in quantity.items()
            if not (parent_id in state.parents and state.parents[parent_id].reconciled)}
