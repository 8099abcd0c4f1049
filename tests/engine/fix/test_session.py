"""FixSession on a VirtualClock: logon, heartbeats, test requests, gaps, resends, rejects, logout."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import NS_PER_S
from engine.fix.framing import FixMessage
from engine.fix.session import SessionState
from tests.engine.fix.helpers import Harness, logon_fields, message

ORDER = [(11, "C1"), (55, "AAPL"), (54, 1), (60, "20240102-09:30:00"), (38, 100), (40, 1)]
REPORT = [(37, "O1"), (17, "E1"), (150, "0"), (39, "0"), (55, "AAPL"), (54, 1), (151, 100), (14, 0), (6, 0)]


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "fix.db")


def _sent_seq(msg: FixMessage) -> int:
    return msg.get_int(34) or 0


# ----- logon ---------------------------------------------------------------------------------------


def test_logon_is_answered_with_logon_and_application_is_told(h):
    [reply] = h.logon(heartbeat_s=30)
    assert reply.msg_type == "A"
    assert reply.get(108) == b"30" and reply.get(98) == b"0"
    assert reply.get(49) == b"EMS" and reply.get(56) == b"OMS1" and _sent_seq(reply) == 1
    assert h.session.logged_on
    assert h.app.events == [("logon", h.config.session_id)]
    assert (h.session.next_sender_seq, h.session.next_target_seq) == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"password": "wrong"}, "wrong Password (554)"),
        ({"password": None}, "Password (554) is required"),
        ({"heartbeat_s": -5}, "HeartBtInt (108)"),
    ],
)
def test_bad_logon_is_refused_with_logout_text_and_no_logon_callback(h, kwargs, reason):
    [reply] = h.logon(**kwargs)
    assert reply.msg_type == "5"
    assert reason in (reply.get_str(58) or "")
    assert h.transport.disconnected
    assert h.app.events == []
    assert h.session.next_target_seq == 1  # an unauthenticated Logon consumes nothing of theirs
    h.drop()
    assert h.app.events == [] and h.session.state is SessionState.DISCONNECTED


def test_refused_client_can_log_on_afterwards_with_the_right_password(h):
    h.logon(password="wrong")
    h.drop()
    replies = h.logon(seq=2)  # QuickFIX-like client: its refused Logon took its number 1
    assert [m.msg_type for m in replies] == ["A", "2"]
    assert _sent_seq(replies[0]) == 2  # our refusal took our number 1


def test_logon_with_reset_flag_starts_both_sides_at_one(h):
    h.logon()
    h.session.send("8", REPORT)
    h.drop()
    [reply] = h.logon(seq=1, reset=True)
    assert reply.msg_type == "A" and reply.get(141) == b"Y" and _sent_seq(reply) == 1
    assert h.session.next_target_seq == 2
    assert h.store.outbound(h.config.session_id, 1, 99) == []


def test_logon_below_expected_sequence_is_logged_out(h):
    h.logon()
    h.feed(message("0", 2), message("0", 3))
    h.drop()
    [reply] = h.logon(seq=2)
    assert reply.msg_type == "5"
    assert reply.get_str(58) == "MsgSeqNum too low, expecting 4 but received 2"
    assert h.transport.disconnected


def test_logon_above_expected_sequence_is_accepted_then_resend_requested(h):
    replies = h.logon(seq=5)
    assert [m.msg_type for m in replies] == ["A", "2"]
    assert replies[1].get(7) == b"1" and replies[1].get(16) == b"0"
    h.feed(message("4", 1, [(123, "Y"), (36, 5)], poss_dup=True))
    assert h.session.next_target_seq == 6  # the gap fill, then the held Logon's own number


# ----- heartbeats and test requests ----------------------------------------------------------------


def test_heartbeat_goes_out_after_an_interval_of_our_silence(h):
    h.logon(heartbeat_s=30)
    h.clock.advance(29 * NS_PER_S)
    h.feed(message("0", 2))
    assert h.transport.take() == []
    h.clock.advance(1 * NS_PER_S)
    assert h.transport.types() == ["0"]
    h.clock.advance(29 * NS_PER_S)
    assert h.transport.types() == []


def test_peer_silence_brings_a_test_request_then_a_disconnect(h):
    h.logon(heartbeat_s=10)
    h.clock.advance(12 * NS_PER_S - 1)  # 10 s + 20 % margin
    assert "1" not in h.transport.types()
    h.clock.advance(1)
    sent = h.transport.take()
    assert [m.msg_type for m in sent] == ["1"] and sent[0].get(112)
    assert not h.transport.disconnected
    h.clock.advance(12 * NS_PER_S - 1)
    assert h.transport.take() == [] and not h.transport.disconnected  # no Heartbeat while it is unanswered
    h.clock.advance(1)
    assert h.transport.take() == []  # QuickFIX drops the connection without a Logout
    assert h.transport.disconnected


def test_answer_to_test_request_keeps_the_session(h):
    h.logon(heartbeat_s=10)
    h.clock.advance(12 * NS_PER_S)
    [test_id] = [m.get(112) for m in h.transport.take() if m.msg_type == "1"]
    h.feed(message("0", 2, [(112, test_id)]))
    h.clock.advance(20 * NS_PER_S)
    assert not h.transport.disconnected


def test_test_request_is_answered_with_heartbeat_echoing_its_id(h):
    h.logon()
    h.feed(message("1", 2, [(112, "PING-7")]))
    [reply] = h.transport.take()
    assert reply.msg_type == "0" and reply.get(112) == b"PING-7"


# ----- sequence numbers ----------------------------------------------------------------------------


def test_too_high_sequence_asks_for_resend_and_holds_messages_until_the_gap_fills(h):
    h.logon()
    h.feed(message("D", 4, ORDER))
    [request] = h.transport.take()
    assert request.msg_type == "2" and request.get(7) == b"2" and request.get(16) == b"0"
    assert h.app.messages == []
    h.feed(message("D", 5, ORDER))
    assert h.transport.take() == []  # one outstanding ResendRequest covers it
    h.feed(message("D", 2, ORDER, poss_dup=True, orig_sending_time="20240102-09:00:00.000"))
    h.feed(message("D", 3, ORDER, poss_dup=True, orig_sending_time="20240102-09:00:00.000"))
    assert h.app.seqs() == [2, 3, 4, 5]
    assert h.session.next_target_seq == 6


def test_gap_fill_skips_the_missing_numbers_and_releases_held_messages(h):
    h.logon()
    h.feed(message("D", 6, ORDER))
    h.transport.take()
    h.feed(message("4", 2, [(123, "Y"), (36, 6)], poss_dup=True))
    assert h.app.seqs() == [6]
    assert h.session.next_target_seq == 7


def test_too_low_sequence_without_possdup_logs_out_with_the_reason(h):
    h.logon()
    h.feed(message("0", 2), message("0", 2))
    [logout] = h.transport.take()
    assert logout.msg_type == "5"
    assert logout.get_str(58) == "MsgSeqNum too low, expecting 3 but received 2"
    assert h.transport.disconnected


def test_too_low_sequence_with_possdup_is_ignored(h):
    h.logon()
    h.feed(message("D", 2, ORDER))
    h.feed(message("D", 2, ORDER, poss_dup=True, orig_sending_time="20240102-09:00:00.000"))
    assert h.app.seqs() == [2]
    assert h.transport.take() == [] and not h.transport.disconnected


def test_sequence_reset_mode_moves_expected_forward_whatever_its_own_number(h):
    h.logon()
    h.feed(message("4", 99, [(36, 10)]))
    assert h.session.next_target_seq == 10
    h.feed(message("4", 1, [(36, 5)]))
    [reject] = h.transport.take()
    assert reject.msg_type == "3" and reject.get(373) == b"5" and reject.get(45) == b"1"
    assert reject.get(371) is None  # as QuickFIX: the reason, not the tag
    assert h.session.next_target_seq == 10


# ----- answering resend requests -------------------------------------------------------------------


def test_resend_request_gets_app_messages_with_possdup_and_gap_fills_for_admin(h):
    h.logon(heartbeat_s=30)  # our seq 1: Logon
    h.session.send("8", REPORT)  # 2
    h.session.send("8", [*REPORT[:1], (17, "E2"), *REPORT[2:]])  # 3
    h.clock.advance(30 * NS_PER_S)  # 4: Heartbeat
    h.feed(message("0", 2))
    originals = h.transport.take()
    assert [m.msg_type for m in originals] == ["8", "8", "0"]
    h.clock.advance(1 * NS_PER_S)
    h.feed(message("2", 3, [(7, 1), (16, 0)]))
    resent = h.transport.take()
    assert [(m.msg_type, _sent_seq(m)) for m in resent] == [("4", 1), ("8", 2), ("8", 3), ("4", 4)]
    assert resent[0].get(123) == b"Y" and resent[0].get(36) == b"2"
    assert resent[3].get(36) == b"5"
    assert all(m.get(43) == b"Y" for m in resent)
    assert resent[1].get(122) == originals[0].get(52)
    assert resent[1].get(52) != originals[0].get(52)
    assert resent[2].get(17) == b"E2"
    assert h.session.next_sender_seq == 5  # resending takes no new numbers


def test_messages_sent_while_offline_are_kept_and_resent_after_logon(h):
    h.logon()
    h.drop()
    assert h.session.send("8", REPORT) is False
    h.store.commit()
    h.restart()  # the process restarts too: the message must come from the store
    [reply] = h.logon(seq=2)
    assert _sent_seq(reply) == 3
    h.feed(message("2", 3, [(7, 2), (16, 0)]))
    resent = h.transport.take()
    assert [(m.msg_type, _sent_seq(m), m.get(43)) for m in resent] == [("8", 2, b"Y"), ("4", 3, b"Y")]


def test_sequence_numbers_continue_after_restart(h):
    h.logon()
    h.feed(message("D", 2, ORDER))
    h.session.send("8", REPORT)
    h.store.commit()
    h.restart()
    assert (h.session.next_sender_seq, h.session.next_target_seq) == (3, 3)
    [reply] = h.logon(seq=3)
    assert reply.msg_type == "A" and _sent_seq(reply) == 3


# ----- malformed messages --------------------------------------------------------------------------


def test_test_request_without_id_is_rejected_and_session_stays_up(h):
    h.logon()
    h.feed(message("1", 2))
    [reject] = h.transport.take()
    assert reject.msg_type == "3"
    assert (reject.get(45), reject.get(371), reject.get(372), reject.get(373)) == (b"2", b"112", b"1", b"1")
    assert reject.get_str(58) == "Required tag missing"
    assert h.session.logged_on and h.session.next_target_seq == 3
    h.feed(message("D", 3, ORDER))
    assert h.app.seqs() == [3]


def test_resend_request_with_non_numeric_range_is_rejected(h):
    h.logon()
    h.feed(message("2", 2, [(7, "x"), (16, 0)]))
    [reject] = h.transport.take()
    assert reject.msg_type == "3" and reject.get(373) == b"6" and reject.get(371) == b"7"


def test_possdup_without_orig_sending_time_is_processed_in_sequence_but_rejected_below_it(h):
    h.logon()
    h.feed(message("D", 2, ORDER, poss_dup=True))  # QuickFIX checks OrigSendingTime only on a duplicate
    assert h.app.seqs() == [2] and h.transport.take() == []
    h.feed(message("D", 2, ORDER, poss_dup=True))
    [reject] = h.transport.take()
    assert (reject.msg_type, reject.get(45), reject.get(371), reject.get(373)) == ("3", b"2", b"122", b"1")
    assert h.app.seqs() == [2] and h.session.next_target_seq == 3


def test_wrong_comp_id_mid_session_is_rejected_and_logged_out(h):
    h.logon()
    h.feed(message("D", 2, ORDER, sender="OMS9"))
    reject, logout = h.transport.take()
    assert (reject.msg_type, reject.get(373), reject.get_str(58), logout.msg_type) == ("3", b"9", "CompID problem", "5")
    assert h.session.state is SessionState.LOGOUT_SENT and h.app.messages == []
    h.clock.advance(2 * NS_PER_S)  # no answer within LogoutTimeout
    assert h.transport.disconnected


def test_a_reset_logon_on_a_live_session_with_a_wrong_comp_id_is_refused_and_not_answered(h):
    h.logon()
    h.app.events.clear()
    h.feed(message("A", 1, logon_fields(reset=True), sender="OMS9"))
    sent = h.transport.take()
    assert "A" not in [m.msg_type for m in sent] and sent[-1].msg_type == "5"
    assert h.app.events == [] and h.session.state is not SessionState.LOGGED_ON


def test_messages_behind_a_logout_in_the_same_read_are_not_delivered(h):
    h.logon()
    h.feed(message("5", 2, [(58, "bye")]), message("D", 3, ORDER))
    assert h.transport.types() == ["5"] and h.transport.disconnected
    assert h.app.messages == [] and h.session.next_target_seq == 3


# ----- logout --------------------------------------------------------------------------------------


def test_client_logout_is_answered_then_connection_closed(h):
    h.logon()
    h.feed(message("5", 2, [(58, "bye")]))
    assert h.transport.types() == ["5"]
    assert h.transport.disconnected
    assert h.app.events[-1][0] == "logon"  # on_logout comes when the connection is really gone
    h.drop()
    assert h.app.events[-1] == ("logout", h.config.session_id)
    assert h.session.next_target_seq == 3


def test_our_logout_closes_on_the_answer(h):
    h.logon()
    h.session.logout("end of day")
    [logout] = h.transport.take()
    assert logout.msg_type == "5" and logout.get_str(58) == "end of day"
    assert h.session.state is SessionState.LOGOUT_SENT and not h.transport.disconnected
    h.feed(message("5", 2))
    assert h.transport.take() == []  # no second Logout
    assert h.transport.disconnected


def test_our_logout_gives_up_waiting_after_the_timeout(h):
    h.logon(heartbeat_s=30)
    h.session.logout()
    h.clock.advance(2 * NS_PER_S - 1)
    assert not h.transport.disconnected
    h.clock.advance(1)
    assert h.transport.disconnected


def test_application_messages_during_logout_are_kept_for_later(h):
    h.logon()
    h.session.logout()
    h.transport.take()
    assert h.session.send("8", REPORT) is False
    assert h.transport.take() == []
    assert [m.seq_num for m in h.store.outbound(h.config.session_id, 1, 99)] == [3]


def test_an_outbound_body_past_the_maximum_is_refused_before_it_takes_a_sequence_number(h):
    from engine.fix.session_core import MAX_OUTBOUND_BODY
    h.logon()
    before = h.session.next_sender_seq
    with pytest.raises(ValueError, match=f"exceeds {MAX_OUTBOUND_BODY:,}"):
        h.session.send("8", [(58, "x" * MAX_OUTBOUND_BODY)])
    assert h.session.next_sender_seq == before and h.transport.take() == []
