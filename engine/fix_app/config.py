"""The `[fix]` configuration section and `start_oms_gateway`, which the app calls to let OMS clients in.

```toml
[fix]
enabled = true
host = "127.0.0.1"          # loopback unless you mean it
port = 9878                 # 0: any free port
heartbeat_max_s = 3600
logon_timeout_s = 10
logout_timeout_s = 2
default_algo = ""           # "" -> VWAP if the engine has it, else TWAP
session_close = "16:00:00"  # end time of orders without ExpireTime (126); "" -> the app's market close

[[fix.sessions]]
sender_comp_id = "EMS"      # ours (tag 56 on what the OMS sends)
target_comp_id = "OMS1"     # the OMS's (its 49)
password = "change-me"      # optional: Password (554) required on its Logon
```

The session store (sequence numbers, sent messages) and the OMS order map live in the journal's
database and commit in the journal's transaction (engine/ledger.py), so durability is `[journal]
synchronous`; `store_path` and `synchronous` are no longer `[fix]` keys.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.clock import Clock, RealClock
from engine.engine import Engine
from engine.fix.acceptor import FixAcceptor
from engine.fix.config import (
    SESSION_SETTING_KEYS,
    AcceptorConfig,
    SessionConfig,
    SessionId,
    SettingsError,
    parse_heartbeat_min,
    parse_session_settings,
)
from engine.fix_app.oms import OmsApplication
from engine.fix_app.orders import OmsOrderStore

log = logging.getLogger(__name__)

DEFAULT_PORT = 9878


class FixConfigError(ValueError):
    """A `[fix]` value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    enabled: bool
    acceptor: AcceptorConfig
    default_algo: str | None
    session_close_s: int | None


def parse_fix_section(section: Mapping[str, Any]) -> GatewayConfig:
    """Validate the `[fix]` table (already loaded from TOML); every problem names its key."""
    known = {"enabled", "host", "port", "heartbeat_max_s", "logon_timeout_s", "logout_timeout_s", "default_algo",
             "session_close", "sessions", *SESSION_SETTING_KEYS}
    for key, why in _RETIRED.items():
        if key in section:
            raise FixConfigError(f"fix.{key} is no longer used: {why}; remove it")
    unknown = sorted(set(section) - known)
    if unknown:
        raise FixConfigError(f"fix: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    enabled = section.get("enabled", False)
    if not isinstance(enabled, bool):
        raise FixConfigError(f"fix.enabled must be true or false, got {enabled!r}")
    sessions = _sessions(section.get("sessions", []))
    if enabled and not sessions:
        raise FixConfigError("fix.sessions must list at least one session when fix.enabled is true")
    host = section.get("host", "127.0.0.1")
    if not isinstance(host, str) or not host:
        raise FixConfigError(f"fix.host must be a host name or address, got {host!r}")
    try:
        acceptor = AcceptorConfig(
            sessions=sessions,
            host=host,
            port=_int(section, "port", DEFAULT_PORT),
            logon_timeout_s=_positive(section, "logon_timeout_s", 10.0),
            logout_timeout_s=_positive(section, "logout_timeout_s", 2.0),
            max_heartbeat_s=_int(section, "heartbeat_max_s", 3600),
            min_heartbeat_s=parse_heartbeat_min(section),
            settings=parse_session_settings(section),
        )
    except SettingsError as err:
        raise FixConfigError(str(err)) from None
    except ValueError as err:
        raise FixConfigError(f"fix: {err}") from None
    algo = section.get("default_algo", "")
    if not isinstance(algo, str):
        raise FixConfigError(f"fix.default_algo must be an algo name, got {algo!r}")
    close = section.get("session_close", "")
    return GatewayConfig(enabled, acceptor, algo.strip().upper() or None,
                         _time_of_day(close, "fix.session_close") if close else None)


@dataclass
class OmsGateway:
    """The running gateway: the FIX acceptor and the application behind it."""

    acceptor: FixAcceptor
    application: OmsApplication

    @property
    def port(self) -> int:
        return self.acceptor.port

    async def stop(self) -> None:
        """Stop reporting (what the engine does from now on is caught up at the next start), then log
        every OMS out (bounded wait) and close the session store."""
        self.application.close()
        await self.acceptor.stop()


async def start_oms_gateway(
    fix_section: Mapping[str, Any],
    engine: Engine,
    *,
    wall_time_ns: Callable[[], int] = time.time_ns,
    session_close_s: int = 16 * 3600,
    session_clock: Clock | None = None,
) -> OmsGateway | None:
    """Start the OMS gateway described by `[fix]`, or return None when it is not enabled.

    Sessions (heartbeats, timeouts, SendingTime) run on wall time — `session_clock`, by default a
    speed-1 `RealClock` on the running loop — whatever the market clock's speed; orders and
    ExecutionReports (TransactTime, ExpireTime) use `engine.clock`. The session store and the order map
    join the engine's ledger (the journal's database): one transaction per turn covers all three.
    """
    config = parse_fix_section(fix_section)
    if not config.enabled:
        return None
    ledger = engine.journal.ledger
    orders = OmsOrderStore(ledger)
    application = OmsApplication(engine, orders, session_close_s=config.session_close_s or session_close_s,
                                 default_algo=config.default_algo)
    clock = session_clock or RealClock(asyncio.get_running_loop(), wall_time_ns())
    def session_failed(session: SessionId, reason: str) -> None:
        """A session closed on an error of ours: the trader sees it (if even the alert cannot be journaled,
        the log has it)."""
        try:
            engine.alert("error", f"fix {session}", f"FIX session closed on an error: {reason}")
        except Exception:
            log.exception("FIX session %s closed on an error (%s); the alert could not be raised", session, reason)

    acceptor = FixAcceptor(config.acceptor, ledger, clock, application, wall_time_ns=wall_time_ns,
                           unit_of_work=engine.turn, on_error=session_failed)
    application.attach(acceptor)
    try:
        await acceptor.start()
    except OSError:
        await acceptor.stop()
        application.close()
        raise
    return OmsGateway(acceptor, application)


_RETIRED = {
    "store_path": "the FIX stores live in the journal's database, committed in the journal's transaction",
    "synchronous": "durability is the journal's ([journal] synchronous)",
}


def _sessions(raw: object) -> tuple[SessionConfig, ...]:
    if not isinstance(raw, list):
        raise FixConfigError(f"fix.sessions must be a list of tables ([[fix.sessions]]), got {raw!r}")
    sessions = []
    for i, entry in enumerate(raw):
        key = f"fix.sessions[{i}]"
        if not isinstance(entry, Mapping):
            raise FixConfigError(f"{key} must be a table with sender_comp_id and target_comp_id")
        extra = sorted(set(entry) - {"sender_comp_id", "target_comp_id", "password"})
        if extra:
            raise FixConfigError(f"{key}: unknown key(s) {', '.join(extra)}")
        password = entry.get("password")
        if password is not None and (not isinstance(password, str) or not password):
            raise FixConfigError(f"{key}.password must be a non-empty string")
        try:
            sessions.append(SessionConfig(str(entry.get("sender_comp_id") or ""),
                                          str(entry.get("target_comp_id") or ""), password))
        except ValueError as err:
            raise FixConfigError(f"{key}: {err}") from None
    return tuple(sessions)


def _int(section: Mapping[str, Any], key: str, default: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FixConfigError(f"fix.{key} must be a whole number, got {value!r}")
    return value


def _positive(section: Mapping[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise FixConfigError(f"fix.{key} must be a positive number of seconds, got {value!r}")
    return float(value)


def _time_of_day(text: object, key: str) -> int:
    try:
        parsed = dt.time.fromisoformat(str(text).strip())
    except ValueError:
        raise FixConfigError(f"{key}: {text!r} is not a time of day (HH:MM[:SS])") from None
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second
