"""kill -9 of the engine at the worst moment of a trade bust from a FIX venue (QuickFIX as the venue): the bust
is read and applied, its turn's rows are written, COMMIT is not. After the restart the venue resends it (our
session store never recorded it), and it is applied exactly once: the execution busted, the parent's and the
firm's shares down by it, one `ChildFillBusted` in the journal, nothing refused, our order equal to QuickFIX's."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from engine.model import ChildId, OrdStatus, Symbol
from tests.interop.qf_venue_runner import QuickFixVenue, free_port, until
from tests.interop.test_fix_venue_kill import KILLED_ENGINE, failpoint_env
from tests.interop.test_fix_venue_restart import fix_side, make_engine

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parents[2]


def journaled(journal: Path, type_name: str) -> list[str]:
    """Payloads of one record type in the journal (read while the engine writes: WAL)."""
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as conn:
            return [row[0] for row in conn.execute("SELECT payload FROM journal WHERE type = ?", (type_name,))]
    except sqlite3.OperationalError:  # not created yet
        return []


async def test_a_kill_before_the_bust_commits_applies_it_once_after_the_restart(tmp_path: Path) -> None:
    qf = QuickFixVenue(tmp_path / "qf", free_port(), comp_id="LIT1")
    await qf.start()
    script, env = KILLED_ENGINE, failpoint_env("ledger.before_commit:1@venue.bust")
    journal = tmp_path / "journal.db"
    engine = None
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(tmp_path), str(qf.port),
                                                       cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE)
        await until(lambda: journal.exists() and journaled(journal, "ChildAccepted"), 20.0, "a child at QuickFIX")
        accepted = json.loads(journaled(journal, "ChildAccepted")[0])  # the first child QuickFIX acknowledged
        child_id = ChildId(accepted["child_id"])
        state = await qf.state()
        quantity = int(state[child_id]["qty"])
        qf.command(op="fill", child=child_id, qty=quantity // 2)
        await until(lambda: journaled(journal, "ChildFilled"), 10.0, "the fill booked")
        qf.command(op="bust", child=child_id)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == -9, stderr.decode()[-3000:]
        assert not journaled(journal, "ChildFillBusted"), "the bust's turn committed before the kill"

        engine = make_engine(tmp_path, qf.port)
        engine.recover()
        engine.start()
        restarted = engine
        await until(lambda: fix_side(restarted).orders.logged_on, 10.0, "logon after the restart")
        await until(lambda: journaled(journal, "ChildFillBusted"), 10.0, "the resent bust applied")
        await asyncio.sleep(0.5)  # anything resent twice would arrive by now
        [fill] = [f for f in engine.store.fills() if f.child_id == child_id]
        assert fill.busted and fill.quantity == quantity // 2
        assert len(journaled(journal, "ChildFillBusted")) == 1 and not journaled(journal, "ReportRefused")
        assert engine.store.child(child_id).cum_qty == 0 == (await qf.state())[child_id]["cum"]
        assert engine.store.risk.instruments[Symbol("AAPL")].net == 0
        parent = engine.store.parent(engine.store.child(child_id).parent_id)
        assert parent.cum_qty == 0 and parent.paused and parent.status is not OrdStatus.FILLED
    finally:
        if engine is not None:
            engine.close()
        await qf.stop()
