"""The simulated venue's FIX host (`ems venues`) refuses what it cannot take, with the FIX answer an EMS expects and
nothing reaching the venue: an unsupported MsgType or a bad order gets a BusinessMessageReject naming it, a second
order under the same ClOrdID is refused (the first keeps working), a cancel or replace of an order it does not
host gets an OrderCancelReject, and a status request for one an ExecutionReport saying it is unknown."""

from __future__ import annotations

import time

import pytest

from engine.clock import VirtualClock
from engine.fix.codec import FieldValue
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage
from engine.model import ChildId
from engine.venues.fix_host import VenueFixHost
from tests.engine.fix.helpers import message
from tests.engine.scripted_venue import ScriptedVenue

SESSION = SessionId("FIX.4.4:LIT9->EMS")
ORDER: list[tuple[int, FieldValue]] = [(11, "C1"), (55, "AAPL"), (54, "1"), (60, "20260105-14:30:00"), (38, 300),
                                       (40, "2"), (44, "10.01"), (59, "0")]
Sent = tuple[str, dict[int, FieldValue]]


class Host:
    """A VenueFixHost over a ScriptedVenue, keeping what it sends."""

    def __init__(self) -> None:
        self.venue = ScriptedVenue("LIT9", VirtualClock(time.time_ns()))
        self.sent: list[Sent] = []
        self.host = VenueFixHost(self.venue, SESSION, self._send, self.venue.clock)
        self.venue.connect(self.host)
        self._seq = 1

    def _send(self, session_id: SessionId, msg_type: str, fields: list[tuple[int, FieldValue]]) -> None:
        assert session_id == SESSION
        self.sent.append((msg_type, dict(fields)))

    def receive(self, msg_type: str, fields: list[tuple[int, FieldValue]]) -> list[Sent]:
        """What the host answers one message from the EMS."""
        self._seq += 1
        parsed: FixMessage = message(msg_type, self._seq, fields, sender="EMS", target="LIT9")
        before = len(self.sent)
        self.host.on_message(SESSION, parsed)
        return self.sent[before:]


@pytest.fixture
def h() -> Host:
    return Host()


def test_an_unsupported_message_type_gets_a_business_reject(h: Host) -> None:
    [(msg_type, fields)] = h.receive("AB", ORDER)
    assert (msg_type, fields[372], fields[380], fields[58]) == ("j", "AB", 3, "MsgType AB unsupported")
    assert h.venue.submitted == {}


@pytest.mark.parametrize("quantity", ["300.5", None])
def test_an_order_without_whole_shares_is_refused_before_the_venue_sees_it(h: Host, quantity: str | None) -> None:
    fields = [(t, v) for t, v in ORDER if t != 38] + ([(38, quantity)] if quantity else [])
    [(msg_type, answer)] = h.receive("D", fields)
    assert (msg_type, answer[380], answer[58]) == ("j", 0, "OrderQty must be a whole number of shares")
    assert h.venue.submitted == {}


def test_a_second_order_under_the_same_clordid_is_refused_and_the_first_keeps_working(h: Host) -> None:
    assert h.receive("D", ORDER) == []
    [(msg_type, answer)] = h.receive("D", [(t, 900 if t == 38 else v) for t, v in ORDER])
    assert (msg_type, answer[58]) == ("j", "duplicate ClOrdID C1")
    assert [o.quantity for o in h.venue.submitted.values()] == [300]
    h.venue.ack(ChildId("C1"))
    [(report, fields)] = h.sent[-1:]
    assert (report, fields[11], fields[38], fields[151]) == ("8", "C1", 300, 300)


def test_a_cancel_or_replace_of_an_order_it_does_not_host_gets_an_order_cancel_reject(h: Host) -> None:
    cancel = [(41, "C7"), (11, "C7.1"), (55, "AAPL"), (54, "1"), (60, "20260105-14:30:00")]
    [(msg_type, answer)] = h.receive("F", cancel)
    assert (msg_type, answer[434], answer[58]) == ("9", "1", "unknown order")
    [(msg_type, answer)] = h.receive("G", [*cancel, (38, 100), (40, "2"), (44, "10.02")])
    assert (msg_type, answer[434], answer[58]) == ("9", "2", "unknown order")
    assert h.venue.cancels == [] and h.venue.replaces == []


def test_a_replace_without_whole_shares_gets_an_order_cancel_reject(h: Host) -> None:
    h.receive("D", ORDER)
    replace = [(41, "C1"), (11, "C1.1"), (55, "AAPL"), (54, "1"), (60, "20260105-14:30:00"), (38, "100.5"),
               (40, "2"), (44, "10.02")]
    [(msg_type, answer)] = h.receive("G", replace)
    assert (msg_type, answer[434], answer[58]) == ("9", "2", "bad OrderQty")
    assert h.venue.replaces == []


def test_a_status_request_for_an_order_it_does_not_host_says_it_is_unknown(h: Host) -> None:
    [(msg_type, answer)] = h.receive("H", [(11, "C9"), (55, "AAPL"), (54, "1")])
    assert (msg_type, answer[150], answer[39], answer[11]) == ("8", "I", "8", "C9")
    assert "unknown order" in str(answer[58]) and h.venue.status_requests == []
