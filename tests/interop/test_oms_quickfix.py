"""Interop: QuickFIX initiators acting as OMSs send tickets to the engine on the simulated market.

The engine runs on a fast `RealClock` (market time at SPEED x wall time) on the test's loop, so algo
orders of a few market minutes fill within seconds; the FIX sessions run on wall time. Every ticket
gets its own ExecutionReports, and what they report adds up to what the market and the internal
crosses executed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from app.config import AppConfig, MarketConfig, session_epoch_ns
from app.wiring import build_engine
from engine import events as ev
from engine.clock import NS_PER_S, RealClock
from engine.desk import CLOSE
from engine.engine import Engine
from engine.fix.codec import utc_timestamp
from engine.fix_app import OmsGateway, start_oms_gateway
from engine.journal import Journal
from engine.model import OrdStatus, ParentId, TicketId
from engine.tickets.avgprice import AVG_PRICE_EXTRA_DIGITS
from tests.interop.quickfix_runner import InitiatorRun, run_initiator

pytestmark = pytest.mark.interop

SPEED = 100.0
PASSWORD = "s3cret"
TERMINAL = ["2", "4", "C"]
SECTION: dict[str, Any] = {
    "enabled": True,
    "port": 0,
    "logout_timeout_s": 2,
    "sessions": [
        {"sender_comp_id": "EMS", "target_comp_id": "OMS1", "password": PASSWORD},
        {"sender_comp_id": "EMS", "target_comp_id": "OMS2"},
    ],
}


class Desk:
    """The engine on the simulated market plus the OMS gateway (restartable on its store files)."""

    def __init__(self, tmp_path: Path, engine: Engine) -> None:
        self.tmp_path = tmp_path
        self.engine = engine
        self.gateway: OmsGateway | None = None

    async def start_gateway(self) -> OmsGateway:
        gateway = await start_oms_gateway(SECTION, self.engine,
                                          wall_time_ns=time.time_ns)
        assert gateway is not None
        self.gateway = gateway
        return gateway

    async def restart_gateway(self) -> OmsGateway:
        assert self.gateway is not None
        await self.gateway.stop()
        return await self.start_gateway()

    def expire_in(self, market_minutes: float) -> str:
        return utc_timestamp(self.engine.clock.now_ns() + int(market_minutes * 60 * NS_PER_S))

    def spec(self, sender: str, steps: list[dict[str, Any]], password: str | None = PASSWORD,
             **extra: Any) -> dict[str, Any]:
        assert self.gateway is not None
        return {"port": self.gateway.port, "sender": sender, "target": "EMS", "password": password,
                "heartbeat": 5, "work_dir": str(self.tmp_path / f"qf-{sender}"), "steps": steps, **extra}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    loop = asyncio.get_running_loop()
    config = AppConfig(journal_path=tmp_path / "journal.db", market=MarketConfig(speed=SPEED))
    clock = RealClock(loop, session_epoch_ns(dt.date(2024, 1, 2), 10 * 3600), SPEED)
    engine = build_engine(config, clock, Journal(config.journal_path))
    engine.start()
    desk = Desk(tmp_path, engine)
    await desk.start_gateway()
    yield desk
    if desk.gateway is not None:
        await desk.gateway.stop()
    engine.close()


def order(cl_ord_id: str, symbol: str, side: str, quantity: int, expire: str, **more: str) -> dict[str, Any]:
    fields = [[11, cl_ord_id], [55, symbol], [54, side], [60, "20240102-10:00:00"], [38, quantity], [40, "1"],
              [59, "0"], [126, expire], [9100, "TWAP"], [9101, "HIGH"]]
    fields += [[int(tag.lstrip("t")), value] for tag, value in more.items()]
    return {"op": "send", "msg_type": "D", "fields": fields}


def until(cl_ord_id: str, statuses: list[str], timeout: float = 15.0, msg_type: str = "8") -> dict[str, Any]:
    return {"op": "wait_match", "match": {"35": msg_type, "11": cl_ord_id, "39": statuses}, "timeout": timeout}


def session(*steps: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"op": "wait_logon", "timeout": 5}, *steps, {"op": "logout", "text": "done", "timeout": 5}]


def reports_by_order(*runs: InitiatorRun) -> dict[str, list[dict[int, str]]]:
    """ExecutionReports per OrderID, each ExecID once (a resend after a reconnect repeats some)."""
    out: dict[str, list[dict[int, str]]] = defaultdict(list)
    seen: set[str] = set()
    for run in runs:
        for report in run.messages("from_app", "8"):
            if report[17] not in seen:
                seen.add(report[17])
                out[report[37]].append(report)
    return out


async def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def assert_clean(run: InitiatorRun) -> None:
    assert run.logged_on and not run.named("timeout"), [e for e in run.events if e["event"] == "timeout"]
    assert not run.messages("to_admin", "3"), f"QuickFIX rejected our messages: {run.messages('to_admin', '3')}"


def assert_adds_up(engine: Engine, reports: list[dict[int, str]]) -> int:
    """One ticket's reports: LastQty sums to CumQty, quantities consistent, final state = the engine's."""
    trades = [r for r in reports if r[150] == "F"]
    final = reports[-1]
    assert final[39] in TERMINAL, final
    assert sum(int(r[32]) for r in trades) == int(final[14])
    for report in reports:
        if report[39] not in ("4", "C", "8"):
            assert int(report[14]) + int(report[151]) == int(report[38]), report
    row = engine.ticket(TicketId(final[37]))
    assert row is not None and row.allocated == int(final[14])
    if row.allocated:
        assert Decimal(final[6]) == block_average_at_last_trade(engine, row.ticket_id)
    return row.allocated


def block_average_at_last_trade(engine: Engine, ticket_id: TicketId) -> Decimal | None:
    """The block's average price right after the last execution this ticket shared in, from the journal: what its
    final report must carry (average-price allocation). The desk's row shows the block's average now, which moves
    on when the block works on after this ticket is done."""
    row = engine.ticket(ticket_id)
    assert row is not None
    tick = engine.instruments[row.symbol].tick_size.scaleb(-AVG_PRICE_EXTRA_DIGITS)
    executed, notional, average = 0, Decimal(0), None
    for record in engine.journal.replay():
        if not isinstance(record, ev.TicketsAllocated) or record.parent_id != row.parent_id:
            continue
        if record.kind != CLOSE:
            executed += record.quantity
            notional += record.quantity * record.price
        if any(t == ticket_id and q > 0 for t, q in zip(record.ticket_ids, record.quantities, strict=True)):
            average = (notional / executed).quantize(tick, rounding=ROUND_HALF_EVEN)
    return average


async def test_tickets_from_two_oms_sessions_get_their_own_reports_adding_up_to_the_executions(desk):
    expire = desk.expire_in(5)
    one = desk.spec("OMS1", session(
        order("B1", "AAPL", "1", 3000, expire),
        order("B2", "AAPL", "1", 2000, expire, t1="PM2"),
        order("BAD", "AAPL", "1", 0, expire),
        order("X1", "MSFT", "2", 1500, expire),
        until("BAD", ["8"], 5), until("B1", TERMINAL), until("B2", TERMINAL), until("X1", TERMINAL),
    ))
    two = desk.spec("OMS2", session(
        order("C1", "AAPL", "1", 1000, expire),
        order("C2", "AAPL", "2", 800, expire),
        until("C1", TERMINAL), until("C2", TERMINAL),
    ), password=None)
    statuses: dict[str, dict[ParentId, OrdStatus]] = {}  # every parent's status as each ticket was accepted

    def note_statuses(event: ev.Event) -> None:
        if isinstance(event, ev.TicketAccepted):
            store = desk.engine.store
            statuses[event.client_order_id] = {p: store.parent(p).status for p in store.parent_ids()}

    desk.engine.subscribe(note_statuses)
    run1, run2 = await asyncio.gather(run_initiator(one, 20), run_initiator(two, 20))
    for run in (run1, run2):
        assert_clean(run)
    [bad] = [r for r in run1.messages("from_app", "8") if r[11] == "BAD"]
    assert (bad[150], bad[39]) == ("8", "8") and "OrderQty (38) '0' must be positive" in bad[58]

    by_order = {**reports_by_order(run1), **reports_by_order(run2)}
    del by_order["NONE"]
    assert len(by_order) == 5
    allocated = {ticket: assert_adds_up(desk.engine, reports) for ticket, reports in by_order.items()}
    parents = {desk.engine.ticket(TicketId(t)).parent_id for t in allocated}  # type: ignore[union-attr]
    executed = sum(desk.engine.store.parent(p).cum_qty + desk.engine.store.parent(p).netted_qty for p in parents)
    assert sum(allocated.values()) == executed > 0
    rows = {r.client_order_id: r for r in desk.engine.tickets()}
    assert rows["B1"].parent_id == rows["B2"].parent_id
    if rows["C1"].parent_id != rows["B1"].parent_id:  # one block over two sessions, while it still works:
        first, second = sorted(("B1", "C1"), key=lambda c: rows[c].created_ns)  # else it had ended by then
        assert statuses[second][rows[first].parent_id].is_terminal, (statuses[second], rows[first])
    assert rows["B2"].account == "PM2" and rows["C1"].account == "OMS2"
    # C2 sells into the AAPL buy block: crossed at the mid when the block had unworked shares then (timing)
    crosses = [r for r in by_order[rows["C2"].ticket_id] if r[150] == "F" and r.get(58) == "internal cross at the mid"]
    assert sum(int(r[32]) for r in crosses) == rows["C2"].crossed


async def test_cancel_and_replace_across_a_reconnect_and_a_gateway_restart(desk):
    long_expire = desk.expire_in(60)
    first = await run_initiator(desk.spec("OMS1", session(
        order("R1", "NVDA", "1", 5000, long_expire),
        until("R1", ["0", "1"], 5),
        {"op": "send", "msg_type": "G", "fields": [[11, "R2"], [41, "R1"], [55, "NVDA"], [54, "1"],
                                                   [60, "20240102-10:00:00"], [38, 4000], [40, "1"]]},
        {"op": "wait_match", "match": {"35": "8", "150": "5", "11": "R2"}, "timeout": 5},
        {"op": "sleep", "seconds": 0.5},
    )), 20)
    assert_clean(first)
    [row] = desk.engine.tickets()
    reported = max(int(r[14]) for r in first.messages("from_app", "8"))
    await wait_for(lambda: desk.engine.ticket(row.ticket_id).allocated > reported)  # type: ignore[union-attr]
    await desk.restart_gateway()
    cancel = [[55, "NVDA"], [54, "1"], [60, "20240102-10:00:00"]]
    second = await run_initiator(desk.spec("OMS1", session(
        {"op": "send", "msg_type": "F", "fields": [[11, "R3"], [41, "R2"], *cancel]},
        until("R3", ["4"], 5),
        {"op": "send", "msg_type": "F", "fields": [[11, "R4"], [41, "NOPE"], *cancel]},
        {"op": "send", "msg_type": "G", "fields": [[11, "R5"], [41, "R3"], *cancel, [38, 100], [40, "1"]]},
        {"op": "wait", "msg_type": "9", "count": 2, "timeout": 5},
    )), 20)
    assert_clean(second)
    assert first.seq()[0] < second.seq()[0]  # the same session, continued

    [reports] = reports_by_order(first, second).values()
    # Filled while away: stored, numbered before our Logon, resent after it with PossDupFlag (fills that
    # come while the OMS is back are live reports, numbered after the Logon).
    [our_logon] = second.messages("from_admin", "A")
    while_away = [r for r in second.messages("from_app", "8") if int(r[34]) < int(our_logon[34])]
    assert any(r[150] == "F" for r in while_away) and all(r.get(43) == "Y" for r in while_away)
    statuses = [r[150] for r in reports]
    assert statuses[:2] == ["A", "0"] and "5" in statuses and statuses[-2:] == ["6", "4"]
    replaced = next(r for r in reports if r[150] == "5")
    assert (replaced[11], replaced[41], replaced[38]) == ("R2", "R1", "4000")
    canceled = reports[-1]
    assert (canceled[11], canceled[41], canceled[151]) == ("R3", "R2", "0")
    assert assert_adds_up(desk.engine, reports) == int(canceled[14])
    unknown, too_late = second.messages("from_app", "9")
    assert (unknown[434], unknown[102], unknown[41]) == ("1", "1", "NOPE")
    assert (too_late[434], too_late[102], too_late[39]) == ("2", "0", "4")


async def test_a_limit_replace_moves_the_parent_and_an_aggregated_one_is_refused(desk):
    expire = desk.expire_in(60)

    def limit_order(cl_ord_id: str, quantity: int) -> dict[str, Any]:
        fields = [[11, cl_ord_id], [55, "NVDA"], [54, "1"], [60, "20240102-10:00:00"], [38, quantity], [40, "2"],
                  [44, "100.00"], [59, "0"], [126, expire], [9100, "TWAP"], [9101, "LOW"]]
        return {"op": "send", "msg_type": "D", "fields": fields}

    def replace(cl_ord_id: str, orig: str, quantity: int, price: str) -> dict[str, Any]:
        fields = [[11, cl_ord_id], [41, orig], [55, "NVDA"], [54, "1"], [60, "20240102-10:00:00"], [38, quantity],
                  [40, "2"], [44, price]]
        return {"op": "send", "msg_type": "G", "fields": fields}

    run = await run_initiator(desk.spec("OMS1", session(
        limit_order("L1", 3000),
        until("L1", ["0"], 5),
        replace("L2", "L1", 2000, "100.05"),
        {"op": "wait_match", "match": {"35": "8", "150": "5", "11": "L2"}, "timeout": 5},
        limit_order("M1", 1000),  # L's parent now works at 100.05: M1 starts a parent at 100.00
        until("M1", ["0"], 5),
        limit_order("N1", 1000),  # aggregated with M1
        until("N1", ["0"], 5),
        replace("N2", "N1", 1000, "100.05"),
        {"op": "wait", "msg_type": "9", "count": 1, "timeout": 5},
    )), 20)
    assert_clean(run)
    replaced = next(r for r in run.messages("from_app", "8") if r[150] == "5")
    assert (replaced[11], replaced[41], replaced[38], replaced[44], replaced[39]) == ("L2", "L1", "2000", "100.05", "0")
    [refused] = run.messages("from_app", "9")
    assert (refused[11], refused[41], refused[434], refused[102]) == ("N2", "N1", "2", "99")
    assert "other open ticket(s)" in refused[58]
    limits = sorted(p.limit_price for p in desk.engine.store.parents() if p.symbol == "NVDA")
    assert limits == [Decimal("100.00"), Decimal("100.05")]


async def test_an_expire_time_replace_moves_the_parents_end_and_quickfix_takes_the_reports(desk):
    later = desk.expire_in(90)
    order = [[11, "E1"], [55, "NVDA"], [54, "2"], [60, "20240102-10:00:00"], [38, 2000], [40, "1"], [59, "0"],
             [9100, "TWAP"]]
    replace = [[11, "E2"], [41, "E1"], [55, "NVDA"], [54, "2"], [60, "20240102-10:00:00"], [38, 2000], [40, "1"],
               [59, "6"], [126, later]]
    run = await run_initiator(desk.spec("OMS1", session(
        {"op": "send", "msg_type": "D", "fields": order},
        until("E1", ["0"], 5),
        {"op": "send", "msg_type": "G", "fields": replace},
        {"op": "wait_match", "match": {"35": "8", "150": "5", "11": "E2"}, "timeout": 5},
    )), 20)
    assert_clean(run)  # QuickFIX validated every report against its FIX44.xml
    replaced = next(r for r in run.messages("from_app", "8") if r[150] == "5")
    assert (replaced[41], replaced[59], replaced[126][:17]) == ("E1", "6", later[:17])
    [parent] = [p for p in desk.engine.store.parents() if p.symbol == "NVDA"]
    assert utc_timestamp(parent.end_ns)[:17] == later[:17]


async def test_a_wrong_comp_id_or_password_is_refused(desk):
    stranger, guesser = await asyncio.gather(
        run_initiator(desk.spec("INTRUDER", [{"op": "wait_logout", "timeout": 5}], password=None), 15),
        run_initiator(desk.spec("OMS1", [{"op": "wait", "msg_type": "5", "timeout": 5}], password="guess"), 15),
    )
    for run in (stranger, guesser):
        assert not run.logged_on and not run.named("timeout")
    assert stranger.messages("from_admin") == []  # a stranger is disconnected without a word (QuickFIX)
    [logout] = guesser.messages("from_admin", "5")
    assert logout[58]
    assert desk.engine.tickets() == []


async def test_a_ticket_canceled_while_its_block_works_on_gets_the_blocks_final_average(desk):
    """Two QuickFIX orders in one block; the first is canceled after its first shares while the second works
    on. When the block closes, the first order's last report (a Calculated report, ExecType B, when the
    average moved after its cancel) carries the block's final average, as the desk's ticket row shows, and
    QuickFIX takes it without a Reject."""
    expire = desk.expire_in(5)
    run = await run_initiator(desk.spec("OMS1", session(
        order("E1", "AAPL", "1", 3000, expire),
        order("E2", "AAPL", "1", 2000, expire),
        until("E1", ["1"], 10),
        {"op": "send", "msg_type": "F", "fields": [[11, "E1X"], [41, "E1"], [55, "AAPL"], [54, "1"],
                                                   [60, "20240102-10:00:00"]]},
        until("E1X", ["4"], 5),
        until("E2", TERMINAL, 20),
        {"op": "sleep", "seconds": 1.0},
    )), 40)
    assert_clean(run)
    rows = {r.client_order_id: r for r in desk.engine.tickets()}
    assert rows["E1"].parent_id == rows["E2"].parent_id
    assert desk.engine.store.parent(rows["E1"].parent_id).status.is_terminal
    for reports in reports_by_order(run).values():
        if reports[-1][37] == "NONE":
            continue
        row = desk.engine.ticket(TicketId(reports[-1][37]))
        assert row is not None and row.allocated == int(reports[-1][14])
        assert Decimal(reports[-1][6]) == row.avg_price, [(r[150], r[39], r[6]) for r in reports]
    calculated = [r for r in run.messages("from_app", "8") if r[150] == "B"]
    assert all(r[11] == "E1X" and r[39] == "4" for r in calculated), calculated
