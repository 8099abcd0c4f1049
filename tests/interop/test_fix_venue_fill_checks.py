"""Interop: a QuickFIX acceptor playing the venue reports executions our child cannot have had. One of the
other side is refused and never booked (the firm's position unchanged, the parent paused with an error
alert); one priced through the child's limit is booked, as the venue executed it, and flagged
(`FillAnomaly`). On the real wiring: `ems`'s engine, the FIX initiator, the journal."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine import events as ev
from engine.clock import NS_PER_S
from engine.engine import Engine
from engine.model import OrdStatus, Side, Symbol
from tests.interop.qf_venue_runner import QuickFixVenue, free_port, until
from tests.interop.test_fix_venue_restart import fix_side, make_engine

pytestmark = pytest.mark.interop


def journaled(journal: Path, type_name: str) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as conn:
        return [json.loads(row[0]) for row in conn.execute("SELECT payload FROM journal WHERE type = ?", (type_name,))]


def execution(order: dict[str, Any], exec_id: str, side: str, qty: int, px: str) -> list[list[Any]]:
    """An ExecutionReport (trade) for QuickFIX's `order`, with the side and price the test says."""
    cum = order["cum"] + qty
    return [[11, order["cl"]], [37, order["order_id"]], [17, exec_id], [150, "F"], [39, "1"],
            [55, order["symbol"]], [54, side], [38, order["qty"]], [44, order["px"]], [14, cum],
            [151, order["qty"] - cum], [6, px], [32, qty], [31, px]]


async def test_a_venue_execution_of_the_wrong_side_is_refused_and_one_through_the_limit_flagged(
        tmp_path: Path) -> None:
    qf = QuickFixVenue(tmp_path / "qf", free_port(), comp_id="LIT1")
    await qf.start()
    engine: Engine | None = None
    try:
        engine = make_engine(tmp_path, qf.port)
        engine.recover()
        engine.start()
        live = engine
        await until(lambda: fix_side(live).orders.logged_on, 5.0, "logon")
        result = engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=1_000, limit_price=None, algo="TWAP",
                                      end_ns=engine.clock.now_ns() + 30 * 60 * NS_PER_S)
        parent_id = result.parent_id
        assert parent_id is not None, result
        await until(lambda: any(c.status is OrdStatus.NEW and c.price is not None
                                for c in live.store.children(parent_id)), 10.0, "a child resting at QuickFIX")
        child = next(c for c in engine.store.children(parent_id) if c.status is OrdStatus.NEW)
        assert child.price is not None
        order = (await qf.state())[child.child_id]
        journal = tmp_path / "journal.db"

        qf.command(op="raw", msg_type="8", fields=execution(order, "WRONG-SIDE", "2", 100, str(child.price)))
        await until(lambda: journaled(journal, "ReportRefused"), 10.0, "the wrong-side execution refused")
        [refused] = journaled(journal, "ReportRefused")
        assert "is a SELL of AAPL; the child is a BUY of AAPL" in refused["reason"]
        assert engine.store.child(child.child_id).cum_qty == 0 and not engine.store.fills()
        assert engine.store.risk.instruments.get(Symbol("AAPL")) is None or \
            engine.store.risk.instruments[Symbol("AAPL")].net == 0
        assert engine.store.parent(parent_id).paused

        through = str(child.price + Decimal("0.05"))
        qf.command(op="raw", msg_type="8", fields=execution(order, "THROUGH", "1", 100, through))
        await until(lambda: journaled(journal, "FillAnomaly"), 10.0, "the execution through the limit flagged")
        [anomaly] = journaled(journal, "FillAnomaly")
        assert f"filled at {through}, through its limit {child.price}" in anomaly["detail"]
        assert engine.store.child(child.child_id).cum_qty == 100  # booked: the venue executed it
        assert engine.store.risk.instruments[Symbol("AAPL")].net == 100
        assert any(e.severity == "error" and "through its limit" in e.text
                   for e in engine.journal.replay() if isinstance(e, ev.AlertRaised))
    finally:
        if engine is not None:
            engine.close()
        await qf.stop()
