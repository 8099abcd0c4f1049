"""Test doubles for the FIX session layer: a client-side message builder, a transport, an application."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from engine.clock import VirtualClock
from engine.fix.codec import FieldValue, encode, encode_body, utc_timestamp
from engine.fix.config import SessionConfig, SessionId, SessionSettings
from engine.fix.framing import FixFramer, FixMessage
from engine.fix.session import FixSession
from engine.fix.store import SessionStore

CLIENT = "OMS1"
US = "EMS"


def frame(
    msg_type: str,
    seq: int,
    fields: Sequence[tuple[int, FieldValue]] = (),
    *,
    sender: str = CLIENT,
    target: str = US,
    poss_dup: bool = False,
    orig_sending_time: str | None = None,
    begin_string: str = "FIX.4.4",
    sending_time: str | None = None,
) -> bytes:
    """Bytes a client would send; SendingTime is the wall clock's now unless given (sessions check it)."""
    return encode(
        msg_type,
        encode_body(fields),
        begin_string=begin_string,
        sender_comp_id=sender,
        target_comp_id=target,
        seq_num=seq,
        sending_time=sending_time or utc_timestamp(time.time_ns()),
        poss_dup=poss_dup,
        orig_sending_time=orig_sending_time,
    )


def message(msg_type: str, seq: int, fields: Sequence[tuple[int, FieldValue]] = (), **kwargs: object) -> FixMessage:
    """One client message, framed and parsed back (so it is exactly what the framer delivers)."""
    framed = FixFramer().feed(frame(msg_type, seq, fields, **kwargs))  # type: ignore[arg-type]
    assert not framed.errors and len(framed.messages) == 1
    return framed.messages[0]


def raw_message(data: bytes) -> FixMessage:
    framed = FixFramer().feed(data)
    assert not framed.errors and len(framed.messages) == 1, framed
    return framed.messages[0]


def logon_fields(
    password: str | None = "secret", heartbeat_s: int = 30, reset: bool = False
) -> list[tuple[int, FieldValue]]:
    fields: list[tuple[int, FieldValue]] = [(98, 0), (108, heartbeat_s)]
    if reset:
        fields.append((141, "Y"))
    if password is not None:
        fields.append((554, password))
    return fields


class FakeTransport:
    """Collects what the session writes, parsed back into messages."""

    def __init__(self) -> None:
        self._framer = FixFramer()
        self.sent: list[FixMessage] = []
        self.disconnected = False

    def write(self, data: bytes) -> None:
        framed = self._framer.feed(data)
        assert not framed.errors, framed.errors
        self.sent.extend(framed.messages)

    def disconnect(self) -> None:
        self.disconnected = True

    def take(self) -> list[FixMessage]:
        sent, self.sent = self.sent, []
        return sent

    def types(self) -> list[str]:
        return [m.msg_type for m in self.take()]


class RecordingApp:
    """Remembers every callback; optionally answers NewOrderSingle via `reply`."""

    def __init__(self) -> None:
        self.events: list[tuple[str, SessionId]] = []
        self.messages: list[tuple[SessionId, FixMessage]] = []

    def on_logon(self, session_id: SessionId) -> None:
        self.events.append(("logon", session_id))

    def on_logout(self, session_id: SessionId) -> None:
        self.events.append(("logout", session_id))

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        self.messages.append((session_id, message))

    def seqs(self) -> list[int]:
        return [m.get_int(34) or 0 for _, m in self.messages]


class Harness:
    """One FixSession on a VirtualClock started at the wall clock's now, with a fake transport."""

    def __init__(self, path: Path, password: str | None = "secret", settings: SessionSettings | None = None) -> None:
        self.path = path
        self.settings = settings
        self.errors: list[tuple[SessionId, str]] = []
        self.clock = VirtualClock(time.time_ns())  # now: the session checks SendingTime against it
        self.store = SessionStore(path)
        self.app = RecordingApp()
        self.config = SessionConfig("EMS", "OMS1", password=password)
        self.session = self._new_session()
        self.transport = FakeTransport()

    def _new_session(self) -> FixSession:
        return FixSession(self.config, self.store, self.clock, self.app, logout_timeout_s=2, settings=self.settings,
                          on_error=lambda sid, reason: self.errors.append((sid, reason)))

    def restart(self) -> None:
        self.session.detach()
        self.store.close()
        self.store = SessionStore(self.path)
        self.session = self._new_session()

    def connect(self) -> None:
        self.transport = FakeTransport()
        self.session.attach(self.transport)

    def feed(self, *messages: FixMessage) -> None:
        self.session.on_messages(list(messages))

    def logon(self, seq: int = 1, sending_time: str | None = None, **kwargs: object) -> list[FixMessage]:
        self.connect()
        self.feed(message("A", seq, logon_fields(**kwargs), sending_time=sending_time))  # type: ignore[arg-type]
        return self.transport.take()

    def drop(self) -> None:
        self.session.detach()
