"""kill -9 of the engine at the worst moment of an order to a FIX venue (QuickFIX as the venue): the child's
turn and its NewOrderSingle are committed (journal and session store in one ledger), the bytes not yet
written. After the restart our state must equal QuickFIX's: the stored order reaches the venue once (the
resend the venue asks for, as the gap demands), never twice, and every child we hold live is live there."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from app.config import AppConfig, MarketConfig, session_epoch_ns
from app.wiring import build_engine
from engine import events as ev
from engine.clock import NS_PER_S, RealClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, OrdStatus, Side, Symbol
from engine.venues.fix_config import parse_fix_venues
from engine.venues.split_venue import SplitVenue
from tests.interop.qf_venue_runner import QuickFixVenue, free_port, until
from tests.interop.test_fix_venue_restart import SPEED, fix_side, make_engine

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[2]
LIVE = {OrdStatus.PENDING_NEW, OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED}


async def engine_until_killed(tmp_path: Path, port: int) -> None:
    """In a child process armed (EMS_FAILPOINT) to die at the test's moment: a parent whose first child goes
    to the venue (here: before its NewOrderSingle is written; test_fix_venue_bust_kill.py: at a bust)."""
    engine = make_engine(tmp_path, port)
    engine.recover()
    engine.start()
    await until(lambda: fix_side(engine).orders.logged_on, 10.0, "logon")
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=1_000, limit_price=None, algo="TWAP",
                                  end_ns=engine.clock.now_ns() + 30 * 60 * NS_PER_S)
    assert result.parent_id is not None, result
    await asyncio.sleep(20)  # the failpoint ends the process long before
    raise SystemExit(3)


KILLED_ENGINE = ("import asyncio, sys\nfrom pathlib import Path\n"
                 "from tests.interop.test_fix_venue_kill import engine_until_killed\n"
                 "asyncio.run(engine_until_killed(Path(sys.argv[1]), int(sys.argv[2])))\n")
"""`python -c` it with the work folder and QuickFIX's port, under `failpoint_env`."""


def failpoint_env(failpoint: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "EMS_FAILPOINT": failpoint}


async def test_a_kill_before_the_new_order_is_written_ends_with_our_state_equal_to_the_venues(
    tmp_path: Path,
) -> None:
    qf = QuickFixVenue(tmp_path / "qf", free_port(), comp_id="LIT1")
    await qf.start()
    script, env = KILLED_ENGINE, failpoint_env("initiator.before_write:1@fix_venue.submit")
    engine = None
    try:
        died = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", script, str(tmp_path), str(qf.port)],
                                       cwd=ROOT, env=env, capture_output=True, timeout=60)
        assert died.returncode == -9, died.stderr.decode()[-3000:]
        assert not qf.received("D"), "the order was written before the kill"
        engine = make_engine(tmp_path, qf.port)
        engine.recover()
        engine.start()
        await until(lambda: fix_side(engine).orders.logged_on, 10.0, "logon after the restart")
        children = [c for p in engine.store.parent_ids() for c in engine.store.children(p)]
        assert children, "the killed turn's child was not committed"
        state: dict[str, dict[str, object]] = {}

        async def settled() -> bool:
            state.clear()
            state.update(await qf.state())
            return all((engine.store.child(c.child_id).status in LIVE) == (c.child_id in state and state[
                c.child_id]["status"] in ("0", "1")) for c in children)

        for _ in range(100):
            if await settled():
                break
            await asyncio.sleep(0.1)
        for c in children:
            ours = engine.store.child(c.child_id)
            theirs = state.get(c.child_id)
            assert (ours.status in LIVE) == (theirs is not None and theirs["status"] in ("0", "1")), (ours, theirs)
        orders = Counter(m.get("11") for m in qf.received("D"))
        assert orders and max(orders.values()) == 1, orders  # the stored order reached the venue once
        assert [m.get("43") for m in qf.received("D")] == ["Y"]  # as the resend of the committed message
        assert [engine.store.child(c.child_id).status for c in children] == [OrdStatus.NEW]
    finally:
        if engine is not None:
            engine.close()
        await qf.stop()


def two_venue_engine(tmp_path: Path, ports: tuple[int, int]) -> Engine:
    """The real wiring with LIT1 and LIT2 both over FIX (QuickFIX), no dark pool."""
    fix = parse_fix_venues({"LIT1": f"127.0.0.1:{ports[0]}", "LIT2": f"127.0.0.1:{ports[1]}",
                            "reconnect_max_s": 0.5}, ("LIT1", "LIT2"))
    config = AppConfig(journal_path=tmp_path / "journal.db",
                       market=MarketConfig(speed=SPEED, lit_venues=("LIT1", "LIT2"), dark_pool=False), fix_venues=fix)
    clock = RealClock(asyncio.get_running_loop(), session_epoch_ns(dt.date(2024, 1, 2), 10 * 3600), SPEED)
    return build_engine(config, clock, Journal(config.journal_path))


def logged_on(engine: Engine) -> bool:
    return all(isinstance(v, SplitVenue) and v.orders.logged_on for v in engine.venues.values())


async def engine_with_a_parallel_slice_until_killed(tmp_path: Path, port1: int, port2: int) -> None:
    """In a child process armed to die once the turn of its first fill committed: a parent whose first slice
    rests in parallel on both venues (its limit below the bid, so the child's price never moves)."""
    engine = two_venue_engine(tmp_path, (port1, port2))
    engine.recover()
    engine.start()
    await until(lambda: logged_on(engine), 10.0, "logon at both venues")
    bid = engine.market.quote(Symbol("AAPL")).bid
    assert bid is not None
    result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=30_000, limit_price=bid - Decimal("0.50"),
                                  algo="TWAP", end_ns=engine.clock.now_ns() + 30 * 60 * NS_PER_S,
                                  params={"routing": "PARALLEL"})
    assert result.parent_id is not None, result
    await asyncio.sleep(30)  # the failpoint ends the process long before
    raise SystemExit(3)


async def test_a_kill_between_the_fill_that_completes_a_parallel_slice_and_its_cancels(tmp_path: Path) -> None:
    """The excess of the slice stays live at the other venue through the kill; the restarted router cancels it
    as soon as the venues have answered (the parent comes back paused: nothing else would)."""
    venues = [QuickFixVenue(tmp_path / name, free_port(), comp_id=name) for name in ("LIT1", "LIT2")]
    for qf in venues:
        await qf.start()
    script = ("import asyncio, sys\nfrom pathlib import Path\n"
              "from tests.interop.test_fix_venue_kill import engine_with_a_parallel_slice_until_killed\n"
              "asyncio.run(engine_with_a_parallel_slice_until_killed(Path(sys.argv[1]), int(sys.argv[2]), "
              "int(sys.argv[3])))\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, str(tmp_path), str(venues[0].port), str(venues[1].port), cwd=ROOT,
        env=failpoint_env("ledger.after_commit:1@venue.fill:1"), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    engine = None
    try:
        books: list[dict[str, dict[str, object]]] = [{}, {}]

        async def both_rest() -> bool:
            for n, qf in enumerate(venues):
                books[n] = await qf.state()
            return all(books)

        for _ in range(100):
            if await both_rest():
                break
            await asyncio.sleep(0.1)
        [(first, order)] = books[0].items()
        [(excess, _)] = books[1].items()
        venues[0].command(op="fill", child=first, qty=order["qty"])  # the slice is filled: the engine dies
        _, err = await asyncio.wait_for(process.communicate(), 30.0)
        assert process.returncode == -9, err.decode()[-3000:]
        records = list(Journal(tmp_path / "journal.db").replay())
        assert any(isinstance(r, ev.ChildFilled) and r.child_id == first for r in records)
        assert not any(isinstance(r, ev.ChildCancelRequested) for r in records)  # the worst moment
        assert (await venues[1].state())[excess]["status"] == "0"

        engine = two_venue_engine(tmp_path, (venues[0].port, venues[1].port))
        engine.recover()
        engine.start()
        restarted = engine
        await until(lambda: restarted.store.child(ChildId(excess)).status is OrdStatus.CANCELED, 15.0,
                    "the excess canceled after the restart")
        assert (await venues[1].state())[excess]["status"] == "4"
        [cancel] = [r for r in engine.journal.replay() if isinstance(r, ev.ChildCancelRequested)]
        assert cancel.child_id == excess and "is filled; canceling the excess" in cancel.reason
        assert engine.store.child(ChildId(first)).status is OrdStatus.FILLED
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if engine is not None:
            engine.close()
        for qf in venues:
            await qf.stop()
