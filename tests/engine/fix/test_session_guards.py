"""The FIX session's guards that QuickFIX's acceptance scripts do not reach, each shown to matter: a counterparty's
Reject consumes its number; a Logout or ResendRequest from the wrong CompID is refused (no number consumed, no
early close, nothing of ours resent to it); a PossDup SequenceReset below the expected number is ignored as
QuickFIX ignores it (no OrigSendingTime asked of it); a second connection cannot claim a live session; a stale
second detach cannot reset the numbers of messages stored since; and the initiator's Logon cannot be sent from
the wrong state, and logs the counterparty's reason when its answer is a Logout."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from engine.clock import NS_PER_S, VirtualClock
from engine.fix.codec import encode_body, utc_timestamp
from engine.fix.config import SessionConfig, SessionSettings
from engine.fix.initiator_session import InitiatorSession
from engine.fix.session import SessionState
from engine.fix.session_core import MAX_OUTBOUND_BODY
from engine.fix.store import SessionStore
from tests.engine.fix.helpers import FakeTransport, Harness, RecordingApp, logon_fields, message

REPORT = [(37, "O1"), (17, "E1"), (150, "0"), (39, "0"), (55, "AAPL"), (54, 1), (151, 100), (14, 0), (6, 0)]


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "fix.db")
    harness.logon()
    return harness


def test_a_counterparty_reject_consumes_its_number(h: Harness) -> None:
    h.feed(message("3", 2, [(45, 1), (58, "not today")]))
    h.feed(message("0", 3))
    assert h.transport.types() == []  # no ResendRequest: the Reject was number 2
    assert h.session.next_target_seq == 4


def test_a_logout_from_the_wrong_compid_is_refused_and_closes_nothing_early(h: Harness) -> None:
    h.feed(message("5", 2, sender="EVIL"))
    replies = h.transport.take()
    assert [(m.msg_type, m.get_str(373)) for m in replies] == [("3", "9"), ("5", None)]  # CompID problem
    assert h.session.state is SessionState.LOGOUT_SENT and not h.transport.disconnected
    assert h.session.next_target_seq == 3  # consumed once, by the Reject (as QuickFIX's generateReject does)
    assert h.app.events == [("logon", h.config.session_id)]


def test_a_resend_request_from_the_wrong_compid_gets_nothing_of_ours(h: Harness) -> None:
    for _ in range(2):
        assert h.session.send("8", REPORT)
    h.transport.take()
    h.feed(message("2", 2, [(7, 1), (16, 0)], sender="EVIL"))
    assert [m.msg_type for m in h.transport.take()] == ["3", "5"]  # refused: no report resent to it
    h.feed(message("2", 2, [(7, 2), (16, 0)]))
    resent = [m for m in h.transport.take() if m.msg_type == "8"]
    assert [(m.get_int(34), m.get(43)) for m in resent] == [(2, b"Y"), (3, b"Y")]  # the real client gets them


def test_a_possdup_sequence_reset_below_the_expected_number_is_ignored(h: Harness) -> None:
    h.feed(message("0", 2), message("0", 3))
    h.feed(message("4", 2, [(123, "Y"), (36, 3)], poss_dup=True))  # a resent gap fill, no OrigSendingTime
    assert h.transport.types() == []  # QuickFIX's doPossDup: a SequenceReset is not asked for OrigSendingTime
    assert h.session.next_target_seq == 4 and h.session.state is SessionState.LOGGED_ON


def test_a_possdup_resend_whose_orig_sending_time_equals_its_sending_time_is_a_good_duplicate(h: Harness) -> None:
    h.feed(message("0", 2), message("0", 3))
    now = utc_timestamp(time.time_ns())
    h.feed(message("0", 2, poss_dup=True, orig_sending_time=now, sending_time=now))
    assert h.transport.types() == [] and h.session.state is SessionState.LOGGED_ON  # ignored: not refused


class CountingTransport:
    """Keeps only the sizes of what the session writes (a 1 MB frame is more than a reader's framer takes)."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.disconnected = False

    def write(self, data: bytes) -> None:
        self.sizes.append(len(data))

    def disconnect(self) -> None:
        self.disconnected = True


def test_an_application_message_at_the_outbound_size_bound_is_sent_and_one_byte_more_refused(tmp_path: Path) -> None:
    h = Harness(tmp_path / "big.db")
    h.logon()
    h.drop()
    wire = CountingTransport()
    h.session.attach(wire)
    h.feed(message("A", 2, logon_fields()))
    text = "x" * (MAX_OUTBOUND_BODY - len(encode_body([(58, "")])))
    assert len(encode_body([(58, text)])) == MAX_OUTBOUND_BODY
    sizes_before = len(wire.sizes)
    assert h.session.send("8", [(58, text)])
    assert len(wire.sizes) == sizes_before + 1 and wire.sizes[-1] > MAX_OUTBOUND_BODY
    with pytest.raises(ValueError, match="exceeds"):
        h.session.send("8", [(58, text + "x")])
    assert len(wire.sizes) == sizes_before + 1


def test_a_second_connection_cannot_claim_a_live_session(h: Harness) -> None:
    first = h.transport
    with pytest.raises(RuntimeError, match="already logged on"):
        h.session.attach(FakeTransport())
    assert h.session.logged_on
    assert h.session.send("8", REPORT) and [m.msg_type for m in first.take()] == ["8"]


def test_a_stale_second_detach_does_not_reset_what_was_stored_since(tmp_path: Path) -> None:
    h = Harness(tmp_path / "fix.db", settings=SessionSettings(reset_on_disconnect=True))
    h.logon()
    h.drop()  # numbers back to 1 (ResetOnDisconnect)
    assert not h.session.send("8", REPORT)  # stored for the next logon's resend, number 1
    assert h.session.next_sender_seq == 2
    h.drop()  # the closed connection's late report of its loss
    assert h.session.next_sender_seq == 2
    assert len(h.store.outbound(h.config.session_id, 1, 1)) == 1
    assert h.app.events == [("logon", h.config.session_id), ("logout", h.config.session_id)]


def _initiator(tmp_path: Path, next_target: int = 1) -> tuple[InitiatorSession, FakeTransport, RecordingApp]:
    store = SessionStore(tmp_path / "initiator.db")
    store.set_next_target(SessionConfig("EMS", "VENUE").session_id, next_target)
    app = RecordingApp()
    session = InitiatorSession(SessionConfig("EMS", "VENUE", password=None), store, VirtualClock(time.time_ns()),
                               app)
    return session, FakeTransport(), app


def test_the_initiators_logon_cannot_be_sent_from_the_wrong_state(tmp_path: Path) -> None:
    session, transport, _ = _initiator(tmp_path, next_target=7)
    session.attach(transport)
    session.start_logon(30, reset=False)
    session.detach()
    numbers = (session.next_sender_seq, session.next_target_seq)
    assert numbers == (2, 7)
    with pytest.raises(RuntimeError, match="not awaiting logon"):
        session.start_logon(30, reset=True)  # no connection: nothing sent, and the numbers are not reset
    assert (session.next_sender_seq, session.next_target_seq) == numbers


def test_a_logout_answering_our_logon_is_logged_with_the_counterpartys_reason(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    session, transport, app = _initiator(tmp_path)
    session.attach(transport)
    session.start_logon(30, reset=False)
    with caplog.at_level(logging.WARNING, logger="engine.fix"):
        session.on_messages([message("5", 1, [(58, "unknown CompID EMS")], sender="VENUE", target="EMS",
                                     sending_time=utc_timestamp(time.time_ns() + NS_PER_S))])
    assert "Logon refused by the counterparty: unknown CompID EMS" in caplog.text
    assert transport.disconnected and app.events == []
