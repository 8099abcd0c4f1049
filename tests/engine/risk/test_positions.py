"""Positions and P&L per instrument and account, from market fills and internal crosses; fees follow the
shares. After a restart (full replay, checkpoint + tail, and a kill -9 of a real process) they are exactly
what the journal's fills and allocations say."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from bench.restart import Session, write_session
from engine import checkpoint as ck
from engine import events as ev
from engine.journal import Journal
from engine.model import Side
from engine.recovery import apply_records
from engine.risk.state import RiskState
from engine.store import OrderStore
from tests.engine.checkpoint_build import fresh_state
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, limits

REPO = Path(__file__).resolve().parents[3]
D = Decimal


def figures(state: RiskState) -> dict[str, Any]:
    """Every position as plain values (equal state, equal figures)."""
    return {"instruments": {s: p.as_tuple() for s, p in state.instruments.items()},
            "accounts": {k: p.as_tuple() for k, p in state.accounts.items()},
            "states": dict(state.states), "parent_accounts": dict(state.parent_accounts)}


def from_the_journal(path: Path) -> dict[str, Any]:
    """The firm's positions as the journal's booked fills say, and the accounts' as its allocations say."""
    firm: dict[str, list[Any]] = defaultdict(lambda: [0, D(0), 0, D(0), D(0)])
    accounts: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, D(0), 0, D(0)])
    tickets: dict[str, tuple[str, str, Side]] = {}
    journal = Journal(path)
    for record in journal.replay():
        if isinstance(record, ev.ChildFilled):
            row = firm[record.symbol]
            at = 0 if record.side is Side.BUY else 2
            row[at] += record.quantity
            row[at + 1] += record.price * record.quantity
            row[4] += record.fee
        elif isinstance(record, ev.TicketAccepted):
            tickets[record.ticket_id] = (record.account, record.symbol, record.side)
        elif isinstance(record, ev.TicketsAllocated):
            for ticket_id, quantity in zip(record.ticket_ids, record.quantities, strict=True):
                account, symbol, side = tickets[ticket_id]
                row = accounts[(account, symbol)]
                at = 0 if side is Side.BUY else 2
                row[at] += quantity
                row[at + 1] += record.price * quantity
    journal.close()
    return {"firm": {s: tuple(v) for s, v in firm.items()},
            "accounts": {k: tuple(v) for k, v in accounts.items() if v[0] or v[2]}}


def held(state: RiskState) -> dict[str, Any]:
    return {"firm": {s: p.as_tuple() for s, p in state.instruments.items()},
            "accounts": {k: p.as_tuple()[:4] for k, p in state.accounts.items()}}


def test_fills_and_crosses_make_positions_and_fees_follow_the_shares(desk: MakeDesk) -> None:
    d = desk(limits())
    buy = d.parent(1000, account="PM1")  # with PM2's 600 below: one block, two accounts
    d.ticket(600, account="PM2")
    sell = d.parent(400, side=Side.SELL, account="PM3")  # crosses 400 at the mid 100.01
    assert d.engine.store.parent(sell).status.is_terminal
    [child] = d.send(buy, 1200, "100.02")
    d.fill(child, 1200, "100.02")  # fee 0.003 a share: 3.60
    state = d.engine.store.risk
    assert state.instruments["AAPL"].as_tuple() == (1200, D("120024.00"), 0, D(0), D("3.600"))
    pm1, pm2, pm3 = (state.accounts[(a, "AAPL")] for a in ("PM1", "PM2", "PM3"))
    assert (pm1.net, pm2.net, pm3.net) == (1000, 600, -400)
    assert pm1.net + pm2.net + pm3.net == state.instruments["AAPL"].net  # crosses move shares between accounts
    assert pm3.sell_notional == D("40004.00") and pm3.fees == 0  # a cross pays no venue fee
    assert pm1.fees + pm2.fees == D("3.600")
    assert pm1.fees == D("2.250000")  # 1,000 / 1,600 of the block's fees (pro rata to shares)
    row = next(r for r in d.engine.risk_snapshot().positions if r.account == "PM3")
    assert (row.position, row.unrealized, row.total) == (-400, D("0.00"), D("0.00"))  # sold at the mid


def test_a_live_engine_restart_gives_back_the_same_positions(desk: MakeDesk, tmp_path: Path) -> None:
    d = desk(limits())
    pid = d.parent(3000, account="PM1")
    d.ticket(1000, symbol="MSFT", side=Side.SELL, account="PM2")
    for quantity, price in ((500, "100.00"), (700, "99.99")):
        [child] = d.send(pid, quantity, price)
        d.fill(child, quantity, price)
    before = figures(d.engine.store.risk)
    d.close()
    copy = tmp_path / "copy.db"
    shutil.copy(d.path, copy)
    replayed = Desk(copy, limits(), start=False)
    assert not replayed.engine.recover().from_checkpoint
    assert figures(replayed.engine.store.risk) == before
    assert held(replayed.engine.store.risk) == from_the_journal(copy)
    assert replayed.engine.checkpoint() > 0
    replayed.close()
    restored = Desk(copy, limits(), start=False)
    assert restored.engine.recover().from_checkpoint
    assert figures(restored.engine.store.risk) == before
    restored.close()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Session]:
    """A real session on the simulated market: tickets of three accounts joining blocks, crossing, filling."""
    path = tmp_path_factory.mktemp("positions") / "session.db"
    return path, write_session(path, 2_000, seed=7)


def test_positions_equal_the_fills_after_full_replay_and_after_checkpoint_plus_tail(
    session: tuple[Path, Session]
) -> None:
    path, day = session
    store, desk = fresh_state()
    journal = Journal(path)
    apply_records(store, desk, journal.replay(), ck.Counters())
    expected = from_the_journal(path)
    assert expected["firm"] and len(expected["accounts"]) >= 3
    assert held(store.risk) == expected
    whole = figures(store.risk)
    inner = [b for b in day.boundaries if 0 < b < day.records]
    for seq in (inner[len(inner) // 3], inner[2 * len(inner) // 3]):
        live, live_desk = fresh_state()
        counters, _ = apply_records(live, live_desk, islice(journal.replay(), seq), ck.Counters())
        blob = ck.snapshot(live, live_desk, counters)
        restored, restored_desk = fresh_state()
        ck.restore(blob, restored, restored_desk, freeze=False)
        assert figures(restored.risk) == figures(live.risk)
        apply_records(restored, restored_desk, journal.replay(seq), counters)
        assert figures(restored.risk) == whole
    journal.close()


def test_a_checkpoint_of_another_risk_state_layout_is_refused() -> None:
    state = RiskState()
    digest, values = state.__getstate__()
    with pytest.raises(TypeError, match=r"engine/risk/state\.py"):
        RiskState().__setstate__(("other", values))
    assert digest and OrderStore().risk is not None


KILLED = """
import os, signal, sys
from pathlib import Path
from engine.model import Side
from tests.engine.risk.harness import Desk, limits
d = Desk(Path(sys.argv[1]), limits())
pid = d.parent(3000, account="PM1")
d.ticket(400, side=Side.SELL, account="PM2")
for quantity, price in ((500, "100.00"), (300, "100.01")):
    [child] = d.send(pid, quantity, price)
    d.fill(child, quantity, price)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_positions_survive_a_kill_9_of_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    done = subprocess.run([sys.executable, "-c", KILLED, str(path)], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    e = Desk(path, limits(), start=False)
    e.engine.recover()
    state = e.engine.store.risk
    assert state.instruments["AAPL"].as_tuple()[:4] == (800, D("80003.00"), 0, D(0))
    assert state.accounts[("PM2", "AAPL")].net == -400 and state.accounts[("PM1", "AAPL")].net == 1200
    assert held(state) == from_the_journal(path)
    e.close()
