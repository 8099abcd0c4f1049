"""The FIX venue translation (engine/venues/fix_messages.py) on single messages, and `[fix_venues]` parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import events as ev
from engine.fix.codec import FieldValue, SessionRejectReason
from engine.model import ChildId, FillId, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues import fix_messages as fm
from engine.venues.fix_config import FixVenuesError, parse_fix_venues
from tests.engine.fix.helpers import message

VENUE = VenueId("LIT1")
ORDER = ev.ChildSubmitted(0, ChildId("C1"), ParentId("P7"), VENUE, Symbol("AAPL"), Side.BUY, 300, Decimal("10.01"),
                          OrdType.LIMIT, TimeInForce.DAY)
BASE: list[tuple[int, FieldValue]] = [(37, "V1"), (17, "E1"), (39, "1"), (55, "AAPL"), (54, "1"), (151, 200),
                                      (14, 100), (6, "10.01")]


def report(*fields: tuple[int, FieldValue], msg_type: str = "8", cl: str = "C1") -> fm.VenueReport | fm.Malformed:
    msg = message(msg_type, 2, [(11, cl), *fields], sender="LIT1", target="EMS")
    return fm.read_report(msg, 5, VENUE, {ORDER.child_id: ORDER})


def test_a_fill_reads_exact_decimals_fee_and_liquidity() -> None:
    got = report((150, "F"), *BASE, (32, "100"), (31, "10.0100"), (12, "0.30"), (13, "3"), (851, "1"))
    assert isinstance(got, fm.VenueReport) and isinstance(got.event, ev.ChildFilled)
    fill = got.event
    assert (fill.quantity, fill.price, fill.fee, fill.parent_id) == (100, Decimal("10.0100"), Decimal("0.30"), "P7")
    assert fill.liquidity.value == "1" and fill.fill_id == "E1"


@pytest.mark.parametrize(("fields", "tag", "reason"), [
    ([(150, "F"), *BASE], 32, SessionRejectReason.REQUIRED_TAG_MISSING),  # a fill without LastQty
    ([(150, "F"), *BASE, (32, "0"), (31, "10")], 32, SessionRejectReason.VALUE_INCORRECT),
    ([(150, "F"), *BASE, (32, "100.5"), (31, "10")], 32, SessionRejectReason.INCORRECT_DATA_FORMAT),
    ([(150, "F"), *BASE, (32, "100"), (31, "1e3")], 31, SessionRejectReason.INCORRECT_DATA_FORMAT),
    ([(150, "F"), *BASE, (32, "100"), (31, "-1")], 31, SessionRejectReason.VALUE_INCORRECT),
    ([(150, "F"), *BASE, (32, "100"), (31, "0.00")], 31, SessionRejectReason.VALUE_INCORRECT),  # a fill for nothing
    ([(150, "F"), *BASE, (32, "100")], 31, SessionRejectReason.REQUIRED_TAG_MISSING),
    ([(150, "0"), (39, "0")], 37, SessionRejectReason.REQUIRED_TAG_MISSING),  # no OrderID
    ([(150, "Q"), *BASE], 150, SessionRejectReason.VALUE_INCORRECT),
    ([(150, "0"), (37, "V1"), (39, "Z")], 39, SessionRejectReason.VALUE_INCORRECT),
    ([(150, "5"), *BASE, (38, "x")], 38, SessionRejectReason.INCORRECT_DATA_FORMAT),
    ([(150, "F"), *BASE[:4], (54, "3"), *BASE[5:], (32, "100"), (31, "10")], 54, SessionRejectReason.VALUE_INCORRECT),
    ([(150, "F"), *BASE, (32, "\xb900"), (31, "10")], 32, SessionRejectReason.INCORRECT_DATA_FORMAT),
    ([(150, "F"), *BASE, (32, "1" * 40), (31, "10")], 32, SessionRejectReason.INCORRECT_DATA_FORMAT),
])
def test_unusable_reports_name_the_tag(fields: list[tuple[int, FieldValue]], tag: int, reason: int) -> None:
    got = report(*fields)
    assert isinstance(got, fm.Malformed), got
    assert (got.tag, got.reason) == (tag, reason)


@pytest.mark.parametrize(("qty", "px", "shares", "price"), [
    ("100", "10.01", 100, Decimal("10.01")), ("0100", "10.010", 100, Decimal("10.010")),
    ("100.0", "010.01", 100, Decimal("10.01")), ("999999999999999", ".5", 999999999999999, Decimal("0.5")),
])
def test_a_fill_reads_the_same_the_first_time_and_again(qty: str, px: str, shares: int, price: Decimal) -> None:
    for _ in range(2):  # prices already read come from a memo of their text
        got = report((150, "F"), *BASE, (32, qty), (31, px))
        assert isinstance(got, fm.VenueReport) and isinstance(got.event, ev.ChildFilled)
        assert (got.event.quantity, got.event.price) == (shares, price) and str(got.event.price) == str(price)


def test_a_report_without_clordid_is_malformed() -> None:
    msg = message("8", 2, [(150, "0"), *BASE], sender="LIT1", target="EMS")
    got = fm.read_report(msg, 5, VENUE, {})
    assert isinstance(got, fm.Malformed) and got.tag == 11


@pytest.mark.parametrize("exec_type", ["6", "E", "A", "D", "3"])
def test_states_the_engine_has_no_event_for_are_noted_only(exec_type: str) -> None:
    got = report((150, exec_type), *BASE)
    assert isinstance(got, fm.VenueReport) and got.event is None and got.note


def test_a_trade_bust_names_the_execution_it_takes_back() -> None:
    got = report((150, "H"), *BASE, (19, "E0"), (58, "clearly erroneous"))
    assert isinstance(got, fm.VenueReport) and got.then is None
    assert got.event == ev.ChildFillBusted(5, "E1", FillId("E0"), ChildId("C1"), VENUE, "clearly erroneous")


def test_a_trade_correction_is_the_bust_then_the_execution_as_corrected() -> None:
    got = report((150, "G"), *BASE, (19, "E0"), (32, "100"), (31, "10.02"))
    assert isinstance(got, fm.VenueReport)
    assert got.event == ev.ChildFillBusted(5, "E1", FillId("E0"), ChildId("C1"), VENUE,
                                           "corrected to 100 @ 10.02 as execution E1")
    assert isinstance(got.then, ev.ChildFilled) and got.then.fill_id == "E1"
    assert (got.then.quantity, got.then.price, got.then.parent_id) == (100, Decimal("10.02"), "P7")


@pytest.mark.parametrize(("fields", "tag"), [
    ([(150, "H"), *BASE], 19),  # a bust that does not say which execution
    ([(150, "G"), *BASE, (32, "100"), (31, "10.02")], 19),
    ([(150, "G"), *BASE, (19, "E0"), (31, "10.02")], 32),  # a correction without the corrected quantity
    ([(150, "G"), *BASE, (19, "E0"), (32, "100"), (31, "1E-999999999")], 31),
    ([(150, "G"), *[f for f in BASE if f[0] != 39], (39, "Z"), (19, "E0"), (32, "100"), (31, "10.02")], 39),
])
def test_a_bust_or_correction_that_cannot_be_read_names_the_tag(fields: list[tuple[int, FieldValue]], tag: int) -> None:
    got = report(*fields)
    assert isinstance(got, fm.Malformed) and got.tag == tag, got


def test_replace_names_the_new_clordid_and_cancel_reject_the_request() -> None:
    got = report((150, "5"), *BASE, (38, 400), (44, "10.02"), (41, "C1"), cl="C1.abc1")
    assert isinstance(got, fm.VenueReport) and got.cl_ord_id == "C1.abc1" and got.child_id == "C1"
    assert got.event == ev.ChildReplaced(5, ChildId("C1"), 400, Decimal("10.02"))
    rejected = report((41, "C1.abc1"), (37, "V1"), (39, "0"), (434, "2"), (58, "no"), msg_type="9", cl="C1.x2")
    assert isinstance(rejected, fm.VenueReport)
    assert rejected.event == ev.ChildReplaceRejected(5, ChildId("C1"), "no")


def test_status_of_an_unknown_order() -> None:
    got = report((150, "I"), (37, "NONE"), (39, "8"), (103, "5"), (55, "AAPL"), (54, "1"), (151, 0), (14, 0), (6, 0))
    assert isinstance(got, fm.VenueReport) and isinstance(got.event, ev.ChildStatusReported)
    assert not got.event.known and got.event.status is None and got.cl_ord_id is None
    known = report((150, "I"), *BASE)
    assert isinstance(known, fm.VenueReport) and isinstance(known.event, ev.ChildStatusReported)
    assert (known.event.status, known.event.cum_qty) == (OrdStatus.PARTIALLY_FILLED, 100)


def test_outbound_messages_carry_the_child_and_the_venue_ids() -> None:
    new = dict(fm.new_order(ORDER, "20240102-10:00:00.000"))
    assert (new[11], new[38], new[40], new[44], new[59]) == ("C1", 300, "2", Decimal("10.01"), "0")
    cancel = dict(fm.cancel(ORDER, "C1.1", "C1", "V1", 300, "t"))
    assert (cancel[41], cancel[11], cancel[37]) == ("C1", "C1.1", "V1")
    status = dict(fm.status_request(ORDER, "C1.1", None))
    assert status[11] == "C1.1" and 37 not in status


def test_fix_venues_config() -> None:
    cfg = parse_fix_venues({"LIT1": "127.0.0.1:9001", "DARK1": "localhost:9004", "heartbeat_s": 5},
                           ("LIT1", "DARK1"))
    assert cfg.addresses == {"LIT1": ("127.0.0.1", 9001), "DARK1": ("localhost", 9004)}
    initiator = cfg.initiator(VenueId("LIT1"))
    assert (initiator.session.sender_comp_id, initiator.session.target_comp_id, initiator.heartbeat_s) == (
        "EMS", "LIT1", 5)
    for bad, key in (({"LIT9": "h:1"}, "LIT9"), ({"LIT1": "nohost"}, "LIT1"), ({"LIT1": "h:70000"}, "LIT1"),
                     ({"heartbeat_s": 0}, "heartbeat_s"), ({"sender_comp_id": ""}, "sender_comp_id"),
                     ({"heartbeat_s": 3601}, "heartbeat_s"), ({"reconnect_max_s": 0.4}, "reconnect_max_s"),
                     ({"reconnect_max_s": 600.5}, "reconnect_max_s"), ({"reconnect_max_s": True}, "reconnect_max_s"),
                     ({"store_dir": 5}, "store_dir must be a path"), (["LIT1"], "fix_venues must be a table")):
        with pytest.raises(FixVenuesError, match=key):
            parse_fix_venues(bad, ("LIT1",))  # type: ignore[arg-type]
    edges = parse_fix_venues({"heartbeat_s": 3600, "reconnect_max_s": 600, "store_dir": "/tmp/x"}, ("LIT1",))
    assert (edges.heartbeat_s, edges.reconnect_max_s, edges.store_dir) == (3600, 600.0, "/tmp/x")
    edges = parse_fix_venues({"heartbeat_s": 1, "reconnect_max_s": 0.5, "LIT1": "h:1", "DARK1": "h:65535"},
                             ("LIT1", "DARK1"))
    assert (edges.heartbeat_s, edges.reconnect_max_s, edges.addresses) == (
        1, 0.5, {"LIT1": ("h", 1), "DARK1": ("h", 65535)})
    for port in ("0", "65536"):
        with pytest.raises(FixVenuesError, match="LIT1"):
            parse_fix_venues({"LIT1": f"h:{port}"}, ("LIT1",))
