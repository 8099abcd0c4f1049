"""Every ticket control at its boundary on the real engine path: just under (or at) the limit is accepted,
just over is refused with the rule, the field, and a journaled `RiskBlocked` naming value and limit. Each
test turns on only the control it tests."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import Side
from engine.results import SubmitResult
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, control, limits


def refused(d: Desk, result: SubmitResult, rule: str, *words: str) -> ev.RiskBlocked:
    assert not result.accepted and not result.needs_confirmation, result
    block = d.blocks()[-1]
    assert block.rule == rule, block
    assert all(w in block.reason for w in words), block.reason
    assert block.reason == result.reason and block.value and block.limit
    return block


def test_max_order_qty_per_firm_instrument_and_account(desk: MakeDesk) -> None:
    d = desk(limits(max_order_qty=control(firm=1000, instrument={"MSFT": 500}, account={"PM2": 300})))
    assert d.ticket(1000).accepted
    result = d.ticket(1001)
    assert result.field == "quantity"
    refused(d, result, "max_order_qty", "1,001", "1,000")
    assert d.ticket(500, symbol="MSFT").accepted
    block = refused(d, d.ticket(501, symbol="MSFT"), "max_order_qty", "501", "500")
    assert (block.scope, block.key) == ("instrument", "MSFT")
    assert d.ticket(300, account="PM2").accepted
    block = refused(d, d.ticket(301, account="PM2"), "max_order_qty", "301", "account PM2")
    assert (block.scope, block.key, block.value, block.limit) == ("account", "PM2", "301", "300")


def test_max_order_notional_at_the_limit_price_or_the_mid(desk: MakeDesk) -> None:
    d = desk(limits(max_order_notional=control(firm="100020")))
    assert d.ticket(1000, limit="100.02").accepted  # 100,020.00
    refused(d, d.ticket(1000, limit="100.03"), "max_order_notional", "100,030.00", "100,020.00")
    assert d.ticket(1000).accepted  # market: valued at the mid 100.01
    refused(d, d.ticket(1001), "max_order_notional", "100,110.01")


def test_price_collar_against_the_far_touch_in_percent(desk: MakeDesk) -> None:
    d = desk(limits(price_collar=control(firm=1)))  # buys vs the ask 100.02 (+/- 1.0002), sells vs the bid 100.00
    assert d.ticket(10, limit="101.02").accepted and d.ticket(10, limit="99.02").accepted
    result = d.ticket(10, limit="101.03")
    assert result.field == "limit"
    refused(d, result, "price_collar", "101.03", "1%", "ask 100.02")
    refused(d, d.ticket(10, limit="99.01"), "price_collar", "99.01")
    refused(d, d.ticket(10, limit="1.00"), "price_collar", "1.00")  # the BUY at 1.00
    assert d.ticket(10, side=Side.SELL, limit="99.00").accepted
    refused(d, d.ticket(10, side=Side.SELL, limit="98.99"), "price_collar", "bid 100.00")


def test_price_collar_in_ticks_and_against_the_previous_close_without_a_book(desk: MakeDesk) -> None:
    config = limits(price_collar=control(firm="0.1", ticks=20))
    d = desk(replace(config, previous_close={"AAPL": Decimal("100.00")}), start=False)
    d.engine.start()  # no books: the previous close is the reference, the band 20 ticks (0.20 > 0.1%)
    assert d.ticket(10, limit="100.20").accepted
    refused(d, d.ticket(10, limit="100.21"), "price_collar", "previous close 100.00", "20 ticks")


def test_max_position_counts_open_tickets_at_once_and_lets_reductions_through(desk: MakeDesk) -> None:
    d = desk(limits(max_position=control(firm=1000, account={"PM2": 100})))
    assert d.ticket(600).accepted and d.ticket(400).accepted  # 1,000 in flight
    refused(d, d.ticket(1), "max_position", "1,001", "1,000")
    assert d.ticket(1000, side=Side.SELL).accepted  # the other way: back to nothing in flight net
    assert d.ticket(100, symbol="MSFT", account="PM2").accepted
    refused(d, d.ticket(1, symbol="MSFT", account="PM2"), "max_position", "account PM2")


def test_max_gross_and_credit_value_open_orders_and_positions(desk: MakeDesk) -> None:
    d = desk(limits(max_gross=control(firm="100010"), credit=control(firm="100010")))
    assert d.ticket(1000).accepted  # 1,000 x mid 100.01
    refused(d, d.ticket(1, symbol="MSFT"), "max_gross", "100,060.01")
    e = desk(limits(credit=control(firm="100000")))
    assert e.ticket(1000, limit="100.00").accepted
    refused(e, e.ticket(1, limit="100.00"), "credit", "100,100.00", "100,000.00")
    assert e.ticket(5000, side=Side.SELL, symbol="MSFT").accepted  # a sale brings cash in


def test_daily_notional_counts_what_traded_and_what_is_open(desk: MakeDesk) -> None:
    d = desk(limits(daily_notional=control(firm="150000")))
    pid = d.parent(1000, limit="100.00")
    [child] = d.send(pid, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # 100,000 traded, the ticket done
    assert d.engine.store.parent(pid).status.is_terminal
    assert d.ticket(500, limit="100.00").accepted  # 150,000.00: the limit
    refused(d, d.ticket(1, limit="100.00"), "daily_notional", "150,100.00", "150,000.00")



def test_daily_notional_for_one_instrument_counts_its_own_trades_and_open_tickets(desk: MakeDesk) -> None:
    d = desk(limits(daily_notional=control(instrument={"MSFT": "60000"})))
    aapl = d.parent(1000, limit="100.00")
    [child] = d.send(aapl, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # 100,000 traded in AAPL: not MSFT's
    msft = d.parent(600, symbol="MSFT", limit="50.00")
    [child] = d.send(msft, 600, "50.00")
    d.fill(child, 600, "50.00")  # 30,000 traded in MSFT
    assert d.ticket(500, symbol="MSFT", limit="50.00").accepted  # + 25,000 open
    block = refused(d, d.ticket(101, symbol="MSFT", limit="50.00"), "daily_notional", "60,050.00", "60,000.00")
    assert (block.scope, block.key) == ("instrument", "MSFT")
    assert d.ticket(100, symbol="MSFT", limit="50.00").accepted  # 60,000.00: the limit
    assert d.ticket(1000, limit="100.00").accepted  # AAPL has no limit of its own

def test_max_open_tickets_and_ticket_rate(desk: MakeDesk) -> None:
    d = desk(limits(max_open_tickets=control(account={"PM1": 2})))
    assert d.ticket(10).accepted and d.ticket(10, symbol="MSFT").accepted
    refused(d, d.ticket(10), "max_open_tickets", "3", "2")
    assert d.ticket(10, account="PM2").accepted
    e = desk(limits(ticket_rate=control(firm=2, window_s=1)))
    assert e.ticket(10).accepted and e.ticket(11).accepted
    refused(e, e.ticket(12), "ticket_rate", "3", "2")
    e.clock.advance(NS_PER_S)
    assert e.ticket(13).accepted


def test_duplicate_orders_within_the_window(desk: MakeDesk) -> None:
    d = desk(limits(duplicate_order=control(window_s=5)))
    assert d.ticket(100, limit="100.00").accepted
    d.clock.advance(5 * NS_PER_S - 1)
    refused(d, d.ticket(100, limit="100.00"), "duplicate_order", "5 s")
    assert d.ticket(101, limit="100.00").accepted and d.ticket(100, limit="100.00", account="PM2").accepted
    d.clock.advance(1)
    assert d.ticket(100, limit="100.00").accepted  # the first one is 5 s old: out of the window


def test_restricted_list_and_adv(desk: MakeDesk) -> None:
    config = replace(limits(restricted=control(), adv=control(firm=5)), restricted_symbols=frozenset({"MSFT"}),
                     restricted_by_account={"PM2": frozenset({"AAPL"})}, adv_shares={"AAPL": 10_000})
    d = desk(config)
    result = d.ticket(10, symbol="MSFT")
    assert result.field == "symbol"
    refused(d, result, "restricted", "MSFT", "firm's restricted list")
    refused(d, d.ticket(10, account="PM2"), "restricted", "account PM2's")
    assert d.ticket(500).accepted  # 5% of 10,000
    refused(d, d.ticket(501), "adv", "5.01%", "10,000")


def test_a_halted_scope_refuses_and_a_reducing_one_takes_only_reducing_tickets(desk: MakeDesk) -> None:
    d = desk(limits())
    S, T = ev.RiskScope, ev.TradingState
    assert d.engine.kill("check", scope=S.INSTRUMENT, key="MSFT").ok
    refused(d, d.ticket(10, symbol="MSFT"), "halted", "instrument MSFT is halted")
    pid = d.parent(1000, account="PM1")
    [child] = d.send(pid, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # PM1 long 1,000 AAPL (and the firm)
    assert d.engine.set_trading_state(S.ACCOUNT, "PM1", T.REDUCING, "over budget").ok
    refused(d, d.ticket(1), "reducing", "account PM1 is reducing")
    assert d.ticket(1000, side=Side.SELL).accepted
    refused(d, d.ticket(1, side=Side.SELL), "reducing")  # past flat with what is in flight
    assert d.ticket(1, account="PM2").accepted


def test_a_soft_breach_needs_confirmation_then_goes_through(desk: MakeDesk) -> None:
    d = desk(limits(max_order_qty=control("soft", 1000)))
    result = d.ticket(1001)
    assert not result.accepted and result.needs_confirmation and result.field == "quantity"
    assert "needs confirmation" in result.reason and "1,001" in result.reason
    assert d.journaled(ev.TicketRejected) == [] and d.engine.store.parents() == []
    [warned] = d.journaled(ev.RiskWarned)
    assert (warned.rule, warned.outcome, warned.value, warned.limit) == ("max_order_qty", "needs confirmation",
                                                                         "1001", "1000")
    assert d.ticket(1001, confirmed=True).accepted
    assert d.journaled(ev.RiskWarned)[-1].outcome == "confirmed (gui)"
    assert any("max_order_qty" in a.text for a in d.journaled(ev.AlertRaised))


def test_an_oms_ticket_breaching_a_soft_limit_goes_on_with_a_warning_unless_configured_hard(desk: MakeDesk) -> None:
    config = limits(max_order_qty=control("soft", 1000))
    d = desk(config)
    assert d.ticket(1001, source="fix:OMS1", client_order_id="A1").accepted
    assert d.journaled(ev.RiskWarned)[-1].outcome == "accepted with a warning"
    e = desk(replace(config, fix_soft_blocks=True))
    refused(e, e.ticket(1001, source="fix:OMS1", client_order_id="A2"), "max_order_qty")
    assert e.blocks()[-1].parent_id == "A2"


def test_a_basket_counts_its_own_rows_against_the_limits(desk: MakeDesk) -> None:
    from engine.ticket_flow import TicketRequest

    d = desk(limits(max_position=control(firm=1000)))
    end = d.clock.now_ns() + 3600 * NS_PER_S
    rows = [TicketRequest("AAPL", Side.BUY, 600, None, "IDLE", end, account="PM1"),
            TicketRequest("AAPL", Side.BUY, 600, None, "IDLE", end, account="PM2")]
    results = d.engine.submit_basket(rows)
    assert not any(r.accepted for r in results) and "1,200" in results[1].reason
    assert d.engine.submit_basket(rows[:1])[0].accepted  # nothing of the refused basket stayed in flight


def test_a_basket_counts_each_of_its_rows_once_against_the_open_tickets_limit(desk: MakeDesk) -> None:
    """A basket of as many rows as the limit allows is accepted; one more row and the last one is refused,
    naming the count with it (each earlier row of the basket counted once, as the tickets it will be)."""
    from engine.ticket_flow import TicketRequest

    d = desk(limits(max_open_tickets=control(firm=4)))
    end = d.clock.now_ns() + 3600 * NS_PER_S
    rows = [TicketRequest("AAPL", Side.BUY, 100 + n, None, "IDLE", end, account="PM1") for n in range(5)]
    first = d.engine.submit_basket(rows[:4])
    assert all(r.accepted for r in first), [r.reason for r in first]
    e = desk(limits(max_open_tickets=control(firm=4)))
    results = e.engine.submit_basket(rows)
    assert not any(r.accepted for r in results)
    assert [r.for_other_rows for r in results] == [True] * 4 + [False]
    refused(e, results[4], "max_open_tickets", "5", "4")
    f = desk(limits(ticket_rate=control(firm=4, window_s=60)))  # the rate, counted the same way
    assert all(r.accepted for r in f.engine.submit_basket(rows[:4]))
    g = desk(limits(ticket_rate=control(firm=4, window_s=60)))
    refused(g, g.engine.submit_basket(rows)[4], "ticket_rate", "5", "4")


def test_an_accepted_basket_leaves_in_flight_exactly_what_its_tickets_accepted_one_by_one_would(
        desk: MakeDesk) -> None:
    """A basket's rows are in flight from their check (tentatively) and become the tickets they are accepted
    as: nothing is counted twice or left behind under a tentative name."""
    from engine.ticket_flow import TicketRequest

    end_s = 3600
    specs = [("AAPL", Side.BUY, 100, None, "PM1"), ("AAPL", Side.BUY, 100, None, "PM1"),  # the same row twice
             ("AAPL", Side.SELL, 300, "101.00", "PM2"), ("MSFT", Side.BUY, 200, "99.50", "PM1"),
             ("MSFT", Side.SELL, 700, None, "PM2")]
    d = desk(limits(max_position=control(firm=1_000_000)))
    end = d.clock.now_ns() + end_s * NS_PER_S
    rows = [TicketRequest(s, side, q, None if p is None else Decimal(p), "IDLE", end, account=a)
            for s, side, q, p, a in specs]
    assert all(r.accepted for r in d.engine.submit_basket(rows))
    e = desk(limits(max_position=control(firm=1_000_000)))
    for s, side, q, p, a in specs:
        assert e.engine.submit_ticket(symbol=s, side=side, quantity=q, limit_price=None if p is None else Decimal(p),
                                      algo="IDLE", end_ns=end, account=a).accepted
    basket, single = d.engine.risk.checks.exposure, e.engine.risk.checks.exposure
    assert not any(t.startswith("tentative") for t in basket.tickets)
    assert basket.tickets == single.tickets and basket.account_tickets == single.account_tickets
    assert (basket.by_account, basket.account_total, basket.ticket_symbol, basket.ticket_total) == (
        single.by_account, single.account_total, single.ticket_symbol, single.ticket_total)
