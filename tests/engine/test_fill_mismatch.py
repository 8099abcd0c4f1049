"""A venue's execution that is not our order's (another side or instrument) is refused, never booked; one priced
through the child's limit is booked (the venue says it executed) and flagged as an error that pauses the
parent. On the engine path: store, positions, tickets' allocations, journal, alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import events as ev
from engine.model import ChildId, FillId, Liquidity, Side, Symbol
from tests.engine.risk.harness import Desk

AAPL, MSFT = Symbol("AAPL"), Symbol("MSFT")


def report(d: Desk, child: ChildId, fill_id: str, quantity: int, price: str, *, side: Side | None = None,
           symbol: Symbol | None = None) -> None:
    venue = d.venue_of(child)
    order = venue.submitted[child]
    assert venue.listener is not None
    venue.listener.on_order_event(ev.ChildFilled(
        d.clock.now_ns(), FillId(fill_id), child, order.parent_id, venue.venue_id, symbol or order.symbol,
        side or order.side, quantity, Decimal(price), Decimal("0.30"), Liquidity.ADDED))


def working_child(d: Desk) -> tuple[ChildId, str]:
    result = d.ticket(1000, limit="100.00")
    assert result.parent_id is not None
    [child] = d.send(result.parent_id, 300, "100.00")
    d.venue_of(child).ack(child)
    return child, result.parent_id


@pytest.mark.parametrize(("side", "symbol", "said"), [(Side.SELL, None, "is a SELL of AAPL; the child is a BUY of "
                                                                         "AAPL"),
                                                      (None, MSFT, "is a BUY of MSFT; the child is a BUY of AAPL")])
def test_an_execution_of_another_side_or_instrument_is_refused_and_never_booked(
        idle_desk: Desk, side: Side | None, symbol: Symbol | None, said: str) -> None:
    child, pid = working_child(idle_desk)
    report(idle_desk, child, "X1", 100, "100.00", side=side, symbol=symbol)
    store = idle_desk.engine.store
    assert store.child(child).cum_qty == 0 and store.parent(pid).cum_qty == 0 and not store.fills()
    assert idle_desk.engine.risk.checks.position(AAPL) == 0 and idle_desk.engine.risk.checks.position(MSFT) == 0
    assert not idle_desk.journaled(ev.TicketsAllocated)
    [refused] = idle_desk.journaled(ev.ReportRefused)
    assert said in refused.reason
    [alert] = [a for a in idle_desk.journaled(ev.AlertRaised) if a.severity == "error"]
    assert said in alert.text and store.parent(pid).paused
    report(idle_desk, child, "X2", 100, "100.00")  # the venue's true execution is booked as ever
    assert store.child(child).cum_qty == 100 and idle_desk.engine.risk.checks.position(AAPL) == 100


def test_an_execution_through_the_childs_limit_is_booked_and_flagged(idle_desk: Desk) -> None:
    child, pid = working_child(idle_desk)
    report(idle_desk, child, "X1", 100, "100.00")  # at the limit: nothing to say
    assert not idle_desk.journaled(ev.FillAnomaly)
    report(idle_desk, child, "X2", 50, "100.01")
    store = idle_desk.engine.store
    assert store.child(child).cum_qty == 150 and idle_desk.engine.risk.checks.position(AAPL) == 150  # it executed
    [anomaly] = idle_desk.journaled(ev.FillAnomaly)
    assert "filled at 100.01, through its limit 100.00" in anomaly.detail
    [alert] = [a for a in idle_desk.journaled(ev.AlertRaised) if a.severity == "error"]
    assert "through its limit" in alert.text and store.parent(pid).paused


def test_a_sell_filled_below_its_limit_is_flagged_too(idle_desk: Desk) -> None:
    result = idle_desk.ticket(1000, side=Side.SELL, limit="100.02")
    assert result.parent_id is not None
    [child] = idle_desk.send(result.parent_id, 300, "100.02")
    report(idle_desk, child, "X1", 100, "100.01")
    [anomaly] = idle_desk.journaled(ev.FillAnomaly)
    assert "filled at 100.01, through its limit 100.02" in anomaly.detail


@pytest.mark.parametrize("quantity", [0, -100])
def test_an_execution_of_no_or_negative_shares_is_refused_and_never_booked(idle_desk: Desk, quantity: int) -> None:
    child, pid = working_child(idle_desk)
    report(idle_desk, child, "X1", 100, "100.00")
    report(idle_desk, child, "X2", quantity, "100.00")  # would take shares off what the venue executed
    store = idle_desk.engine.store
    assert store.child(child).cum_qty == 100 and store.parent(pid).cum_qty == 100 and len(store.fills()) == 1
    assert idle_desk.engine.risk.checks.position(AAPL) == 100
    [refused] = idle_desk.journaled(ev.ReportRefused)
    assert f"fill of {quantity} shares" in refused.reason
