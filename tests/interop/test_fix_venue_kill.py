"""kill -9 of the engine at the worst moment of an order to a FIX venue (QuickFIX as the venue): the child's
turn and its NewOrderSingle are committed (journal and session store in one ledger), the bytes not yet
written. After the restart our state must equal QuickFIX's: the stored order reaches the venue once (the
resend the venue asks for, as the gap demands), never twice, and every child we hold live is live there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from engine.clock import NS_PER_S
from engine.model import OrdStatus, Side
from tests.interop.qf_venue_runner import QuickFixVenue, free_port, until
from tests.interop.test_fix_venue_restart import fix_side, make_engine

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
