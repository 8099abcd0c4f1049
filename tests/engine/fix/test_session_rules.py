"""FixSession against the rules QuickFIX's acceptance tests hold a session to, with the settings named as QuickFIX
names them: validation rejects, SendingTime accuracy, BeginString, CompIDs, PossDup below the expected number,
sequence resets, reverse routing, Reset* settings, and a failing application that hurts only its own session."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clock import NS_PER_S
from engine.fix import session as session_module
from engine.fix.codec import utc_timestamp
from engine.fix.config import SessionSettings
from engine.fix.framing import FixMessage
from engine.fix.session import FixSession, SessionState
from tests.engine.fix.helpers import Harness, RecordingApp, logon_fields, message

ORDER = [(11, "C1"), (21, "1"), (38, 100), (40, "1"), (54, "1"), (55, "AAPL"), (60, "20240102-09:30:00")]


def ago(seconds: float) -> str:
    return utc_timestamp(time.time_ns() - int(seconds * NS_PER_S))


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "fix.db")


def harness(tmp_path: Path, **settings: object) -> Harness:
    return Harness(tmp_path / "fix.db", settings=SessionSettings(**settings))  # type: ignore[arg-type]


def fields_of(msg: FixMessage) -> dict[int, bytes]:
    return {tag: value for tag, value in reversed(msg.pairs)}


def test_a_session_defect_is_rejected_with_reason_tag_and_quickfix_wording_and_consumes_its_number(h):
    h.logon()
    h.feed(message("D", 2, [*ORDER, (40, "2")]))
    [reject] = h.transport.take()
    f = fields_of(reject)
    assert (f[35], f[45], f[371], f[372], f[373], f[58]) == (b"3", b"2", b"40", b"D", b"13",
                                                             b"Tag appears more than once")
    assert h.app.messages == [] and h.session.next_target_seq == 3 and h.session.logged_on


@pytest.mark.parametrize("offset_s", [-121, 121])
def test_sending_time_off_by_more_than_max_latency_is_rejected_and_logged_out(h, offset_s):
    h.logon()
    h.feed(message("0", 2, sending_time=ago(-offset_s)))
    reject, logout = h.transport.take()
    assert (reject.get(373), reject.get_str(58), reject.get(371)) == (b"10", "SendingTime accuracy problem", None)
    assert logout.msg_type == "5" and h.session.state is SessionState.LOGOUT_SENT
    h.feed(message("5", 3))
    assert h.transport.disconnected and h.transport.take() == []  # their answer: no second Logout


def test_sending_time_within_max_latency_or_unchecked_is_accepted(tmp_path):
    h = harness(tmp_path, max_latency_s=300)
    h.logon()
    h.feed(message("0", 2, sending_time=ago(250)))
    assert h.transport.take() == [] and h.session.next_target_seq == 3
    unchecked = harness(tmp_path / "b", check_latency=False)
    assert unchecked.logon(sending_time=ago(10**6))[0].msg_type == "A"


def test_a_logon_with_a_bad_sending_time_is_disconnected_without_a_word(h):
    h.connect()
    h.feed(message("A", 1, logon_fields(), sending_time="20010101-00:00:00"))
    assert h.transport.take() == [] and h.transport.disconnected and h.app.events == []


def test_wrong_begin_string_mid_session_logs_out_with_its_reason(h):
    h.logon()
    h.feed(message("1", 2, [(112, "id")], begin_string="FIX.4.1"))
    [logout] = h.transport.take()
    assert logout.msg_type == "5" and logout.get_str(58) == "Incorrect BeginString"
    assert h.session.next_target_seq == 3
    h.clock.advance(2 * NS_PER_S)  # no answer: LogoutTimeout
    assert h.transport.disconnected


def test_missing_target_comp_id_is_a_reject_for_admin_and_a_business_reject_for_application_messages(h):
    h.logon()
    h.feed(message("0", 2, target=""))  # present but empty: the validator names it
    h.feed(FixMessage(b"", [(8, b"FIX.4.4"), (9, b"0"), (35, b"D"), (34, b"3"), (49, b"OMS1"),
                            (52, ago(0).encode()), *[(t, str(v).encode()) for t, v in ORDER], (10, b"000")]))
    reject, business = h.transport.take()
    assert (reject.get(373), reject.get(371)) == (b"4", b"56")
    assert (business.msg_type, business.get(380), business.get(45)) == ("j", b"5", b"3")
    assert h.session.next_target_seq == 4


def test_too_low_possdup_with_orig_sending_time_after_sending_time_is_rejected_and_logged_out(h):
    h.logon()
    h.feed(message("D", 2, ORDER))
    h.feed(message("D", 2, ORDER, poss_dup=True, orig_sending_time=ago(-10)))
    reject, logout = h.transport.take()
    assert (reject.get(45), reject.get(373), logout.msg_type) == (b"2", b"10", "5")
    assert h.app.seqs() == [2]


def test_logon_with_reset_flag_on_a_live_session_starts_both_sides_again(h):
    h.logon()
    h.feed(message("0", 2), message("0", 3))
    h.feed(message("A", 1, logon_fields(reset=True)))
    [reply] = h.transport.take()
    assert (reply.msg_type, reply.get(141), reply.get_int(34)) == ("A", b"Y", 1)
    assert (h.session.next_sender_seq, h.session.next_target_seq) == (2, 2)
    h.feed(message("1", 2, [(112, "after")]))
    assert [(m.msg_type, m.get_int(34)) for m in h.transport.take()] == [("0", 2)]


def test_a_second_logon_without_reset_drops_the_connection(h):
    h.logon()
    h.feed(message("A", 2, logon_fields()))
    assert h.transport.take() == [] and h.transport.disconnected


def test_reset_on_logon_takes_any_counterparty_back_to_one(tmp_path):
    h = harness(tmp_path, reset_on_logon=True)
    h.logon()
    h.feed(message("0", 2))
    h.session.send("8", [(37, "O1")])
    h.drop()
    [reply] = h.logon(seq=1)
    assert reply.msg_type == "A" and reply.get_int(34) == 1 and reply.get(141) is None
    assert h.store.outbound(h.config.session_id, 1, 99) == []


@pytest.mark.parametrize("setting", ["reset_on_logout", "reset_on_disconnect"])
def test_reset_on_logout_and_on_disconnect(tmp_path, setting):
    h = harness(tmp_path, **{setting: True})
    h.logon()
    h.feed(message("0", 2))
    if setting == "reset_on_logout":
        h.feed(message("5", 3))
    h.drop()
    assert (h.session.next_sender_seq, h.session.next_target_seq) == (1, 1)
    plain = harness(tmp_path / "plain")
    plain.logon()
    plain.drop()
    assert (plain.session.next_sender_seq, plain.session.next_target_seq) == (2, 2)


def test_heartbtint_outside_the_configured_bounds_is_refused_with_a_logout(tmp_path):
    h = Harness(tmp_path / "fix.db")
    h.session = session_module.FixSession(h.config, h.store, h.clock, h.app, min_heartbeat_s=5, max_heartbeat_s=60)
    [logout] = h.logon(heartbeat_s=1)
    assert logout.msg_type == "5" and "HeartBtInt (108) must be 5..60 seconds, got 1" in (logout.get_str(58) or "")
    assert h.transport.disconnected and h.app.events == []


def test_user_defined_tags_are_checked_only_when_asked(tmp_path):
    strict = harness(tmp_path, validate_user_defined_fields=True)
    strict.logon()
    strict.feed(message("D", 2, [*ORDER, (9100, "TWAP")]))
    [reject] = strict.transport.take()
    assert (reject.get(373), reject.get(371)) == (b"0", b"9100")
    lenient = harness(tmp_path / "b")
    lenient.logon()
    lenient.feed(message("D", 2, [*ORDER, (9100, "TWAP")]))
    assert lenient.app.seqs() == [2]


def test_a_reject_goes_back_the_way_the_message_came(h):
    h.logon()
    order = [(115, "JCD"), (116, "CS"), *[(t, "w" if t == 40 else v) for t, v in ORDER]]
    h.feed(message("D", 2, order))
    [reject] = h.transport.take()
    assert (reject.get(128), reject.get(129), reject.get(115), reject.get(371)) == (b"JCD", b"CS", None, b"40")
    head = [t for t, _ in reject.pairs]
    assert head[:8] == [8, 9, 35, 34, 49, 52, 56, 128]  # QuickFIX's header order, routing in its place


def test_an_answered_test_request_brings_the_next_heartbeat_on_time(h):
    h.logon(heartbeat_s=6)
    h.clock.advance(6 * NS_PER_S)
    assert h.transport.types() == ["0"]
    h.feed(message("0", 2))
    h.clock.advance(6 * NS_PER_S)
    assert h.transport.types() == ["0"]
    h.clock.advance(int(1.2 * NS_PER_S))  # 7.2 s of their silence
    assert h.transport.types() == ["1"]
    h.feed(message("0", 3, [(112, "TEST")]))
    h.clock.advance(6 * NS_PER_S - 1)
    assert h.transport.types() == []
    h.clock.advance(1)  # 6 s after our TestRequest: a Heartbeat (not, 1.2 s later, another TestRequest)
    assert h.transport.types() == ["0"]


def test_an_application_failure_closes_only_that_session_and_keeps_the_message_for_a_resend(h, monkeypatch):
    def explode(session_id, msg):
        raise RuntimeError("boom")

    h.logon()
    monkeypatch.setattr(h.app, "on_message", explode)
    h.feed(message("D", 2, ORDER))
    [logout] = h.transport.take()
    assert logout.msg_type == "5" and "internal error" in (logout.get_str(58) or "")
    assert h.transport.disconnected and h.session.next_target_seq == 2  # not consumed: it comes again
    assert h.errors and "boom" in h.errors[0][1]


def test_too_many_held_messages_log_the_counterparty_out(h, monkeypatch):
    monkeypatch.setattr(session_module, "MAX_QUEUED", 3)
    h.logon()
    h.feed(*(message("0", seq) for seq in range(10, 14)))
    assert [m.msg_type for m in h.transport.take()] == ["2", "5"]
    assert h.transport.disconnected


_MUTATIONS = st.sampled_from([
    [(38, "1e3")], [(38, "+100")], [(38, "1_000")], [(44, "NaN")], [(999, "x")], [(1, "")], [(40, "2"), (40, "1")],
    [(21, "9")], [(386, "2"), (336, "A")], [(55, "X" * 40), (167, "BOO")], [(126, "2024")],
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), _MUTATIONS), min_size=1, max_size=12))
def test_good_orders_between_bad_ones_all_arrive_in_order_and_no_bad_one_does(tmp_path_factory, plan):
    h = Harness(tmp_path_factory.mktemp("prop") / "fix.db")
    h.app = RecordingApp()
    h.session = h._new_session()
    h.logon()
    for offset, mutation in enumerate(plan):
        fields = [*ORDER, (1, f"acct-{offset}")] if mutation is None else [*ORDER, *mutation]
        h.feed(message("D", offset + 2, fields))
    replies = h.transport.take()
    bad = [i + 2 for i, m in enumerate(plan) if m is not None]
    assert h.app.seqs() == [i + 2 for i, m in enumerate(plan) if m is None]
    assert [m.get_int(45) for m in replies if m.msg_type == "3"] == bad
    assert h.session.logged_on and h.session.next_target_seq == len(plan) + 2


def test_the_silence_watch_is_told_when_a_test_request_goes_out_and_when_the_peer_speaks_again(tmp_path):
    h = Harness(tmp_path / "fix.db")
    told: list[bool] = []
    h.session = FixSession(h.config, h.store, h.clock, h.app, logout_timeout_s=2, on_silence=told.append)
    h.logon(heartbeat_s=6)
    h.feed(message("0", 2))
    h.clock.advance(int(7.2 * NS_PER_S))  # 7.2 s of their silence
    assert h.transport.types() == ["0", "1"] and told == [True]  # our Heartbeat at 6 s, the TestRequest at 7.2
    h.feed(message("0", 3, [(112, "TEST")]))
    assert told == [True, False]
    h.feed(message("0", 4))
    assert told == [True, False]  # nothing was pending: nothing to tell
