"""When a logged-on session must send a Heartbeat or a TestRequest, or give up on a silent peer.

Pure functions of the session's clocks: the session keeps one timer and asks `next_check_ns` when to
wake. The peer gets a TestRequest after HeartBtInt x (1 + margin) of silence and is dropped after
twice that (FIX: "if there is still no heartbeat after the same interval, the connection is lost").
While a TestRequest is unanswered no Heartbeat is sent (QuickFIX's rule: the next thing the peer
hears from us after it is the disconnect).
"""

from __future__ import annotations

import enum


class HeartbeatAction(enum.Enum):
    NOTHING = "nothing"
    SEND_HEARTBEAT = "send heartbeat"
    SEND_TEST_REQUEST = "send test request"
    DISCONNECT = "disconnect"


def silence_limit_ns(heartbeat_ns: int, margin: float) -> int:
    return int(heartbeat_ns * (1 + margin))


def heartbeat_action(
    now_ns: int, last_sent_ns: int, last_received_ns: int, heartbeat_ns: int, margin: float, test_pending: bool
) -> HeartbeatAction:
    """What to do at `now_ns`; HeartBtInt 0 means no heartbeats at all."""
    if heartbeat_ns <= 0:
        return HeartbeatAction.NOTHING
    limit = silence_limit_ns(heartbeat_ns, margin)
    silence = now_ns - last_received_ns
    if test_pending:
        return HeartbeatAction.DISCONNECT if silence >= 2 * limit else HeartbeatAction.NOTHING
    if silence >= limit:
        return HeartbeatAction.SEND_TEST_REQUEST
    if now_ns - last_sent_ns >= heartbeat_ns:
        return HeartbeatAction.SEND_HEARTBEAT
    return HeartbeatAction.NOTHING


def next_check_ns(
    last_sent_ns: int, last_received_ns: int, heartbeat_ns: int, margin: float, test_pending: bool
) -> int | None:
    """The earliest instant `heartbeat_action` could answer something other than NOTHING."""
    if heartbeat_ns <= 0:
        return None
    limit = silence_limit_ns(heartbeat_ns, margin)
    if test_pending:
        return last_received_ns + 2 * limit
    return min(last_sent_ns + heartbeat_ns, last_received_ns + limit)


class HeartbeatMonitor:
    """The session's traffic clocks: when we last sent, when we last heard, whether we asked."""

    __slots__ = ("interval_ns", "last_received_ns", "last_sent_ns", "margin", "test_pending")

    def __init__(self, margin: float) -> None:
        self.margin = margin
        self.interval_ns = 0
        self.last_sent_ns = 0
        self.last_received_ns = 0
        self.test_pending = False

    def start(self, now_ns: int, interval_ns: int = 0) -> None:
        self.interval_ns = interval_ns
        self.last_sent_ns = self.last_received_ns = now_ns
        self.test_pending = False

    def received(self, now_ns: int) -> None:
        self.last_received_ns = now_ns
        self.test_pending = False

    def action(self, now_ns: int) -> HeartbeatAction:
        return heartbeat_action(
            now_ns, self.last_sent_ns, self.last_received_ns, self.interval_ns, self.margin, self.test_pending
        )

    def next_check_ns(self) -> int | None:
        return next_check_ns(self.last_sent_ns, self.last_received_ns, self.interval_ns, self.margin, self.test_pending)
