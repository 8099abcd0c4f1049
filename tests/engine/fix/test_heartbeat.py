"""Heartbeat decisions: when to send a Heartbeat or TestRequest, when to give up on a silent peer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fix.heartbeat import HeartbeatAction, heartbeat_action, next_check_ns

S = 1_000_000_000
HB = 30 * S


@pytest.mark.parametrize(
    ("now", "last_sent", "last_received", "pending", "expected"),
    [
        (29 * S, 0, 0, False, HeartbeatAction.NOTHING),
        (30 * S, 0, 20 * S, False, HeartbeatAction.SEND_HEARTBEAT),
        (36 * S, 30 * S, 0, False, HeartbeatAction.SEND_TEST_REQUEST),  # 30 s + 20 % of silence
        (71 * S, 60 * S, 0, True, HeartbeatAction.NOTHING),  # test request sent, still waiting
        (71 * S, 40 * S, 0, True, HeartbeatAction.NOTHING),  # no Heartbeat while it is unanswered (QuickFIX)
        (72 * S, 60 * S, 0, True, HeartbeatAction.DISCONNECT),
    ],
)
def test_heartbeat_table(now, last_sent, last_received, pending, expected):
    assert heartbeat_action(now, last_sent, last_received, HB, 0.2, pending) is expected


def test_heartbtint_zero_means_no_heartbeats_at_all():
    assert heartbeat_action(10**15, 0, 0, 0, 0.2, False) is HeartbeatAction.NOTHING
    assert next_check_ns(0, 0, 0, 0.2, False) is None


@given(
    st.integers(0, 10**12),
    st.integers(0, 10**12),
    st.integers(1, 10**11),
    st.floats(0, 1),
    st.booleans(),
)
def test_nothing_to_do_until_the_next_check(last_sent, last_received, heartbeat, margin, pending):
    due = next_check_ns(last_sent, last_received, heartbeat, margin, pending)
    assert due is not None
    assert heartbeat_action(due, last_sent, last_received, heartbeat, margin, pending) is not HeartbeatAction.NOTHING
    assert heartbeat_action(due - 1, last_sent, last_received, heartbeat, margin, pending) is HeartbeatAction.NOTHING
