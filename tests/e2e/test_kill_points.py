"""A kill -9 at the worst moments of a turn loses nothing and repeats nothing, on the real wiring.

Each test starts `ems headless` (a subprocess) with `EMS_FAILPOINT` armed so that it SIGKILLs itself at a
named point counted from the first OMS NewOrderSingle (engine/failpoints.py); an OMS over FIX 4.4
(bench/oms_client.py: its session state outlives the engine) logs on and sends orders; the engine dies
there (-9, checked); it is started again WITHOUT the failpoint on the same files; the OMS logs on again
without a reset and the two sides exchange ResendRequests as needed; the OMS cancels what is still open,
the engine stops cleanly (SIGTERM, exit 0), and the OMS's view is checked against the journal, read
alone (bench/crash_state.py): no lost or duplicated ticket or fill, allocations equal to the fills, no
share reported twice (LastQty over distinct ExecIDs == CumQty), the OMS's status equal to the journal's.

The points: the rows of the turn holding an order are written but not committed (the turn is rolled
back: the OMS resends the order, one ticket); the turn committed but nothing was sent (the answers come
by resend, PossDup, once; the OMS does not resend the order); FIX bytes about to be written (same); the
journal half replayed at startup (the next start recovers it whole); a fill's turn written but not
committed (the fill is lost whole: no allocation, no report; that lifetime runs under a tap, `TAP`, that
shows which turn the kill rolled back).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from bench.crash_recovery import free_port, market_open_ns, state_mismatch
from bench.crash_state import CrashState, read_state
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
pytestmark = pytest.mark.timeout(60)  # a backstop: each test takes 1-3 s
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


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    world = Desk(tmp_path)
    try:
        yield world
    finally:
        await world.close()


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


# --- the kill points ------------------------------------------------------------------------------------------


async def test_kill_before_the_order_turn_commits_rolls_it_back_and_the_resent_order_makes_one_ticket(
    desk: Desk,
) -> None:
    desk.engine.start("ledger.before_commit:1@oms.new_order")
    await desk.logon()
    first = desk.order("AAPL", 500)
    others = [desk.order("MSFT", 300), desk.order("NVDA", 400, through="-0.02")]
    await desk.died_at_failpoint("the first commit after the order arrived")

    assert read_state(desk.journal).tickets_for(SOURCE, first.cl_ord_id) == [], "the order's turn was committed"
    assert first.history == [], "the OMS heard of an order whose turn never committed"

    await desk.restart()
    await until(lambda: all(o.answered for o in desk.oms.orders.values()), "every order answered after restart")
    assert first.resent >= 1, "the engine did not ask for the order it never committed"
    await desk.wind_down()

    state = read_state(desk.journal)
    for order in (first, *others):
        assert not order.rejected, f"{order.cl_ord_id}: {order.history}"
        assert len(state.tickets_for(SOURCE, order.cl_ord_id)) == 1, order.cl_ord_id
        assert len(received(order, "0")) == 1, f"{order.cl_ord_id}: {order.history}"
    assert_nothing_lost_or_repeated(desk, state)


async def test_kill_after_the_order_turn_commits_resends_its_acknowledgements_once_and_no_second_ticket(
    desk: Desk,
) -> None:
    await kill_after_the_order_committed(desk, "ledger.after_commit:1@oms.new_order")


async def test_kill_before_the_acknowledgements_reach_the_wire_resends_them_once_and_no_second_ticket(
    desk: Desk,
) -> None:
    await kill_after_the_order_committed(desk, "acceptor.before_write:1@oms.new_order")


async def kill_after_the_order_committed(desk: Desk, failpoint: str) -> None:
    """The order's turn is durable but none of its answers left: they come by resend (PossDup) exactly
    once, the OMS has no reason to resend the order, and it stays one ticket."""
    desk.engine.start(failpoint)
    await desk.logon()
    order = desk.order("AAPL", 500)
    await desk.died_at_failpoint(failpoint)

    assert len(read_state(desk.journal).tickets_for(SOURCE, order.cl_ord_id)) == 1, "the order's turn is not durable"
    assert order.history == [], "answers left before the kill point"

    await desk.restart()
    await until(lambda: order.answered, "the order's answers after restart")
    assert order.history[:2] == ["8:A/A/0/PD", "8:0/0/0/PD"], order.history
    assert len(received(order, "A")) == 1 and len(received(order, "0")) == 1, order.history
    assert order.resent == 0, "the OMS resent an order the engine had committed"
    after = desk.order("MSFT", 300)  # the session goes on: a new order is answered as new
    await until(lambda: after.answered, "an order sent after the restart")
    await desk.wind_down()

    state = read_state(desk.journal)
    assert len(state.tickets_for(SOURCE, order.cl_ord_id)) == 1
    assert len(received(after, "0")) == 1 and not after.history[0].endswith("/PD"), after.history
    assert_nothing_lost_or_repeated(desk, state)


async def test_kill_while_replaying_the_journal_leaves_it_whole_and_the_next_start_recovers_it_exactly(
    desk: Desk,
) -> None:
    # first lifetime: a few thousand records (40 parents swept at once), three orders still open: two
    # resting below the market, one worked over half an hour (partly filled); a clean stop
    desk.engine.start()
    await desk.logon()
    swept = [desk.order(symbol, 5000, through=str(Decimal("0.01") + Decimal(n) / 500), end_s=20)
             for n in range(10) for symbol in ("AAPL", "AMZN", "MSFT", "NVDA")]  # limits differ: 40 parents
    still_open = [desk.order("AAPL", 700, through="-0.03"), desk.order("NVDA", 900, through="-0.03"),
                  desk.order("MSFT", 4000, end_s=1800)]
    await until(lambda: all(o.done for o in swept) and all(o.got_new for o in still_open),
                "the swept orders filled and the open ones acknowledged", 20.0)
    await until(lambda: desk.oms.settled, "the OMS settled")
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    records = journal_records(desk.journal)
    assert records >= 3000, f"only {records} records: the replay kill needs 2,000 and some margin"

    # second lifetime: killed at the 2,000th record replayed, before it listens; it wrote nothing
    desk.engine.start("recovery.replaying:2")
    code = await desk.engine.exit_code()
    assert code == KILLED, f"expected death while replaying, exit status {code}\n{desk.tail()}"
    assert "FIX acceptor listening" not in desk.engine.lifetime_log()
    assert journal_records(desk.journal) == records, "a start killed while replaying changed the journal"

    # third lifetime: everything recovered, exactly what the journal says
    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the third start's restart notice")
    recovered = restart_notices(desk.journal)[-1]
    assert recovered.records == records and not recovered.from_checkpoint
    journal = read_state(desk.journal)
    live = dict(live_parents(recovered))
    assert live == expected_live_parents(journal)
    assert any(0 < filled < quantity for filled, quantity in live.values()), f"no partly filled parent: {live}"
    for order in desk.oms.orders.values():
        desk.ask_status(order)
    await until(lambda: all(received(o, "I") for o in desk.oms.orders.values()), "every status answered")
    for order in desk.oms.orders.values():
        ticket, = journal.tickets_for(SOURCE, order.cl_ord_id)
        assert received(order, "I")[-1] == f"8:I/{ticket.oms_status}/{ticket.allocated}", (order.history, ticket)

    # fourth lifetime writes a checkpoint at its clean stop; the fifth restores it and replays only the rest
    desk.engine.write_config(checkpoint_on_close=True)
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    await desk.restart()
    assert await desk.engine.stop() == 0, desk.tail()
    await desk.oms.drop()
    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the fifth start's restart notice")
    restored = restart_notices(desk.journal)[-1]
    assert restored.from_checkpoint, restored
    assert dict(live_parents(restored)) == expected_live_parents(read_state(desk.journal))
    await desk.wind_down()

    state = read_state(desk.journal)
    assert len(state.tickets) == len(swept) + len(still_open)
    assert sum(t.allocated for t in state.tickets.values()) == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)


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


# Commits after the order arrived, for a marketable 5,000 due within 20 market seconds (swept at once): the
# order's turn, its children, an acknowledgement, then one fill per turn (4 to 11, in every run seen here).
# The tap checks that the killed turn held a fill, so a change of that rhythm fails loudly, not silently.
FILL_TURN = 8


async def test_kill_before_a_fill_turn_commits_loses_the_fill_whole_and_reports_no_share_twice(
    desk: Desk, tmp_path: Path,
) -> None:
    tap = tmp_path / "commits.jsonl"
    desk.engine.start(f"ledger.before_commit:{FILL_TURN}@oms.new_order", tap=tap)
    await desk.logon()
    order = desk.order("AAPL", 5000, end_s=20)
    await desk.died_at_failpoint(f"the {FILL_TURN}th commit after the order arrived")

    killed = json.loads(tap.read_text().splitlines()[-1])
    fills = [(venue, fill_id) for kind, venue, fill_id in killed if kind == "ChildFilled"]
    assert fills and "TicketsAllocated" in [kind for kind, _, _ in killed], f"not a fill's turn: {killed}"
    at_kill = read_state(desk.journal)
    assert not {f.key for f in at_kill.fills} & set(fills), "the killed fill's turn was committed"
    ticket, = at_kill.tickets_for(SOURCE, order.cl_ord_id)
    assert 0 < ticket.allocated < ticket.quantity, "no fill before the kill: fills were not flowing"
    assert order.cum_qty <= ticket.allocated and order.trade_qty <= ticket.allocated, (
        f"the OMS heard of {order.cum_qty} shares, the journal holds {ticket.allocated}")

    await desk.restart()
    await until(lambda: order.cum_qty == ticket.allocated, "the committed fills reported after restart")
    await desk.wind_down()

    state = read_state(desk.journal)
    assert not {f.key for f in state.fills} & set(fills), "the rolled-back fill came back"
    ticket, = state.tickets_for(SOURCE, order.cl_ord_id)
    assert order.trade_qty == order.cum_qty == ticket.allocated == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)


async def test_a_kill_late_in_the_day_restarts_from_a_background_checkpoint(desk: Desk) -> None:
    # checkpoints every 1,000 records, written by a forked child into the side file; then kill -9
    desk.engine.write_config(checkpoint_on_close=False, checkpoint_every_records=1000)
    desk.engine.start()
    await desk.logon()
    swept = [desk.order(symbol, 5000, through=str(Decimal("0.01") + Decimal(n) / 500), end_s=20)
             for n in range(6) for symbol in ("AAPL", "AMZN", "MSFT", "NVDA")]
    working = desk.order("MSFT", 4000, end_s=1800)
    await until(lambda: all(o.done for o in swept) and working.got_new, "the swept orders filled", 20.0)
    await until(lambda: desk.oms.settled, "the OMS settled")
    records = journal_records(desk.journal)
    assert records >= 2000, f"only {records} records"
    side = desk.journal.with_name("journal.checkpoints.db")
    await until(side.exists, "a background checkpoint")
    desk.engine.kill()
    await desk.oms.drop()

    notices = len(restart_notices(desk.journal))
    await desk.restart()
    await until(lambda: len(restart_notices(desk.journal)) > notices, "the restart notice")
    recovered = restart_notices(desk.journal)[-1]
    assert recovered.from_checkpoint, recovered  # not the whole day again
    assert dict(live_parents(recovered)) == expected_live_parents(read_state(desk.journal))
    await desk.wind_down()
    state = read_state(desk.journal)
    assert sum(t.allocated for t in state.tickets.values()) == sum(f.quantity for f in state.fills if f.applied)
    assert_nothing_lost_or_repeated(desk, state)
