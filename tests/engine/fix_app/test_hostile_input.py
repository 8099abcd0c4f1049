"""Hostile OMS input is refused at the gateway, naming the field, with bounded work, and leaves no journal record.

The findings of issue 14's fuzzer are the first cases: a price that underflows the tick check and a
quantity whose plain text has 300,000 digits (each held the loop for seconds), exponents, '+', '_',
missing TransactTime, a bad HandlInst, an empty Account.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine import events as ev
from engine.engine import Engine
from engine.fix.codec import FieldValue
from engine.fix_app.reports import execution_report
from tests.engine.fix_app.conftest import FakeWire, Oms


def journaled(engine: Engine, cl_ord_id: str) -> list[Any]:
    """Every journal record about the OMS order `cl_ord_id` (commands name it request_id, events
    client_order_id, a risk refusal of a new order parent_id)."""
    return [r for r in engine.journal.replay()
            if cl_ord_id in (getattr(r, "request_id", None), getattr(r, "client_order_id", None),
                             getattr(r, "parent_id", None))]


HOSTILE_ORDERS = [
    ({40: "2", 44: "1E-999999999"}, "Price (44) '1E-999999999' has an exponent"),
    ({40: "2", 44: "1E+999999999"}, "Price (44) '1E+999999999' has an exponent"),
    ({38: "1E+300000"}, "OrderQty (38) '1E+300000' has an exponent"),
    ({38: "1E+5000"}, "OrderQty (38) '1E+5000' has an exponent"),
    ({38: "1e3"}, "OrderQty (38) '1e3' has an exponent"),
    ({38: "+100"}, "OrderQty (38) '+100' has a '+' sign"),
    ({38: "1_000"}, "OrderQty (38) '1_000' has a digit separator"),
    ({38: " 100"}, "OrderQty (38) ' 100' has spaces"),
    ({38: "NaN"}, "OrderQty (38) 'NaN' is not a finite number"),
    ({38: "Infinity"}, "OrderQty (38) 'Infinity' is not a finite number"),
    ({38: "١٠٠".encode()}, "OrderQty (38)"),  # Arabic-Indic digits, which Decimal() takes
    ({38: "9" * 200_000}, "OrderQty (38) '999999999999999999999999'... (200,000 characters) is longer than 32"),
    ({38: "1" + "0" * 13}, "OrderQty (38) '10000000000000' is above 1,000,000,000,000 shares"),
    ({38: "-100"}, "OrderQty (38) '-100' must be positive"),
    ({40: "2", 44: "0"}, "Price (44) '0' must be positive"),
    ({40: "2", 44: "-1.00"}, "Price (44) '-1.00' must be positive"),
    ({40: "2", 44: "1000000000"}, "Price (44) '1000000000' is not below 1,000,000,000"),
    ({40: "2", 44: "100.0000001"}, "Price (44): limit 100.0000001 is not on the AAPL tick of 0.01"),
    ({60: None}, "TransactTime (60) is required"),
    ({60: "20240102-25:00:00"}, "TransactTime (60) must be a UTC timestamp"),
    ({60: "٢٠٢٤٠١٠٢-09:30:00".encode()}, "TransactTime (60) must be a UTC timestamp"),
    ({21: "9"}, "HandlInst (21) '9' is not a valid value: use 1, 2, 3"),
    ({1: ""}, "Account (1) is present but empty"),
    ({1: "A" * 65}, "Account (1)"),
    ({55: "Z" * 100_000}, "Symbol (55) 'ZZZZZZZZZZZZZZZZZZZZZZZZ'... (100,000 characters) is longer than 32"),
    ({55: "ZZZZ"}, "Symbol (55): unknown symbol 'ZZZZ'"),
    ({847: "1" * 5000}, "TargetStrategy (847)"),
    ({847: "²".encode("latin-1")}, "TargetStrategy (847) '²' is not known"),  # isdigit() says yes
    ({848: "slice_seconds=1e3"}, "TargetStrategyParameters (848) slice_seconds='1e3' has an exponent"),
    ({848: "seed=" + "9" * 20}, "TargetStrategyParameters (848) seed='99999999999999999999' is longer than 18"),
    ({848: "x=" + "y" * 2000}, "TargetStrategyParameters (848)"),
    ({9100: ""}, "AlgoName (9100) is present but empty"),
    ({9102: ""}, "AllowCross (9102)"),
    ({126: "19700101-09:00:00"}, "ExpireTime (126): end time is already past"),
]


@pytest.mark.parametrize(("tags", "text"), HOSTILE_ORDERS)
def test_a_hostile_order_is_rejected_naming_the_field_and_leaves_nothing_in_the_journal(
    engine: Engine, wire: FakeWire, oms1: Oms, tags: dict[int, FieldValue | None], text: str
) -> None:
    before = engine.journal.count()
    oms1.new_order("BAD", 500, tags=tags)
    [report] = wire.reports()
    assert (report[150], report[39], report[37], report[11]) == ("8", "8", "NONE", "BAD")
    assert text in report[58] and len(report[58]) < 300
    assert engine.tickets() == []
    assert engine.journal.count() == before and journaled(engine, "BAD") == []


def test_good_orders_around_hostile_ones_are_all_acknowledged(engine: Engine, wire: FakeWire, oms1: Oms) -> None:
    for i, (tags, _) in enumerate(HOSTILE_ORDERS):
        oms1.new_order(f"GOOD{i}", 100)
        oms1.new_order(f"BAD{i}", 100, tags=tags)
    acked = {r[11] for r in wire.reports() if r[150] == "0"}
    assert acked == {f"GOOD{i}" for i in range(len(HOSTILE_ORDERS))}
    assert {r.client_order_id for r in engine.journal.replay() if isinstance(r, ev.TicketAccepted)} == acked


def test_an_overlong_cl_ord_id_gets_a_session_reject_naming_tag_11(engine: Engine, wire: FakeWire, oms1: Oms) -> None:
    oms1.new_order("C" * 10_000, 100)
    [(_, _, text, tag)] = wire.session_rejects
    assert tag == 11 and "longer than 64 characters" in text and len(text) < 200
    assert wire.reports() == [] and engine.tickets() == []


def test_a_cl_ord_id_of_exactly_64_characters_is_an_order_and_65_are_refused(engine: Engine, wire: FakeWire,
                                                                             oms1: Oms) -> None:
    oms1.new_order("C" * 64, 100)
    assert [r[150] for r in wire.reports("C" * 64)] == ["A", "0"]
    oms1.new_order("D" * 65, 100)
    [(_, _, text, tag)] = wire.session_rejects
    assert tag == 11 and "longer than 64 characters" in text
    assert [t.client_order_id for t in engine.tickets()] == ["C" * 64]


def test_a_risk_refusal_is_still_the_engines_call_and_journaled(engine: Engine, wire: FakeWire, oms1: Oms) -> None:
    oms1.new_order("BIG", 20_000_000)  # within FIX's bounds, above the desk's max parent quantity
    [report] = wire.reports()
    assert report[39] == "8" and "exceeds limit" in report[58]
    assert {type(r).__name__ for r in journaled(engine, "BIG")} == {"SubmitTicket", "RiskBlocked", "TicketRejected"}


@pytest.mark.parametrize(("fields", "text"), [
    ({60: None}, "TransactTime (60) is required"),
    ({54: None}, "Side (54) is required"),
    ({55: None}, "Symbol (55) is required"),
    ({38: "1E+300000"}, "OrderQty (38) '1E+300000' has an exponent"),
    ({1: ""}, "Account (1) is present but empty"),
])
def test_a_malformed_cancel_gets_a_cancel_reject_naming_the_field(
    engine: Engine, wire: FakeWire, oms1: Oms, fields: dict[int, FieldValue | None], text: str
) -> None:
    oms1.new_order("A1", 500)
    wire.take()
    records = engine.journal.count()
    oms1.cancel("A2", "A1", tags=fields)
    [reject] = wire.take()
    assert (reject.msg_type, reject[11], reject[41], reject[434], reject[102]) == ("9", "A2", "A1", "1", "99")
    assert text in reject[58]
    assert engine.journal.count() == records  # no CancelTicket command


@pytest.mark.parametrize(("quantity", "fields", "text"), [
    (500, {40: "2", 44: "1E-999999999"}, "Price (44) '1E-999999999' has an exponent"),
    (500, {40: "2", 44: "100.001"}, "Price (44): limit 100.001 is not on the AAPL tick of 0.01"),
    ("1E+300000", {}, "OrderQty (38) '1E+300000' has an exponent"),
    (0, {}, "OrderQty (38) '0' must be positive"),
    (500, {60: None}, "TransactTime (60) is required"),
    (500, {21: "0"}, "HandlInst (21) '0' is not a valid value"),
    (500, {126: "19700101-09:00:00", 59: "6"}, "ExpireTime (126): end time is already past"),
])
def test_a_malformed_replace_is_refused_before_the_engine_and_changes_nothing(
    engine: Engine, wire: FakeWire, oms1: Oms, quantity: Any, fields: dict[int, FieldValue | None], text: str
) -> None:
    oms1.new_order("A1", 500, tags={40: "2", 44: "100.00"})
    wire.take()
    records = engine.journal.count()
    oms1.replace("A2", "A1", quantity, tags={40: "2", 44: "100.00", **fields})
    [reject] = wire.take()
    assert (reject.msg_type, reject[11], reject[41], reject[434]) == ("9", "A2", "A1", "2")
    assert text in reject[58]
    assert engine.journal.count() == records  # no AmendTicket command
    [row] = engine.tickets()
    assert (row.quantity, row.limit_price) == (500, Decimal("100.00"))


def test_reports_write_prices_bounded_and_refuse_an_unbounded_one(engine: Engine, wire: FakeWire, oms1: Oms) -> None:
    oms1.new_order("A1", 500, tags={40: "2", 44: "100.10"})
    order = oms1.app.orders()[0]
    fields = dict(execution_report(order, exec_id="X", exec_type="0", transact_ns=0))
    assert fields[44] == "100.10"
    order.price = Decimal("1E-999999999")  # what the gateway let through before
    with pytest.raises(ValueError, match="digit bound"):
        execution_report(order, exec_id="Y", exec_type="0", transact_ns=0)


def test_a_field_sent_twice_is_refused_naming_it(engine: Engine, wire: FakeWire, oms1: Oms) -> None:
    oms1.send("D", [(11, "TWICE"), (55, "AAPL"), (54, "1"), (60, "19700101-09:30:00"), (38, 100), (38, 1_000_000),
                    (40, "1"), (9100, "TWAP"), (126, "19700101-09:40:00")])
    [report] = wire.reports()
    assert report[39] == "8" and report[58] == "OrderQty (38) appears 2 times: a field may appear once"
    assert engine.tickets() == [] and journaled(engine, "TWICE") == []


@pytest.mark.parametrize("msg_type", ["F", "G"])
@pytest.mark.parametrize(("missing", "text"), [
    (11, "ClOrdID (11) is required"), (41, "OrigClOrdID (41) is required"),
])
def test_a_cancel_or_replace_without_its_ids_gets_a_session_reject_not_a_cancel_reject(
    engine: Engine, wire: FakeWire, oms1: Oms, msg_type: str, missing: int, text: str
) -> None:
    """An OrderCancelReject must echo ClOrdID and OrigClOrdID: without them only a session Reject naming the
    tag can answer."""
    oms1.new_order("A1", 500)
    wire.take()
    records = engine.journal.count()
    if msg_type == "F":
        oms1.cancel("A2", "A1", tags={missing: None})
    else:
        oms1.replace("A2", "A1", 300, tags={missing: None})
    assert wire.take() == []
    assert [(tag, why) for _, _, why, tag in wire.session_rejects] == [(missing, text)]
    assert engine.journal.count() == records
    [row] = engine.tickets()
    assert row.quantity == 500


def test_a_resent_order_whose_first_sending_was_rejected_is_rejected_again_as_a_duplicate(
    engine: Engine, wire: FakeWire, oms1: Oms
) -> None:
    oms1.new_order("A1", 0)
    [first] = wire.take()
    assert (first[39], first[58]) == ("8", "OrderQty (38) '0' must be positive")
    oms1.new_order("A1", 500, poss_dup=True)  # the OMS resends it after a reconnect, now well formed
    [again] = wire.take()
    assert (again[150], again[39], again[11], again[103]) == ("8", "8", "A1", "6")
    assert again[58] == "ClOrdID 'A1' was already received and rejected"
    assert engine.tickets() == [] and journaled(engine, "A1") == []


@pytest.mark.parametrize(("symbol", "text"), [
    ("", "Symbol (55) is present but empty"), ("A" * 200, "Symbol (55)"),
])
def test_a_bad_symbol_is_rejected_as_an_unknown_symbol(
    engine: Engine, wire: FakeWire, oms1: Oms, symbol: str, text: str
) -> None:
    oms1.new_order("A1", 500, tags={55: symbol})
    [report] = wire.reports()
    assert (report[39], report[103]) == ("8", "1")  # OrdRejReason 1: unknown symbol
    assert report[58].startswith(text)
    assert engine.tickets() == []
