"""validate_logon on its own: the session checks a Logon against its configuration even where the acceptor
matched BeginString and CompIDs before it (the session must not rely on the acceptor's routing)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.fix.config import SessionConfig
from engine.fix.logon import LogonAccepted, LogonRefused, validate_logon
from tests.engine.fix.helpers import logon_fields, message, raw_message

CONFIG = SessionConfig("EMS", "OMS1", password="secret")


def check(msg_type: str = "A", seq: int = 1, fields: list[Any] | None = None, **kwargs: Any) -> LogonAccepted | \
        LogonRefused:
    return validate_logon(message(msg_type, seq, logon_fields() if fields is None else fields, **kwargs), CONFIG,
                          max_heartbeat_s=3600)


def test_a_good_logon_is_accepted_with_its_terms() -> None:
    assert check(seq=7) == LogonAccepted(heartbeat_s=30, reset_seq_nums=False, seq_num=7)


def test_heartbeat_intervals_at_both_bounds_are_accepted() -> None:
    for heartbeat_s in (0, 3600):  # 0: no heartbeats (FIX allows it); 3600: the configured maximum
        assert check(fields=logon_fields(heartbeat_s=heartbeat_s)) == LogonAccepted(heartbeat_s, False, 1)


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"msg_type": "0", "fields": []}, "first message must be Logon (35=A), got 35=0"),
    ({"begin_string": "FIX.4.2"}, "BeginString (8) must be FIX.4.4, got FIX.4.2"),
    ({"sender": "OMS9"}, "unknown session: SenderCompID=OMS9 TargetCompID=EMS"),
    ({"target": "NOTUS"}, "unknown session: SenderCompID=OMS1 TargetCompID=NOTUS"),
    ({"fields": logon_fields(password="wrong")}, "wrong Password (554)"),
    ({"fields": logon_fields(password=None)}, "Password (554) is required"),
    ({"fields": [(98, 0), (554, "secret")]}, "HeartBtInt (108) is required"),
    ({"fields": [(108, 30), (554, "secret")]}, "EncryptMethod (98) is required"),
    ({"fields": [(98, 1), (108, 30), (554, "secret")]}, "EncryptMethod (98) must be 0 (none), got 1"),
    ({"fields": logon_fields(heartbeat_s=3601)}, "HeartBtInt (108) must be 0..3600 seconds, got 3601"),
    ({"fields": [*logon_fields(), (141, "X")]}, "ResetSeqNumFlag (141) must be Y or N"),
    ({"seq": 0}, "MsgSeqNum (34) is missing or below 1"),
    ({"seq": 5, "fields": logon_fields(reset=True)}, "ResetSeqNumFlag (141)=Y requires MsgSeqNum (34) 1, got 5"),
])
def test_a_bad_logon_is_refused_naming_what_is_wrong(kwargs: dict[str, Any], said: str) -> None:
    refused = check(**kwargs)
    assert isinstance(refused, LogonRefused) and said in refused.reason, refused


def test_a_logon_without_sending_time_is_refused() -> None:
    body = b"35=A\x0149=OMS1\x0156=EMS\x0134=1\x0198=0\x01108=30\x01554=secret\x01"
    head = b"8=FIX.4.4\x019=" + str(len(body)).encode() + b"\x01"
    data = head + body
    data += b"10=" + f"{sum(data) % 256:03d}".encode() + b"\x01"
    refused = validate_logon(raw_message(data), CONFIG, max_heartbeat_s=3600)
    assert refused == LogonRefused("SendingTime (52) is required")
