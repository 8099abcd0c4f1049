"""Configuration of the FIX acceptor: which OMS sessions may log on, and where it listens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

SessionId = NewType("SessionId", str)

FIX44 = "FIX.4.4"


def make_session_id(begin_string: str, sender_comp_id: str, target_comp_id: str) -> SessionId:
    """QuickFIX-style id seen from our side, e.g. `FIX.4.4:EMS->OMS1`."""
    return SessionId(f"{begin_string}:{sender_comp_id}->{target_comp_id}")


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """One permitted session, named from the acceptor's side (QuickFIX convention).

    `sender_comp_id` is our CompID (the EMS, tag 56 on what the OMS sends us); `target_comp_id` is the
    OMS client's (its 49). `password`, when set, must match Password (554) on the client's Logon.
    """

    sender_comp_id: str
    target_comp_id: str
    password: str | None = None
    begin_string: str = FIX44

    def __post_init__(self) -> None:
        for name in ("sender_comp_id", "target_comp_id"):
            value = getattr(self, name)
            if not value or "\x01" in value or "=" in value:
                raise ValueError(f"session {name} {value!r} must be a non-empty CompID without SOH or '='")
        if self.begin_string != FIX44:
            raise ValueError(f"only {FIX44} sessions are supported, got {self.begin_string!r}")

    @property
    def session_id(self) -> SessionId:
        return make_session_id(self.begin_string, self.sender_comp_id, self.target_comp_id)


@dataclass(frozen=True, slots=True)
class AcceptorConfig:
    """Listening address (loopback unless configured otherwise; port 0 = ephemeral) and sessions.

    Timeouts are in seconds of the injected clock: a connection must log on within `logon_timeout_s`;
    after we send Logout we wait `logout_timeout_s` for the answer. The counterparty is sent a
    TestRequest after HeartBtInt + `heartbeat_margin` x HeartBtInt of silence and dropped after
    twice that. `synchronous` is the session store's SQLite mode: NORMAL survives a process kill,
    FULL also a power loss.
    """

    sessions: tuple[SessionConfig, ...]
    host: str = "127.0.0.1"
    port: int = 0
    logon_timeout_s: float = 10.0
    logout_timeout_s: float = 2.0
    heartbeat_margin: float = 0.2
    max_heartbeat_s: int = 3600
    synchronous: str = "NORMAL"

    def __post_init__(self) -> None:
        seen: set[tuple[str, str]] = set()
        for session in self.sessions:
            key = (session.sender_comp_id, session.target_comp_id)
            if key in seen:
                raise ValueError(f"session {session.session_id} is configured twice")
            seen.add(key)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"acceptor port must be 0..65535, got {self.port}")
        if self.heartbeat_margin < 0:
            raise ValueError(f"heartbeat margin must be >= 0, got {self.heartbeat_margin}")
