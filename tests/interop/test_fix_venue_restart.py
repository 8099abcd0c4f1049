"""The engine restarts while its only venue is a QuickFIX acceptor over FIX: the journal and the FIX session
store share one ledger, so after the restart the session goes on from the committed sequence numbers
(no reset), the venue's resend brings the fill made while we were down, and the recovery's
OrderStatusRequests leave every child in the state QuickFIX has."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from pathlib import Path

import pytest

from app.config import AppConfig, MarketConfig, session_epoch_ns
from app.wiring import build_engine
from engine import events as ev
from engine.clock import NS_PER_S, RealClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, OrdStatus, Side, VenueId
from engine.routing.policy import RoutingConfig
from engine.venues.fix_config import parse_fix_venues
from engine.venues.split_venue import SplitVenue
from tests.interop.qf_venue_runner import QuickFixVenue, free_port, until

pytestmark = pytest.mark.interop

SPEED = 60.0
LIT1 = VenueId("LIT1")


def make_engine(tmp_path: Path, port: int, routing: RoutingConfig | None = None) -> Engine:
    fix = parse_fix_venues({"LIT1": f"127.0.0.1:{port}", "reconnect_max_s": 0.5}, ("LIT1",))
    config = AppConfig(journal_path=tmp_path / "journal.db",
                       market=MarketConfig(speed=SPEED, lit_venues=("LIT1",), dark_pool=False), fix_venues=fix,
                       routing=routing or RoutingConfig())
    clock = RealClock(asyncio.get_running_loop(), session_epoch_ns(dt.date(2024, 1, 2), 10 * 3600), SPEED)
    return build_engine(config, clock, Journal(config.journal_path))


def fix_side(engine: Engine) -> SplitVenue:
    venue = engine.venues[LIT1]
    assert isinstance(venue, SplitVenue)
    return venue


async def test_a_fill_made_while_the_engine_was_down_is_recovered_once(tmp_path: Path) -> None:
    qf = QuickFixVenue(tmp_path / "qf", free_port(), comp_id="LIT1")
    await qf.start()
    engine = make_engine(tmp_path, qf.port)
    try:
        engine.recover()
        engine.start()
        await until(lambda: fix_side(engine).orders.logged_on, 5.0, "logon")
        result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=1_000, limit_price=None, algo="TWAP",
                                      end_ns=engine.clock.now_ns() + 30 * 60 * NS_PER_S)
        parent_id = result.parent_id
        assert parent_id is not None, result
        await until(lambda: any(c.status is OrdStatus.NEW for c in engine.store.children(parent_id)), 10.0,
                    "a child resting at QuickFIX")
        child = next(c for c in engine.store.children(parent_id) if c.status is OrdStatus.NEW)
        fix_side(engine).orders.initiator.drop()  # the connection dies with the process
        engine.close()
        before = fix_side(engine).sequence_numbers()
        qf.command(op="fill", child=child.child_id, qty=child.quantity)  # while we are down
        engine = make_engine(tmp_path, qf.port)
        assert fix_side(engine).sequence_numbers() == before  # from the ledger: no reset, nothing lost
        engine.recover()
        engine.start()
        await until(lambda: engine.store.child(child.child_id).status is OrdStatus.FILLED, 10.0, "the fill")
        state = await qf.state()
        restarted = engine

        def same(child_id: str, status: str) -> bool:
            return restarted.store.child(ChildId(child_id)).status.value == status

        for view in engine.store.children(parent_id):
            theirs = state[view.child_id]
            await until(functools.partial(same, view.child_id, theirs["status"]), 5.0,
                        f"{view.child_id} as QuickFIX has it")
            assert engine.store.child(view.child_id).cum_qty == theirs["cum"]
        fills = [f for f in engine.store.fills() if f.child_id == child.child_id]
        assert sum(f.quantity for f in fills) == child.quantity  # once, though resent and reported by status
        assert not qf.received("5") and not [m for m in qf.received("3")]  # no Logout, no Reject
    finally:
        engine.close()
        await qf.stop()


async def test_a_sequential_rest_at_quickfix_is_still_re_routed_when_its_time_is_up_after_a_restart(
        tmp_path: Path) -> None:
    """The router's rest time survives the restart: the child resting at QuickFIX is canceled when the time
    its decision gave it is up (the parent comes back paused, so nothing else would take it off)."""
    qf = QuickFixVenue(tmp_path / "qf", free_port(), comp_id="LIT1")
    await qf.start()
    routing = RoutingConfig(sequential_timeout_s=90.0, sequential_max_timeout_s=90.0)  # 1.5 s at 60x
    engine = make_engine(tmp_path, qf.port, routing)
    try:
        engine.recover()
        engine.start()
        await until(lambda: fix_side(engine).orders.logged_on, 5.0, "logon")
        result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=1_000, limit_price=None, algo="TWAP",
                                      end_ns=engine.clock.now_ns() + 30 * 60 * NS_PER_S,
                                      params={"routing": "SEQUENTIAL"})
        parent_id = result.parent_id
        assert parent_id is not None, result
        await until(lambda: any(c.status is OrdStatus.NEW for c in engine.store.children(parent_id)), 10.0,
                    "a child resting at QuickFIX")
        child = next(c for c in engine.store.children(parent_id) if c.status is OrdStatus.NEW)
        fix_side(engine).orders.initiator.drop()
        engine.close()
        engine = make_engine(tmp_path, qf.port, routing)
        engine.recover()
        engine.start()
        restarted = engine
        await until(lambda: restarted.store.child(child.child_id).status is OrdStatus.CANCELED, 10.0,
                    "the rest canceled when its time was up")
        assert (await qf.state())[child.child_id]["status"] == OrdStatus.CANCELED.value
        cancels = [r for r in engine.journal.replay() if isinstance(r, ev.ChildCancelRequested)]
        assert [c.child_id for c in cancels] == [child.child_id]
        assert "unfilled on LIT1 after 90 s" in cancels[0].reason
        assert cancels[0].ts_ns >= child.created_ns + 90 * NS_PER_S  # not before its time
        assert engine.store.parent(parent_id).paused  # and nothing re-posted: the trader reviews first
    finally:
        engine.close()
        await qf.stop()
