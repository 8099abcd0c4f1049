"""OMS orders over FIX become engine tickets; each ticket gets its own ExecutionReports back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import events as ev
from engine.clock import NS_PER_S
from engine.engine import Engine
from engine.model import ChildId, OrdStatus, ParentId, Side, TicketId
from tests.engine.conftest import OPEN_NS
from tests.engine.fix_app.conftest import OMS1, OMS2, FakeWire, Oms, fill


def statuses(wire: FakeWire, cl_ord_id: str | None = None) -> list[tuple[str, str]]:
    return [(r[150], r[39]) for r in wire.reports(cl_ord_id)]


def ticket_of(wire: FakeWire, cl_ord_id: str) -> TicketId:
    return TicketId(wire.reports(cl_ord_id)[0][37])


def parent_of(engine: Engine, ticket: TicketId) -> ParentId:
    row = engine.ticket(ticket)
    assert row is not None
    return row.parent_id


def one_block(engine: Engine, wire: FakeWire, *orders: tuple[Oms, str, int], symbol: str = "AAPL"
              ) -> tuple[TicketId, TicketId, ParentId]:
    """Two OMS orders that aggregate: their tickets and the one parent working both."""
    (oms_a, cl_a, qty_a), (oms_b, cl_b, qty_b) = orders
    oms_a.new_order(cl_a, qty_a, tags={55: symbol})
    oms_b.new_order(cl_b, qty_b, tags={55: symbol})
    first, second = ticket_of(wire, cl_a), ticket_of(wire, cl_b)
    parent = parent_of(engine, first)
    assert parent_of(engine, second) == parent
    return first, second, parent


def test_new_order_is_acknowledged_pending_new_then_new_with_the_ticket_as_order_id(engine, wire, oms1):
    oms1.new_order("A1", 500, tags={1: "PM-7"})
    assert statuses(wire) == [("A", "A"), ("0", "0")]
    pending, new = wire.reports()
    row = engine.ticket(TicketId(new[37]))
    assert row is not None and row.client_order_id == "A1" and row.account == "PM-7" and row.source == "fix:OMS1"
    assert new[11] == "A1" and new[38] == "500" and new[151] == "500" and new[14] == "0"
    assert pending[17] != new[17]
    assert all(r.session_id == OMS1 for r in wire.sent)


def test_default_account_is_the_oms_comp_id_and_defaults_fill_the_mandate(engine, wire, oms1):
    oms1.new_order("A1", 500, tags={9100: None, 126: None})
    ticket = ticket_of(wire, "A1")
    row = engine.ticket(ticket)
    assert row is not None and row.account == "OMS1"
    parent = engine.store.parent(row.parent_id)
    assert parent.algo == ("VWAP" if "VWAP" in engine.algos else "TWAP")
    assert parent.end_ns == 16 * 3600 * NS_PER_S  # the session close of the clock's day (1970-01-01)


def test_mandate_tags_reach_the_ticket(engine, wire, oms1):
    end = "19700101-11:00:00"
    oms1.new_order("A1", 500, tags={40: "2", 44: "100.05", 59: "6", 126: end, 168: "19700101-09:45:00",
                                    9100: None, 847: 1000, 9101: "HIGH"})
    parent = engine.store.parent(parent_of(engine, ticket_of(wire, "A1")))
    assert parent.algo == "TWAP" and parent.limit_price == Decimal("100.05")
    assert parent.end_ns == 11 * 3600 * NS_PER_S and parent.start_ns == (9 * 3600 + 45 * 60) * NS_PER_S
    assert wire.reports("A1")[-1][44] == "100.05"


@pytest.mark.parametrize(("tags", "text"), [
    ({38: 0}, "OrderQty (38) '0' must be positive"),
    ({55: "ZZZZ"}, "unknown symbol 'ZZZZ'"),
    ({38: "12.5"}, "OrderQty (38) '12.5' is not a whole number"),
    ({40: "2"}, "Price (44) is required"),
    ({40: "3"}, "OrdType (40) '3' is not supported"),
    ({59: "3"}, "TimeInForce (59) '3' is not supported"),
    ({126: "tomorrow"}, "ExpireTime (126) must be a UTC timestamp"),
    ({126: "19700101-09:00:00"}, "end time is already past"),
    ({9100: "FOO"}, "unknown algo 'FOO'"),
    ({9101: "ASAP"}, "Urgency (9101) 'ASAP' is not known"),
    ({54: "5"}, "Side (54) 5 is not supported"),
    ({55: None}, "Symbol (55) is required"),
    ({40: "2", 44: "100.001"}, "not on the AAPL tick"),
])
def test_bad_orders_are_rejected_with_text_naming_the_problem(engine, wire, oms1, tags, text):
    oms1.new_order("BAD", 500, tags=tags)
    [report] = wire.reports()
    assert (report[150], report[39], report[37], report[11]) == ("8", "8", "NONE", "BAD")
    assert text in report[58]
    assert report[14] == "0" and report[151] == "0"
    assert engine.tickets() == []


def test_missing_cl_ord_id_or_side_gets_a_session_level_reject(engine, wire, oms1):
    oms1.new_order("X", tags={11: None})
    oms1.new_order("Y", tags={54: None})
    assert [(tag, text) for _, _, text, tag in wire.session_rejects] == [
        (11, "ClOrdID (11) is required"), (54, "Side (54) is required")]
    assert wire.sent == [] and engine.tickets() == []


def test_duplicate_cl_ord_id_is_rejected_and_the_first_order_untouched(engine, wire, oms1, oms2):
    oms1.new_order("A1", 500)
    wire.take()
    oms1.new_order("A1", 700)
    [report] = wire.take()
    assert report[39] == "8" and report[58] == "duplicate ClOrdID 'A1'" and report[37] == "NONE"
    oms2.new_order("A1", 300)  # ClOrdIDs are per session
    assert statuses(wire) == [("A", "A"), ("0", "0")]
    assert sorted(row.quantity for row in engine.tickets()) == [300, 500]


def test_a_rejected_cl_ord_id_cannot_be_reused(wire, oms1):
    oms1.new_order("A1", 0)
    oms1.new_order("A1", 500)
    oms1.new_order("A2", 500, tags={55: "ZZZZ"})  # refused by the engine's checks, at the gateway
    oms1.new_order("A2", 500)
    assert [r[58] for r in wire.reports()] == [
        "OrderQty (38) '0' must be positive", "duplicate ClOrdID 'A1'",
        "Symbol (55): unknown symbol 'ZZZZ'; tradable: AAPL, LOTS", "duplicate ClOrdID 'A2'"]


def test_poss_dup_resend_of_a_known_order_gets_its_status_and_no_second_ticket(engine, wire, oms1):
    oms1.new_order("A1", 500)
    wire.take()
    oms1.new_order("A1", 500, poss_dup=True)
    [status] = wire.take()
    assert len(engine.tickets()) == 1
    assert (status.get(150), status.get(39), status.get(11), status.get(151)) == ("I", "0", "A1", "500")


def test_fills_are_reported_per_ticket_and_sum_to_the_parent_fills(engine, venue, clock, wire, oms1, oms2):
    one, two, parent = one_block(engine, wire, (oms1, "A1", 600), (oms2, "B1", 400))
    fill(engine, venue, clock, parent, 500, "100.00")
    fill(engine, venue, clock, parent, 500, "99.98")  # price improvement on the children resting at 100.00
    for cl_ord_id, ticket, quantity in (("A1", one, 600), ("B1", two, 400)):
        trades = [r for r in wire.reports(cl_ord_id) if r[150] == "F"]
        assert sum(int(r[32]) for r in trades) == int(trades[-1][14]) == quantity
        assert all(int(r[14]) + int(r[151]) == quantity for r in trades)
        assert [r[39] for r in trades][-1] == "2" and {r[39] for r in trades[:-1]} <= {"1"}
        row = engine.ticket(ticket)
        assert row is not None and Decimal(trades[-1][6]) == row.avg_price == Decimal("99.990000")
        assert {r[31] for r in trades} <= {"100.00", "99.98"}
    assert engine.store.parent(parent).cum_qty == 1000
    assert {r.session_id for r in wire.reports("A1")} == {OMS1} and {r.session_id for r in wire.reports("B1")} == {OMS2}


def test_a_fill_smaller_than_a_lot_reports_nothing_until_a_ticket_gets_a_whole_lot(engine, venue, clock, wire, oms1,
                                                                                    oms2):
    venue.book("LOTS", "10.00", "10.05")
    _, _, parent = one_block(engine, wire, (oms1, "A1", 300), (oms2, "B1", 200), symbol="LOTS")
    before = len(wire.reports())
    fill(engine, venue, clock, parent, 50, "10.05")  # LOTS trades in lots of 100: no ticket gets a share yet
    assert engine.store.parent(parent).cum_qty == 50
    assert [r for r in wire.reports()[before:] if r[150] == "F"] == []  # no trade of 0 shares to either OMS
    fill(engine, venue, clock, parent, 50, "10.05")
    [trade] = [r for r in wire.reports()[before:] if r[150] == "F"]
    assert (trade[32], trade[14]) == ("100", "100")


def test_exec_ids_are_unique(engine, venue, clock, wire, oms1, oms2):
    oms1.new_order("A1", 600)
    oms2.new_order("B1", 400)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 1000)
    oms1.new_order("A1", 1)  # a rejected duplicate has its own ExecID too
    exec_ids = [r[17] for r in wire.reports()]
    assert len(exec_ids) == len(set(exec_ids)) > 6


def test_opposing_oms_tickets_cross_at_the_mid_and_both_get_a_cross_fill(engine, wire, oms1, oms2):
    oms1.new_order("BUY", 1000)
    oms2.new_order("SELL", 600, tags={54: "2"})
    [buy] = [r for r in wire.reports("BUY") if r[150] == "F"]
    [sell] = [r for r in wire.reports("SELL") if r[150] == "F"]
    assert (buy[32], Decimal(buy[31]), buy[39], buy[151]) == ("600", Decimal("100.01"), "1", "400")
    assert (sell[32], Decimal(sell[31]), sell[39], sell[151]) == ("600", Decimal("100.01"), "2", "0")
    assert buy[58] == "internal cross at the mid"


def test_cancel_reports_pending_cancel_then_canceled_with_what_was_filled(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000)
    parent = parent_of(engine, ticket_of(wire, "A1"))
    fill(engine, venue, clock, parent, 300)
    wire.take()
    oms1.cancel("A2", "A1")
    pending, canceled = wire.take()
    assert (pending[150], pending[39], pending[11], pending[41]) == ("6", "6", "A2", "A1")
    assert (canceled[150], canceled[39], canceled[11], canceled[41]) == ("4", "4", "A2", "A1")
    assert (canceled[14], canceled[151]) == ("300", "0")
    assert engine.store.parent(parent).quantity == 300


def test_cancel_of_an_unknown_order_gets_cancel_reject_reason_1(wire, oms1):
    oms1.cancel("X2", "NOPE")
    [reject] = wire.sent
    assert reject.msg_type == "9"
    assert (reject[434], reject[102], reject[37], reject[11], reject[41]) == ("1", "1", "NONE", "X2", "NOPE")
    assert "unknown order" in reject[58]


def test_cancel_of_a_filled_order_is_too_late(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 200)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 200)
    wire.take()
    oms1.cancel("A2", "A1")
    [reject] = wire.sent
    assert (reject.msg_type, reject[102], reject[39]) == ("9", "0", "2")
    assert "too late" in reject[58]


def test_cancel_with_a_duplicate_cl_ord_id_is_refused(wire, oms1):
    oms1.new_order("A1", 200)
    wire.take()
    oms1.cancel("A1", "A1")
    [reject] = wire.sent
    assert (reject.msg_type, reject[102]) == ("9", "6")


def test_replace_changes_the_quantity_and_moves_the_cl_ord_id_chain(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000)
    ticket = ticket_of(wire, "A1")
    fill(engine, venue, clock, parent_of(engine, ticket), 100)
    wire.take()
    oms1.replace("A2", "A1", 600)
    pending, replaced = wire.take()
    assert (pending[150], pending[39], pending[11], pending[41]) == ("E", "E", "A2", "A1")
    assert (replaced[150], replaced[39], replaced[11], replaced[41]) == ("5", "1", "A2", "A1")
    assert (replaced[38], replaced[14], replaced[151]) == ("600", "100", "500")
    row = engine.ticket(ticket)
    assert row is not None and row.quantity == 600
    oms1.cancel("A3", "A2")
    for child in engine.store.live_child_ids(parent_of(engine, ticket)):  # shares out: the cancel waits
        venue.canceled(child)
    assert [(r[150], r[11], r[41]) for r in wire.take()] == [("6", "A3", "A2"), ("4", "A3", "A2")]


def test_replace_down_to_what_is_filled_reports_filled(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 400)
    wire.take()
    oms1.replace("A2", "A1", 400)
    replaced = wire.take()[-1]
    assert (replaced[150], replaced[39], replaced[151]) == ("5", "2", "0")


def test_replace_below_what_is_filled_is_rejected_with_the_engines_reason(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 400)
    wire.take()
    oms1.replace("A2", "A1", 300)
    [reject] = wire.take()  # refused at the gateway by the engine's own check: no PendingReplace, no AmendTicket
    assert (reject.msg_type, reject[434], reject[39]) == ("9", "2", "1")
    assert reject[58] == "OrderQty (38): quantity 300 is below the 400 already filled"
    assert not [r for r in engine.journal.replay() if type(r).__name__ == "AmendTicket"]
    oms1.cancel("A3", "A1")  # the order still answers to its old ClOrdID
    assert wire.take()[-1][150] == "4"


def test_replace_of_the_side_or_the_order_type_is_refused(wire, oms1):
    oms1.new_order("A1", 1000, tags={40: "2", 44: "100.00"})
    wire.take()
    oms1.replace("A2", "A1", 1000, tags={40: "1", 44: None})
    oms1.replace("A3", "A1", 1000, tags={54: "2"})
    ord_type, side = wire.take()
    assert (ord_type.msg_type, ord_type[434]) == ("9", "2") and "OrdType (40) cannot change" in ord_type[58]
    assert "Side (54) 2 does not match" in side[58]


def test_replace_of_the_price_moves_the_parent_and_reports_the_new_price(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000, tags={40: "2", 44: "100.00"})
    ticket = ticket_of(wire, "A1")
    parent = parent_of(engine, ticket)
    fill(engine, venue, clock, parent, 100)
    wire.take()
    oms1.replace("A2", "A1", 800, tags={40: "2", 44: "100.05"})
    pending, replaced = wire.take()
    assert (pending[150], pending[44]) == ("E", "100.00")
    assert (replaced[150], replaced[11], replaced[41], replaced[38], replaced[44]) == ("5", "A2", "A1", "800", "100.05")
    assert engine.store.parent(parent).limit_price == Decimal("100.05")
    oms1.send("H", [(11, "A2"), (55, "AAPL"), (54, "1")])
    assert wire.take()[-1][44] == "100.05"


def test_replace_of_the_price_of_an_aggregated_ticket_is_refused_and_changes_nothing(engine, wire, oms1):
    oms1.new_order("A1", 1000, tags={40: "2", 44: "100.00"})
    oms1.new_order("B1", 500, tags={40: "2", 44: "100.00"})
    parent = parent_of(engine, ticket_of(wire, "A1"))
    wire.take()
    oms1.replace("A2", "A1", 1000, tags={40: "2", 44: "100.05"})
    _, reject = wire.take()
    assert (reject.msg_type, reject[434], reject[102]) == ("9", "2", "99")
    assert "other open ticket(s)" in reject[58]
    assert engine.store.parent(parent).limit_price == Decimal("100.00")
    oms1.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    assert wire.take()[-1][44] == "100.00"


def test_a_price_cannot_be_added_to_a_market_order(wire, oms1):
    oms1.new_order("A1", 1000)
    wire.take()
    oms1.replace("A2", "A1", 1000, tags={40: "2", 44: "100.05"})
    [reject] = wire.take()
    assert reject.msg_type == "9" and "OrdType (40) cannot change" in reject[58]


def test_unsupported_message_types_get_a_business_message_reject(wire, oms1):
    oms1.send("E", [(66, "L1")])
    [reject] = wire.sent
    assert (reject.msg_type, reject[372], reject[380], reject[45]) == ("j", "E", "3", "1")
    assert "unsupported message type E" in reject[58]


def test_status_request_answers_with_the_orders_state(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 250)
    wire.take()
    oms1.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    [status] = wire.sent
    assert (status[150], status[39], status[14], status[151]) == ("I", "1", "250", "750")


def test_parent_end_time_reports_expired_with_the_final_cum_qty(engine, venue, clock, wire, oms1):
    oms1.new_order("A1", 1000, tags={126: "19700101-09:40:00"})
    parent = parent_of(engine, ticket_of(wire, "A1"))
    fill(engine, venue, clock, parent, 200)
    clock.run_until(OPEN_NS + 10 * 60 * NS_PER_S)
    for child in engine.store.live_child_ids(parent):
        venue.canceled(child)
    last = wire.reports("A1")[-1]
    assert (last[150], last[39], last[14], last[151]) == ("C", "C", "200", "0")
    assert "end time reached" in last[58]


def test_a_desk_cancel_of_an_oms_ticket_is_reported_unsolicited(engine, wire, oms1, venue):
    oms1.new_order("A1", 1000)
    wire.take()
    ticket = ticket_of_row(engine, "A1")
    assert engine.cancel_ticket(ticket, "trader pulled it").ok
    assert wire.sent == []  # its child is still out: the cut waits for the venue
    for child in engine.store.live_child_ids(parent_of(engine, ticket)):
        venue.canceled(child)
    [canceled] = wire.sent
    assert (canceled[150], canceled[39], canceled[11], canceled[58]) == ("4", "4", "A1", "trader pulled it")


def test_a_desk_amend_of_an_oms_ticket_is_reported_as_restated(engine, wire, oms1):
    oms1.new_order("A1", 1000)
    wire.take()
    assert engine.amend_ticket(ticket_of_row(engine, "A1"), 800).ok
    [restated] = wire.sent
    assert (restated[150], restated[39], restated[38], restated[378]) == ("D", "0", "800", "4")


def test_a_desk_limit_amend_of_an_oms_ticket_is_restated_with_the_new_price(engine, wire, oms1):
    oms1.new_order("A1", 1000, tags={40: "2", 44: "100.00"})
    wire.take()
    assert engine.amend_ticket(ticket_of_row(engine, "A1"), 1000, Decimal("99.95")).ok
    [restated] = wire.sent
    assert (restated[150], restated[40], restated[44], restated[38]) == ("D", "2", "99.95", "1000")
    oms1.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    assert wire.take()[-1][44] == "99.95"  # the order keeps it


def test_replace_of_the_expire_time_moves_the_parents_end_and_reports_it(engine, wire, oms1):
    oms1.new_order("A1", 1000, tags={126: None})  # a day order: ends at the session close
    parent = parent_of(engine, ticket_of(wire, "A1"))
    [_, new] = wire.take()
    assert new[59] == "0" and 126 not in dict(new.pairs)
    oms1.replace("A2", "A1", 1000, tags={59: "6", 126: "19700101-11:30:00"})
    pending, replaced = wire.take()
    assert (pending[150], pending[59]) == ("E", "0") and 126 not in dict(pending.pairs)
    assert (replaced[150], replaced[11], replaced[59], replaced[126]) == ("5", "A2", "6", "19700101-11:30:00.000")
    assert engine.store.parent(parent).end_ns == (11 * 3600 + 30 * 60) * NS_PER_S
    oms1.replace("A3", "A2", 1000, tags={59: "0"})  # back to day: refused, the order keeps its end
    [reject] = wire.take()
    assert reject.msg_type == "9" and "TimeInForce (59) cannot change from 6 to 0" in reject[58]
    assert engine.store.parent(parent).end_ns == (11 * 3600 + 30 * 60) * NS_PER_S


def test_replace_of_the_expire_time_of_an_aggregated_ticket_is_refused_and_changes_nothing(engine, wire, oms1):
    oms1.new_order("A1", 1000, tags={59: "6", 126: "19700101-11:00:00"})
    oms1.new_order("B1", 500, tags={59: "6", 126: "19700101-11:00:00"})
    wire.take()
    oms1.replace("A2", "A1", 1000, tags={59: "6", 126: "19700101-12:00:00"})
    _, reject = wire.take()
    assert (reject.msg_type, reject[102]) == ("9", "99") and "other open ticket(s)" in reject[58]
    oms1.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    assert wire.take()[-1][126] == "19700101-11:00:00.000"


def test_a_desk_end_time_amend_of_an_oms_ticket_is_restated_good_till_date(engine, wire, oms1):
    oms1.new_order("A1", 1000, tags={126: None})
    wire.take()
    assert engine.amend_ticket(ticket_of_row(engine, "A1"), 1000, end_ns=(12 * 3600) * NS_PER_S).ok
    [restated] = wire.sent
    assert (restated[150], restated[59], restated[126], restated[38]) == ("D", "6", "19700101-12:00:00.000", "1000")
    oms1.send("H", [(11, "A1"), (55, "AAPL"), (54, "1")])
    assert wire.take()[-1][126] == "19700101-12:00:00.000"  # the order keeps it


def test_tickets_from_the_gui_are_not_reported_to_the_oms(engine, wire, oms1):
    engine.submit_ticket(symbol="AAPL", side=Side.SELL, quantity=300, limit_price=None, algo="TWAP",
                         end_ns=OPEN_NS + 3600 * NS_PER_S, client_order_id="A1")
    assert wire.sent == []


def ticket_of_row(engine: Engine, cl_ord_id: str) -> TicketId:
    [row] = [r for r in engine.tickets() if r.client_order_id == cl_ord_id]
    return row.ticket_id



def test_replace_to_the_same_quantity_is_still_a_replace(wire, oms1):
    oms1.new_order("A1", 1000)
    wire.take()
    oms1.replace("A2", "A1", 1000)
    assert [(r[150], r[39], r[11]) for r in wire.take()] == [("E", "E", "A2"), ("5", "0", "A2")]


def test_status_request_for_an_unknown_order_is_answered_rejected(wire, oms1):
    oms1.send("H", [(11, "WHO"), (55, "AAPL"), (54, "1")])
    [status] = wire.sent
    assert (status[150], status[39], status[37]) == ("I", "8", "NONE") and "unknown order" in status[58]


def test_reports_on_one_session_never_reach_another(engine, venue, clock, wire, oms1, oms2):
    oms1.new_order("A1", 500)
    oms2.new_order("A1", 500)
    fill(engine, venue, clock, parent_of(engine, ticket_of(wire, "A1")), 1000)
    tickets = {session: {r[37] for r in wire.reports() if r.session_id == session} for session in (OMS1, OMS2)}
    assert len(tickets[OMS1]) == len(tickets[OMS2]) == 1 and tickets[OMS1] != tickets[OMS2]
    assert all(int(r[14]) <= 500 for r in wire.reports())


def test_after_close_orders_are_refused_and_nothing_more_is_reported(engine, venue, clock, wire, app, oms1):
    oms1.new_order("A1", 500)
    parent = parent_of(engine, ticket_of(wire, "A1"))
    app.close()
    wire.take()
    fill(engine, venue, clock, parent, 100)
    oms1.new_order("A2", 500)
    [reject] = wire.sent
    assert (reject.msg_type, reject[380], reject[58]) == ("j", "4", "the EMS is shutting down")


def _a_child_working_after_100_filled(engine, wire, oms1, venue, clock) -> tuple[ChildId, int]:
    """Order A1 for 1,000 with 100 filled and a child acknowledged at the venue: (that child, its leaves)."""
    oms1.new_order("A1", 1000)
    parent = parent_of(engine, ticket_of(wire, "A1"))
    fill(engine, venue, clock, parent, 100)
    while not engine.store.live_child_ids(parent):
        clock.advance(NS_PER_S)
    [child] = engine.store.live_child_ids(parent)
    venue.ack(child)
    wire.take()
    return child, engine.store.child(child).leaves_qty


def test_an_oms_cancel_while_shares_are_out_waits_for_the_venue_and_fills_meanwhile_are_the_tickets(
    engine, wire, oms1, venue, clock
):
    child, out = _a_child_working_after_100_filled(engine, wire, oms1, venue, clock)
    oms1.cancel("A2", "A1")
    [pending] = wire.take()
    assert (pending[150], pending[39]) == ("6", "6")  # PendingCancel, nothing more yet
    venue.fill(child, out, "100.00")  # executed at the venue before our cancel got there
    venue.cancel_rejected(child)
    reports = wire.take()
    trades = [r for r in reports if r[150] == "F"]
    assert sum(int(t[32]) for t in trades) == out  # the ticket's shares, reported once
    canceled = reports[-1]
    assert (canceled[150], canceled[39], canceled[11], canceled[41]) == ("4", "4", "A2", "A1")
    assert int(canceled[14]) == 100 + out and canceled[151] == "0"
    assert not [r for r in engine.journal.replay() if isinstance(r, ev.AlertRaised)]  # nothing unallocated


def test_an_oms_replace_that_the_fills_made_impossible_is_rejected_when_the_venue_answers(
    engine, wire, oms1, venue, clock
):
    child, out = _a_child_working_after_100_filled(engine, wire, oms1, venue, clock)
    oms1.replace("A2", "A1", 100 + out - 1)  # below what may still fill
    [pending] = wire.take()
    assert (pending[150], pending[39]) == ("E", "E")
    venue.fill(child, out, "100.00")
    venue.cancel_rejected(child)
    reports = wire.take()
    reject = reports[-1]
    assert (reject.msg_type, reject[11], reject[41], reject[434]) == ("9", "A2", "A1", "2")
    assert "already allocated" in reject[58]
    assert sum(int(r[32]) for r in reports if r.msg_type == "8" and r[150] == "F") == out


def test_every_ticket_of_a_closed_block_hears_the_blocks_final_average_price(engine, venue, clock, wire, oms1, oms2):
    """Average-price allocation: each ticket's executions are booked at the block's average. A ticket that
    stopped before the block did (here canceled after its first shares) heard an average that moved on
    since; when the block closes it gets a Calculated report (ExecType B, no LastQty) with the block's final
    average, which is what the desk's ticket row shows. A ticket that heard it already gets none."""
    early, late, parent = one_block(engine, wire, (oms1, "EARLY", 500), (oms2, "LATE", 500))
    fill(engine, venue, clock, parent, 200, "100.00")
    oms1.cancel("EARLY-X", "EARLY")
    fill(engine, venue, clock, parent, 400, "99.80")  # price improvement on the children resting at 100.00
    assert engine.store.parent(parent).status is OrdStatus.FILLED
    final = Decimal("99.866667")  # (200 x 100.00 + 400 x 99.80) / 600
    for cl_ord_ids, ticket, status in ((("EARLY", "EARLY-X"), early, "4"), (("LATE",), late, "2")):
        row = engine.ticket(ticket)
        assert row is not None and row.avg_price == final
        reports = [r for r in wire.reports() if r[11] in cl_ord_ids]
        last = reports[-1]
        assert Decimal(last[6]) == final, (cl_ord_ids, [(r[150], r[39], r[6]) for r in reports])
        assert (last[39], last[14]) == (status, str(row.allocated))
    [calculated] = [r for r in wire.reports() if r[150] == "B"]
    assert calculated[11] == "EARLY-X" and calculated.get(32) in (None, "0") and "final average" in calculated[58]
