"""Every child control at its boundary on the real engine path: the child at the limit reaches its venue, the
one past it is journaled `RiskBlocked` (rule, value, limit) and reaches no venue. A hard block pauses the
parent, except transient ones (rates, the venue's session, self-match), after which the algo tries again."""

from __future__ import annotations

from dataclasses import replace

from engine import events as ev
from engine.clock import NS_PER_S
from engine.model import ParentId, Side
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, control, limits


def blocked(d: Desk, rule: str, *words: str, paused: bool = True, parent_id: ParentId | None = None) -> ev.RiskBlocked:
    block = d.blocks()[-1]
    assert block.rule == rule, block
    assert all(w in block.reason for w in words), block.reason
    assert block.value and block.limit
    if parent_id is not None:
        assert block.parent_id == parent_id
        assert d.engine.store.parent(parent_id).paused is paused
    return block


def test_child_quantity_with_an_instrument_override(desk: MakeDesk) -> None:
    d = desk(limits(max_child_qty=control(firm=1000, instrument={"MSFT": 100})))
    msft = d.parent(1000, symbol="MSFT")
    assert d.send(msft, 100, "50.00")
    assert d.send(msft, 101, "50.00") == []
    blocked(d, "max_child_qty", "101", "100", parent_id=msft)
    assert [o.quantity for o in d.sent()] == [100]
    aapl = d.parent(3000)
    assert d.send(aapl, 1000, "100.00") and d.send(aapl, 1001, "100.00") == []


def test_child_notional_and_price_band_in_ticks(desk: MakeDesk) -> None:
    d = desk(limits(max_child_notional=control(firm="10000"), child_price_band=control(firm="0.01", ticks=3)))
    pid = d.parent(1000)
    assert d.send(pid, 100, "100.00")  # 10,000.00
    assert d.send(pid, 101, "100.00") == []
    blocked(d, "max_child_notional", "10,100.00", "10,000.00", parent_id=pid)
    e = desk(limits(child_price_band=control(firm="0.01", ticks=3)))  # mid 100.01: 3 ticks beat 0.01%
    pid = e.parent(1000)
    assert e.send(pid, 10, "99.98")
    assert e.send(pid, 10, "99.97") == []
    blocked(e, "price_band", "99.97", "3 ticks", "mid 100.01", parent_id=pid)


def test_a_sweep_counts_each_child_it_clears_against_the_next(desk: MakeDesk) -> None:
    d = desk(limits())
    pid = d.parent(3000)
    d.engine.risk.checks.set_limits(limits(max_position=control(firm=1000)))  # lowered during the day
    sent = d.send(pid, 1200, "100.02", sweep=True)  # 1,000 shown at each venue
    assert [o.quantity for o in d.sent()] == [1000] and len(sent) == 1
    blocked(d, "max_position", "1,200", "1,000", parent_id=pid)
    [decided] = d.journaled(ev.ChildDecided)
    assert decided.risk_rule == "max_position" and decided.child_ids == tuple(sent)


def a_parent_under_a_position_limit_of_1000(desk: MakeDesk) -> tuple[Desk, ParentId]:
    d = desk(limits())
    pid = d.parent(3000)
    d.engine.risk.checks.set_limits(limits(max_position=control(firm=1000)))
    return d, pid


def one_more_share_is_blocked(d: Desk, pid: ParentId) -> None:
    """At the limit with what is filled and working: one more share is blocked, naming 1,001."""
    assert d.send(pid, 1, "100.00") == []
    blocked(d, "max_position", "1,001", parent_id=pid)


def test_position_limit_sees_fills_and_working_children(desk: MakeDesk) -> None:
    d, pid = a_parent_under_a_position_limit_of_1000(desk)
    [child] = d.send(pid, 600, "100.00")
    d.fill(child, 600, "100.00")  # long 600
    assert d.send(pid, 400, "100.00")  # 600 + 400 working
    one_more_share_is_blocked(d, pid)


def test_a_fill_after_the_cancel_ack_counts_in_the_position_and_nothing_stays_in_flight(desk: MakeDesk) -> None:
    d, pid = a_parent_under_a_position_limit_of_1000(desk)
    [child] = d.send(pid, 600, "100.00")
    d.venue_of(child).canceled(child)
    d.fill(child, 400, "100.00")  # the venue's fill raced our cancel: a fact, booked (and the parent paused)
    assert d.engine.store.child(child).cum_qty == 400
    assert d.engine.resume(pid).ok
    assert d.send(pid, 600, "100.00")  # long 400 + 600 working: the canceled child holds nothing
    one_more_share_is_blocked(d, pid)


def test_a_bust_of_a_filled_child_takes_its_shares_off_the_position_and_puts_none_in_flight(desk: MakeDesk) -> None:
    d, pid = a_parent_under_a_position_limit_of_1000(desk)
    [child] = d.send(pid, 1000, "100.00")
    d.venue_of(child).fill(child, 1000, "100.00", fill_id="F1")
    assert d.send(pid, 1, "100.00") == []  # long 1,000: at the limit
    d.venue_of(child).bust(child, "F1")
    assert d.engine.resume(pid).ok
    assert d.send(pid, 1000, "100.00")  # flat again, and the done child is not out at its venue
    one_more_share_is_blocked(d, pid)


def test_credit_for_children(desk: MakeDesk) -> None:
    d = desk(limits())
    pid = d.parent(3000)
    d.engine.risk.checks.set_limits(limits(credit=control(firm="100000")))
    assert d.send(pid, 1000, "100.00")
    assert d.send(pid, 1, "100.00") == []
    blocked(d, "credit", "100,100.00", "100,000.00", parent_id=pid)


def test_daily_notional_for_children_counts_fills_and_working(desk: MakeDesk) -> None:
    d = desk(limits())
    buy = d.parent(3000)
    sell = d.parent(1500, side=Side.SELL, symbol="MSFT", account="PM2")
    d.engine.risk.checks.set_limits(limits(daily_notional=control(firm="150000")))
    [child] = d.send(buy, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # 100,000.00 traded
    assert d.send(sell, 999, "50.02")  # + 49,969.98 working
    assert d.send(sell, 1, "50.02") == []
    blocked(d, "daily_notional", "150,020.00", "150,000.00", parent_id=sell)



def test_daily_notional_for_one_instrument_counts_only_its_own_fills_and_working(desk: MakeDesk) -> None:
    d = desk(limits())
    aapl = d.parent(3000)
    msft = d.parent(3000, symbol="MSFT", account="PM2")
    d.engine.risk.checks.set_limits(limits(daily_notional=control(instrument={"MSFT": "60000"})))
    [child] = d.send(aapl, 1000, "100.00")
    d.fill(child, 1000, "100.00")  # 100,000.00 in AAPL: not MSFT's
    [child] = d.send(msft, 600, "50.00")
    d.fill(child, 600, "50.00")  # 30,000.00 traded in MSFT
    assert d.send(msft, 599, "50.00")  # + 29,950.00 working
    assert d.send(msft, 2, "50.00") == []
    blocked(d, "daily_notional", "60,050.00", "60,000.00", parent_id=msft)
    assert d.send(aapl, 100, "100.00")  # the firm has no limit of its own here

def test_max_open_children_per_venue_and_firm(desk: MakeDesk) -> None:
    d = desk(limits(max_open_children=control(firm=3, venue={"LIT1": 1})))
    pid = d.parent(10_000)
    assert len(d.send(pid, 2000, "100.02", sweep=True)) == 2  # one child at each venue
    d.send(pid, 2000, "100.02", sweep=True)
    assert len([o for o in d.sent() if o.venue == "LIT1"]) == 1 and len(d.sent()) <= 3
    block = blocked(d, "max_open_children", "2", "1", parent_id=pid)
    assert (block.scope, block.key) == ("venue", "LIT1")
    e = desk(limits(max_open_children=control(firm=2)))
    pid = e.parent(10_000)
    assert len(e.send(pid, 2000, "100.02", sweep=True)) == 2
    assert e.send(pid, 10, "100.00") == []
    assert (e.blocks()[-1].rule, e.blocks()[-1].value, e.blocks()[-1].limit) == ("max_open_children", "3", "2")


def test_rates_block_new_children_but_never_cancels_and_do_not_pause(desk: MakeDesk) -> None:
    d = desk(limits(child_rate=control(firm=2, window_s=1), message_rate=control(firm=4, window_s=1)))
    pid = d.parent(10_000)
    first = d.send(pid, 10, "100.00")
    assert d.send(pid, 10, "100.00") and d.send(pid, 10, "100.00") == []
    blocked(d, "child_rate", "3", "2", paused=False, parent_id=pid)
    d.clock.advance(NS_PER_S)
    assert d.send(pid, 10, "100.00")  # a new second
    assert d.engine.cancel(pid).ok  # three cancels: messages, never blocked
    assert {c for v in (d.lit1, d.lit2) for c in v.cancels} >= set(first)
    e = desk(limits(message_rate=control(firm=3, window_s=1)))
    pid = e.parent(10_000)
    [one] = e.send(pid, 10, "100.00")
    e.engine.algo(pid).ctx.cancel_child(one, "test")  # type: ignore[union-attr]
    assert e.send(pid, 10, "100.00") and e.send(pid, 10, "100.00") == []
    blocked(e, "message_rate", "4", "3", paused=False, parent_id=pid)


def test_repeated_executions_of_one_parent_pause_it(desk: MakeDesk) -> None:
    d = desk(limits(repeated_execution=control(firm=3, window_s=10)))
    pid = d.parent(10_000)
    for _ in range(3):
        assert d.send(pid, 10, "100.00")
    assert d.send(pid, 10, "100.00") == []
    blocked(d, "repeated_execution", "4", "3", parent_id=pid)
    other = d.parent(10, symbol="MSFT")
    assert d.send(other, 10, "50.00")  # per parent


def test_self_match_stops_a_child_that_would_trade_with_our_own(desk: MakeDesk) -> None:
    d = desk(limits(self_match=control()))
    buy = d.parent(1000, account="PM1", allow_cross=False)
    [resting] = d.send(buy, 500, "100.00")
    venue = d.venue_of(resting).venue_id
    sell = d.parent(1000, side=Side.SELL, account="PM2", allow_cross=False)
    d.send(sell, 2000, "100.00", sweep=True)  # takes the bids: ours among them at `venue`
    block = blocked(d, "self_match", resting, str(venue), paused=False, parent_id=sell)
    assert block.scope == "venue"
    assert not [o for o in d.sent() if o.side is Side.SELL and o.venue == venue]
    assert d.send(sell, 10, "100.01")  # does not reach our bid


def test_self_match_stops_a_buy_at_exactly_our_resting_sells_price(desk: MakeDesk) -> None:
    d = desk(limits(self_match=control()))
    sell = d.parent(1000, side=Side.SELL, account="PM1", allow_cross=False)
    [resting] = d.send(sell, 500, "100.02")
    buy = d.parent(1000, account="PM2", allow_cross=False)
    d.send(buy, 2000, "100.02", sweep=True)  # takes the offers up to 100.02: ours among them
    blocked(d, "self_match", resting, paused=False, parent_id=buy)
    assert not [o for o in d.sent() if o.side is Side.BUY and o.venue == d.venue_of(resting).venue_id]


def test_self_match_stops_a_market_sweep_too(desk: MakeDesk) -> None:
    d = desk(limits(self_match=control()))
    buy = d.parent(1000, account="PM1", allow_cross=False)
    [resting] = d.send(buy, 500, "100.00")
    sell = d.parent(1000, side=Side.SELL, account="PM2", allow_cross=False)
    d.send(sell, 2000, None, sweep=True)  # no limit: it would take our bid at any price
    blocked(d, "self_match", resting, paused=False, parent_id=sell)
    assert not [o for o in d.sent() if o.side is Side.SELL and o.venue == d.venue_of(resting).venue_id]


def test_a_soft_child_control_sends_with_a_warning_once_a_minute(desk: MakeDesk) -> None:
    d = desk(limits(max_child_qty=control("soft", 100)))
    pid = d.parent(1000)
    assert d.send(pid, 150, "100.00") and d.send(pid, 150, "100.00")
    [warned] = d.journaled(ev.RiskWarned)
    assert (warned.rule, warned.outcome, warned.target) == ("max_child_qty", "sent with a warning", pid)
    assert d.blocks() == [] and not d.engine.store.parent(pid).paused


def test_the_restricted_list_applies_to_children_too(desk: MakeDesk) -> None:
    config = replace(limits(restricted=control("soft")), restricted_symbols=frozenset({"MSFT"}))
    d = desk(config)
    pid = d.parent(100, symbol="MSFT", confirmed=True)
    d.engine.risk.checks.set_limits(replace(config, restricted=control("hard")))
    assert d.send(pid, 100, "50.00") == []
    blocked(d, "restricted", "MSFT", parent_id=pid)
