"""End to end: `ems venues` serves LIT1..3 and DARK1 over FIX (one process each); the engine, wired by
app/wiring.py with `[fix_venues]`, works a parent to completion with every child order over FIX."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

import pytest

from app.config import load_config, session_epoch_ns
from app.wiring import build_engine
from engine.clock import NS_PER_S, RealClock, VirtualClock
from engine.journal import Journal
from engine.model import OrdStatus, Side, VenueId
from engine.venues.sim.gateway import SimGateway
from engine.venues.split_venue import SplitVenue
from tests.interop.qf_venue_runner import free_port, until

pytestmark = pytest.mark.interop

SPEED = 100.0
VENUES = ("LIT1", "LIT2", "LIT3", "DARK1")
REPO = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, ports: dict[str, int]) -> Path:
    lines = ["[market]", f"speed = {SPEED}", "", "[fix_venues]", f'store_dir = "{tmp_path / "venues"}"',
             "heartbeat_s = 30", "reconnect_max_s = 1.0"]
    lines += [f'{venue} = "127.0.0.1:{port}"' for venue, port in ports.items()]
    path = tmp_path / "ems.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_a_parent_is_worked_to_completion_with_every_venue_over_fix(tmp_path: Path) -> None:
    ports = {venue: free_port() for venue in VENUES}
    config_path = write_config(tmp_path, ports)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.main", "--log-level", "WARNING", "venues", "--config", str(config_path),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    engine = None
    try:
        assert process.stdout is not None
        said = b""
        while said.count(b"ems venues:") < len(VENUES):  # each venue process says where it listens
            chunk = await asyncio.wait_for(process.stdout.read(4096), 10.0)
            assert chunk, said
            said += chunk
        config = load_config(config_path, journal_override=str(tmp_path / "journal.db"))
        loop = asyncio.get_running_loop()
        clock = RealClock(loop, session_epoch_ns(dt.date(2024, 1, 2), 10 * 3600), SPEED)
        engine = build_engine(config, clock, Journal(config.journal_path))
        venues = [engine.venues[v] for v in VENUES]  # type: ignore[index]
        assert all(isinstance(v, SplitVenue) for v in venues)
        engine.start()
        await until(lambda: all(v.orders.logged_on for v in venues if isinstance(v, SplitVenue)), 5.0, "logons")
        await asyncio.sleep(0.3)  # 30 market seconds: the simulated books fill in
        result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=2_000, limit_price=None, algo="TWAP",
                                      end_ns=clock.now_ns() + 3 * 60 * NS_PER_S, urgency="HIGH")
        parent_id = result.parent_id
        assert parent_id is not None, result
        await until(lambda: engine is not None and engine.store.parent(parent_id).cum_qty == 2_000, 15.0,
                    "parent filled")
        fills = [f for f in engine.store.fills() if f.parent_id == parent_id]
        assert sum(f.quantity for f in fills) == 2_000
        children = engine.store.children(parent_id)
        assert children and all(c.status.is_terminal or c.status is OrdStatus.NEW for c in children)
        for venue in venues:  # the in-process simulators never saw an order: every child went over FIX
            assert isinstance(venue, SplitVenue) and isinstance(venue.market_data, SimGateway)
            assert all(venue.market_data.child(c.child_id) is None for c in children)
        sent = sum(v.sequence_numbers()[0] - 2 for v in venues if isinstance(v, SplitVenue))  # minus Logon
        assert sent >= len(children)
    finally:
        if engine is not None:
            engine.close()
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10.0)


def test_in_virtual_time_fix_venues_are_ignored_for_the_in_process_ones(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, {venue: 1 for venue in VENUES}),
                         journal_override=str(tmp_path / "journal.db"))
    engine = build_engine(config, VirtualClock(session_epoch_ns(dt.date(2024, 1, 2), 10 * 3600)),
                          Journal(config.journal_path))
    try:
        assert all(isinstance(engine.venues[VenueId(v)], SimGateway) for v in VENUES)
    finally:
        engine.close()
