"""Automatic kills (loss limit, reject rate, message storm) and cancel-on-disconnect: each triggers at its
boundary, acts as "risk", and says what it did."""

from __future__ import annotations

from dataclasses import replace

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import ChildId, VenueId
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, control, limits

S = ev.RiskScope


def long_1000(d: Desk) -> None:
    """PM1 (and the firm) buy 1,000 AAPL at 100.00; fee 3.00."""
    pid = d.parent(3000, account="PM1")
    [child] = d.send(pid, 1000, "100.00")
    d.fill(child, 1000, "100.00")


def move_market(d: Desk, bid: str, ask: str) -> None:
    """Both venues move; a second later the next book update marks the positions (checks run at most every
    `loss_check_interval`, on market data)."""
    for venue in (d.lit1, d.lit2):
        venue.book("AAPL", bid, ask)
    d.clock.advance(NS_PER_S)
    d.lit1.book("AAPL", bid, ask)


def test_the_loss_limit_kills_the_firm_when_the_marked_loss_passes_it(desk: MakeDesk) -> None:
    d = desk(limits(loss_limit=control(firm="5003")))
    long_1000(d)
    move_market(d, "94.99", "95.01")  # mid 95.00: -5,000.00 - 3.00 fees = -5,003.00: at the limit
    assert not d.engine.kill_state()[0]
    move_market(d, "94.98", "95.00")  # -5,013.00
    engaged, reason = d.engine.kill_state()
    assert engaged and reason == "loss limit: P&L -5,013.00 below -5,003.00"
    [killed] = d.journaled(ev.ScopeKilled)
    assert killed.automatic and killed.by == "risk" and killed.scope is S.FIRM


def test_losses_are_checked_again_exactly_one_interval_after_the_last_check(desk: MakeDesk) -> None:
    d = desk(replace(limits(loss_limit=control(firm="5003")), loss_check_interval_ns=NS_PER_S))
    long_1000(d)
    d.clock.advance(NS_PER_S)
    d.lit1.book("AAPL", "99.99", "100.01")  # a check: nothing lost; the next one is due a second later
    d.clock.advance(NS_PER_S - 1)
    for venue in (d.lit1, d.lit2):
        venue.book("AAPL", "94.98", "95.00")  # a loss past the limit, 1 ns before the next check is due
    assert not d.engine.kill_state()[0]
    d.clock.advance(1)
    d.lit1.book("AAPL", "94.98", "95.00")  # due now
    assert d.engine.kill_state() == (True, "loss limit: P&L -5,013.00 below -5,003.00")


def test_an_account_loss_limit_kills_only_the_account(desk: MakeDesk) -> None:
    d = desk(limits(loss_limit=control(account={"PM1": "1000"})))
    long_1000(d)
    move_market(d, "98.96", "99.00")  # mid 98.98: -1,020 - 3
    assert not d.engine.kill_state()[0]
    [changed] = d.journaled(ev.TradingStateChanged)
    assert (changed.scope, changed.key, changed.state, changed.automatic) == (S.ACCOUNT, "PM1",
                                                                              ev.TradingState.HALTED, True)
    assert not d.ticket(10, account="PM1").accepted and d.ticket(10, account="PM2").accepted



def test_a_desk_loss_limit_sums_its_accounts_and_kills_only_the_desk(desk: MakeDesk) -> None:
    d = desk(limits(loss_limit=control(desk={"EQ": "1003"}), desks={"PM1": "EQ", "PM2": "EQ"}))
    for account in ("PM1", "PM2"):  # 500 each at 100.00: neither account alone is near the desk's limit
        pid = d.parent(3000, account=account)
        [child] = d.send(pid, 500, "100.00")
        d.fill(child, 500, "100.00")
    move_market(d, "98.99", "99.01")  # mid 99.00: 2 x (-500.00 - 1.50 fees) = -1,003.00: at the limit
    assert not d.journaled(ev.TradingStateChanged)
    move_market(d, "98.98", "99.00")  # -1,013.00
    [changed] = d.journaled(ev.TradingStateChanged)
    assert (changed.scope, changed.key, changed.state, changed.automatic) == (S.DESK, "EQ",
                                                                              ev.TradingState.HALTED, True)
    assert "desk P&L -1,013.00 below -1,003.00" in changed.reason
    assert not d.engine.kill_state()[0]
    assert not d.ticket(10, account="PM2").accepted and d.ticket(10, account="PM3").accepted

def reject(d: Desk, child_id: ChildId) -> None:
    venue = d.venue_of(child_id)
    assert venue.listener is not None
    venue.listener.on_order_event(ev.ChildRejected(d.clock.now_ns(), child_id, "venue says no"))


def test_a_venue_rejecting_too_much_is_killed(desk: MakeDesk) -> None:
    d = desk(limits(reject_rate=control(firm=50, min_orders=4, window_s=10)))
    pid = d.parent(10_000)
    children = [c for _ in range(4) for c in d.send(pid, 10, "100.00")]
    venue = d.venue_of(children[0]).venue_id
    at_venue = [c for c in children if d.venue_of(c).venue_id == venue]
    assert len(at_venue) == 4  # passive children rest at the same venue
    reject(d, at_venue[0])
    reject(d, at_venue[1])  # 2 of 4: 50%, the limit
    assert d.journaled(ev.ScopeKilled) == []
    reject(d, at_venue[2])  # 3 of 4
    [killed] = d.journaled(ev.ScopeKilled)
    assert (killed.scope, killed.key, killed.automatic) == (S.VENUE, venue, True)
    assert at_venue[3] in killed.children_canceled and "3 of 4" in killed.reason


def test_a_message_storm_kills_the_firm(desk: MakeDesk) -> None:
    d = desk(limits(message_storm=control(firm=5, window_s=1)))
    pid = d.parent(10_000)
    for _ in range(5):
        assert d.send(pid, 10, "100.00")
    assert not d.engine.kill_state()[0]
    d.send(pid, 10, "100.00")  # the sixth new order in the second
    engaged, reason = d.engine.kill_state()
    assert engaged and "message storm: 6 messages in 1 s (limit 5)" in reason
    assert len(d.lit1.cancels + d.lit2.cancels) == 6  # the kill's own cancels do not storm again
    assert len(d.journaled(ev.ScopeKilled)) == 1


def test_orders_at_a_dropped_venue_are_canceled_on_reconnect_unless_the_venue_closed_them(desk: MakeDesk) -> None:
    d = desk(limits())
    pid = d.parent(10_000)
    children = [c for _ in range(3) for c in d.send(pid, 10, "100.00")]
    venue = d.venue_of(children[0])
    assert venue.listener is not None
    venue.listener.on_venue_status(ev.VenueStatusChanged(d.clock.now_ns(), venue.venue_id, False, "link down"))
    [at_risk] = d.journaled(ev.VenueOrdersAtRisk)
    assert set(at_risk.child_ids) == set(children)
    sent_before = len(d.sent())
    d.send(pid, 10, "100.00")  # the router still likes that venue: blocked, and the parent not paused
    assert len(d.sent()) == sent_before and d.blocks()[-1].rule == "venue_disconnected"
    assert not d.engine.store.parent(pid).paused
    venue.canceled(children[0], "canceled by the venue on disconnect")  # the venue closed this one itself
    venue.listener.on_venue_status(ev.VenueStatusChanged(d.clock.now_ns(), venue.venue_id, True, "link up"))
    assert venue.cancels == children[1:]
    assert d.send(pid, 10, "100.00")


def test_an_oms_session_drop_cancels_its_tickets_only_when_configured(desk: MakeDesk) -> None:
    d = desk(limits())
    d.ticket(100, source="fix:OMS1", client_order_id="A")
    assert d.engine.on_session_lost("fix:OMS1").ok
    assert d.engine.tickets()[0].leaves == 100
    assert any("keep working" in a.text for a in d.journaled(ev.AlertRaised))
    e = desk(replace(limits(), cancel_on_oms_disconnect=True))
    e.ticket(100, source="fix:OMS1", client_order_id="A")
    e.ticket(100, symbol="MSFT", source="fix:OMS2", client_order_id="B")
    assert e.engine.on_session_lost("fix:OMS1").ok
    rows = {r.source: r for r in e.engine.tickets()}
    assert rows["fix:OMS1"].leaves == 0 and rows["fix:OMS2"].leaves == 100
    assert any("1 of 1 open ticket(s) canceled" in a.text for a in e.journaled(ev.AlertRaised))


def test_venue_ids_are_typed() -> None:
    assert VenueId("LIT1") == "LIT1"


def test_a_bust_that_leaves_a_worse_position_is_checked_against_the_loss_limit_at_once(desk: MakeDesk) -> None:
    """Bought 500 at 90.00 and 500 at 100.00, marked at 95.00: about flat. The venue busts the cheap fill:
    500 left at 100.00 lose 2,500 at the mark, past the firm's 2,000, and the firm is killed in that turn."""
    d = desk(limits(loss_limit=control(firm="2000")))
    pid = d.parent(3000, account="PM1")
    [child] = d.send(pid, 1000, "100.00")
    d.venue_of(child).fill(child, 500, "90.00", fill_id="CHEAP")
    d.fill(child, 500, "100.00")
    move_market(d, "94.99", "95.01")
    assert not d.engine.kill_state()[0]
    d.venue_of(child).bust(child, "CHEAP")
    engaged, reason = d.engine.kill_state()
    assert engaged and reason.startswith("loss limit: P&L -2,50"), reason
