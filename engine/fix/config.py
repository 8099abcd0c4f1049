"""Configuration of the FIX acceptor: which OMS sessions may log on, where it listens, and how sessions behave.

Session behaviour settings are named after QuickFIX's (ResetOnLogon -> `reset_on_logon`, ...) and parsed from
the `[fix]` table by `parse_session_settings`; `resources/default_config.toml` documents each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, NewType

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
class SessionSettings:
    """How a session treats its counterparty, with QuickFIX's names (defaults: QuickFIX's, except
    `validate_user_defined_fields`, off because the OMS gateway reads its own tags 9100-9102).

    - `reset_on_logon` (ResetOnLogon): both sequence numbers back to 1 at every Logon.
    - `reset_on_logout` (ResetOnLogout) / `reset_on_disconnect` (ResetOnDisconnect): the same after a
      Logout exchange / when the connection drops (stored messages are forgotten: nothing can be resent).
    - `validate_fields_out_of_order` (ValidateFieldsOutOfOrder): a header field after the body, or a body
      field after the trailer, is rejected (373=14).
    - `validate_user_defined_fields` (ValidateUserDefinedFields): tags >= 5000 must be in the dictionary.
    - `check_latency` / `max_latency_s` (CheckLatency / MaxLatency): SendingTime (52) more than this far
      from our clock is rejected (373=10) and the session logged out.
    """

    reset_on_logon: bool = False
    reset_on_logout: bool = False
    reset_on_disconnect: bool = False
    validate_fields_out_of_order: bool = True
    validate_user_defined_fields: bool = False
    check_latency: bool = True
    max_latency_s: int = 120

    def __post_init__(self) -> None:
        if self.max_latency_s < 1:
            raise ValueError(f"max_latency_s must be at least 1 second, got {self.max_latency_s}")


SESSION_SETTING_KEYS: frozenset[str] = frozenset(f.name for f in fields(SessionSettings)) | {
    "heartbeat_min_s",
}
"""The `[fix]` keys `parse_session_settings` reads (besides the acceptor's own)."""


class SettingsError(ValueError):
    """A `[fix]` session setting that cannot be used; the message names the key."""


def parse_session_settings(section: Mapping[str, Any], prefix: str = "fix.") -> SessionSettings:
    """The session settings of a `[fix]` table (keys absent: defaults); every problem names its key."""
    values: dict[str, Any] = {}
    for setting in fields(SessionSettings):
        if setting.name not in section:
            continue
        value = section[setting.name]
        if setting.type == "bool" and not isinstance(value, bool):
            raise SettingsError(f"{prefix}{setting.name} must be true or false, got {value!r}")
        if setting.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise SettingsError(f"{prefix}{setting.name} must be a whole number, got {value!r}")
        values[setting.name] = value
    try:
        return SessionSettings(**values)
    except ValueError as err:
        raise SettingsError(f"{prefix}{err}") from None


def parse_heartbeat_min(section: Mapping[str, Any], prefix: str = "fix.") -> int:
    value = section.get("heartbeat_min_s", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"{prefix}heartbeat_min_s must be a whole number of seconds >= 0, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class AcceptorConfig:
    """Listening address (loopback unless configured otherwise; port 0 = ephemeral) and sessions.

    Timeouts are in seconds of the injected clock: a connection must log on within `logon_timeout_s`
    (QuickFIX LogonTimeout); after we send Logout we wait `logout_timeout_s` (LogoutTimeout) for the
    answer. The counterparty is sent a TestRequest after HeartBtInt + `heartbeat_margin` x HeartBtInt of
    silence and dropped after twice that; its Logon's HeartBtInt must lie in `min_heartbeat_s` ..
    `max_heartbeat_s`. `synchronous` is the session store's SQLite mode (a store of its own only): NORMAL
    survives a process kill, FULL also a power loss. `settings` is how every session behaves.
    """

    sessions: tuple[SessionConfig, ...]
    host: str = "127.0.0.1"
    port: int = 0
    logon_timeout_s: float = 10.0
    logout_timeout_s: float = 2.0
    heartbeat_margin: float = 0.2
    max_heartbeat_s: int = 3600
    synchronous: str = "NORMAL"
    min_heartbeat_s: int = 0
    settings: SessionSettings = field(default_factory=SessionSettings)

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
        if not 0 <= self.min_heartbeat_s <= self.max_heartbeat_s:
            raise ValueError(
                f"heartbeat bounds must satisfy 0 <= min ({self.min_heartbeat_s}) <= max ({self.max_heartbeat_s})"
            )
