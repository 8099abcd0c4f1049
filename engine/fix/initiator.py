"""A FIX 4.4 initiator: we connect to a counterparty (a venue), log on, and reconnect after a drop.

One configured session per initiator. The connection loop connects (asyncio, loopback by default),
sends Logon, and after the connection ends waits `reconnect_min_s`, doubling up to `reconnect_max_s`
while attempts keep failing (back to the minimum after a session that logged on). Session rules are the
shared `FixSession` ones (engine/fix/session.py); the initiator only adds the Logon exchange
(engine/fix/initiator_session.py).

Durability follows the acceptor's rules: a socket read's messages are handled in batches of at most
`max_messages_per_turn` (engine/fix/transport.py), each inside `unit_of_work` (the engine's turn, when the
application reports to the engine), and the session store commits, with the rest of the ledger, before any
byte goes on the wire; an exception while a batch is handled drops its uncommitted rows and the connection
(we reconnect and the counterparty resends).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

from engine import failpoints
from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.fix.codec import FieldValue
from engine.fix.config import SessionConfig, SessionSettings
from engine.fix.framing import FixFramer, FixMessage
from engine.fix.initiator_session import InitiatorSession
from engine.fix.protocols import FixApplication
from engine.fix.session import ErrorHandler, SessionState
from engine.fix.session_core import SessionCore, SilenceHandler
from engine.fix.store import SessionStore
from engine.fix.transport import MAX_MESSAGES_PER_TURN, BatchedConnection
from engine.ledger import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InitiatorConfig:
    """Where to connect and how: `session` is named from our side (sender = us, target = the venue).

    `reset_seq_nums` sends ResetSeqNumFlag=Y on every Logon (both sides start at 1; nothing can be
    resent). Timeouts are in seconds of the session clock except the reconnect delays (wall seconds).
    """

    session: SessionConfig
    host: str = "127.0.0.1"
    port: int = 0
    heartbeat_s: int = 30
    reset_seq_nums: bool = False
    logon_timeout_s: float = 10.0
    logout_timeout_s: float = 2.0
    heartbeat_margin: float = 0.2
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    synchronous: str = "NORMAL"
    settings: SessionSettings = field(default_factory=SessionSettings)

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"initiator port must be 1..65535, got {self.port}")
        if self.heartbeat_s < 1:
            raise ValueError(f"heartbeat_s must be at least 1, got {self.heartbeat_s}")
        if not 0 < self.reconnect_min_s <= self.reconnect_max_s:
            raise ValueError(f"reconnect delays must satisfy 0 < min ({self.reconnect_min_s}) <= max "
                             f"({self.reconnect_max_s})")


class FixInitiator:
    """Keeps one session connected to `config.host:config.port` until `stop()`."""

    def __init__(
        self,
        config: InitiatorConfig,
        store_path: str | Path | Ledger,
        clock: Clock,
        application: FixApplication,
        *,
        wall_time_ns: Callable[[], int] | None = None,
        unit_of_work: Callable[[], AbstractContextManager[None]] | None = None,
        on_error: ErrorHandler | None = None,
        on_silence: SilenceHandler | None = None,
        max_messages_per_turn: int = MAX_MESSAGES_PER_TURN,
    ) -> None:
        self.config = config
        self.max_messages_per_turn = max_messages_per_turn
        """A socket read's messages enter in turns of at most this many (engine/fix/transport.py)."""
        self._clock = clock
        self.unit_of_work: Callable[[], AbstractContextManager[None]] = unit_of_work or nullcontext
        """Wraps the handling of one turn of a socket read's messages (the engine's turn: reports and sequence
        numbers commit together); may be set after construction, before `start()`."""
        self.store = SessionStore(store_path, synchronous=config.synchronous)
        self.session = InitiatorSession(
            config.session, self.store, clock, application,
            logout_timeout_s=config.logout_timeout_s, heartbeat_margin=config.heartbeat_margin,
            settings=config.settings, wall_time_ns=wall_time_ns, on_error=on_error, on_silence=on_silence,
        )
        self._connection: _Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._flush_scheduled = False
        self._stopped = False
        self.connects = 0
        """Connections made so far (tests, diagnostics)."""

    # ----- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the connection loop on the event loop (the running one, else the current one: the GUI
        starts the engine before its loop runs)."""
        if self._task is None:
            self._task = event_loop().create_task(self._run(), name=f"fix-{self.session.session_id}")

    async def stop(self, text: str = "EMS shutting down") -> None:
        """Log out (bounded wait for the answer), stop reconnecting, close the store."""
        if self._stopped:
            return
        self._stopped = True
        connection = self._connection
        if connection is not None:
            self.session.logout(text)
            self._flush()
            try:
                await asyncio.wait_for(asyncio.shield(connection.closed), self.config.logout_timeout_s + 1.0)
            except TimeoutError:
                connection.abort()
            self._connection = None
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        self.session.detach()
        self.store.close()

    def close_now(self, text: str = "EMS shutting down") -> None:
        """Synchronous `stop` (for a `Venue.close()`): Logout written without waiting for the answer."""
        if self._stopped:
            return
        connection = self._connection
        if connection is not None and self.session.logged_on:
            self.session.logout(text)
            self._flush()
        self._stopped = True
        if connection is not None:
            connection.disconnect()
            connection.flush()
        self._connection = None
        if self._task is not None:
            self._task.cancel()
        self.session.detach()
        self.store.close()

    def drop(self) -> None:
        """Abort the current connection without Logout (tests: a network failure); we reconnect."""
        if self._connection is not None:
            self._connection.abort()

    @property
    def logged_on(self) -> bool:
        return self.session.logged_on

    def sequence_numbers(self) -> tuple[int, int]:
        """(next MsgSeqNum we send, next we expect)."""
        return self.session.next_sender_seq, self.session.next_target_seq

    # ----- for the application ----------------------------------------------------------------------

    def send(self, msg_type: str, fields: Iterable[tuple[int, FieldValue]]) -> bool:
        """Send an application message; True if it went on the wire (False: stored for resend)."""
        sent = self.session.send(msg_type, fields)
        self._schedule_flush()
        return sent

    def send_reject(self, ref_seq_num: int | None, text: str, *, ref_msg_type: str | None = None,
                    ref_tag: int | None = None, reason: int | None = None) -> None:
        """Session-level Reject (35=3) of an inbound message the application cannot use."""
        self.session.send_reject(ref_seq_num, text, ref_msg_type=ref_msg_type, ref_tag=ref_tag, reason=reason)
        self._schedule_flush()

    # ----- connection loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.config.reconnect_min_s
        while not self._stopped:
            try:
                _, connection = await loop.create_connection(lambda: _Connection(self, loop), self.config.host,
                                                             self.config.port)
            except OSError as exc:
                log.info("FIX %s: cannot connect to %s:%s (%s); retrying in %.1fs", self.session.session_id,
                         self.config.host, self.config.port, exc, delay)
            else:
                await connection.closed
                if connection.was_logged_on:
                    delay = self.config.reconnect_min_s
                if self._stopped:
                    return
                log.info("FIX %s: disconnected; reconnecting in %.1fs", self.session.session_id, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max_s)

    def _connected(self, connection: _Connection) -> None:
        self._connection = connection
        self.connects += 1
        self.session.attach(connection)
        self.session.start_logon(self.config.heartbeat_s, self.config.reset_seq_nums or
                                 self.config.settings.reset_on_logon)
        self._flush()

    def _lost(self, connection: _Connection) -> None:
        if self._connection is connection:
            self._connection = None
        self.session.detach()

    def _failed(self, exc: Exception) -> None:
        """Handling a read raised: drop its uncommitted rows and the connection (nothing of it was sent)."""
        log.error("FIX %s: closing after an error: %r", self.session.session_id, exc, exc_info=exc)
        if self._connection is not None:
            self._connection.abort()
        self.store.discard(self.session.session_id)
        self.session.reload()
        self.session.fail(f"{type(exc).__name__}: {exc}", tell_peer=False)

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            event_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Commit the ledger (the session store with the rest of the turn), then write what is pending."""
        self._flush_scheduled = False
        if self._stopped and self._connection is None:
            return
        try:
            self.store.commit()
        except Exception as exc:
            self._failed(exc)
            return
        if self._connection is not None:
            failpoints.hit("initiator.before_write")
            self._connection.flush()


def event_loop() -> asyncio.AbstractEventLoop:
    """The running event loop, else the thread's current one."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop()


class _Connection(BatchedConnection):
    """One TCP connection of the initiator: framing, the Logon timeout and write batching."""

    def __init__(self, owner: FixInitiator, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(owner.max_messages_per_turn)
        self._owner = owner
        self._framer = FixFramer()
        self._logon_timer: TimerHandle | None = None
        self.was_logged_on = False
        self.closed: asyncio.Future[None] = loop.create_future()  # (qasync runs factories outside the loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        owner = self._owner
        self._logon_timer = owner._clock.call_later(int(owner.config.logon_timeout_s * NS_PER_S),
                                                    self._logon_timed_out)
        try:
            owner._connected(self)
        except Exception as exc:
            owner._failed(exc)

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        owner = self._owner
        try:
            messages, errors = self._framer.feed(data)
        except Exception as exc:
            owner._failed(exc)
            return
        for error in errors:
            log.warning("FIX %s: dropped garbled data: %s", owner.session.session_id, error)
        if messages:
            self._receive(messages)  # in turns (engine/fix/transport.py), each flushed
        else:
            owner._flush()

    def _turn(self, messages: list[FixMessage]) -> None:
        owner = self._owner
        try:
            with owner.unit_of_work():
                owner.session.on_messages(messages)
        except Exception as exc:
            owner._failed(exc)
            return
        if owner.session.state is SessionState.LOGGED_ON:
            self.was_logged_on = True
            if self._logon_timer is not None:
                self._logon_timer.cancel()
                self._logon_timer = None
        owner._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        if self._logon_timer is not None:
            self._logon_timer.cancel()
            self._logon_timer = None
        if exc is not None:
            log.info("FIX %s: connection lost: %s", self._owner.session.session_id, exc)
        try:
            self._owner._lost(self)
        finally:
            if not self.closed.done():
                self.closed.set_result(None)

    def _flush_soon(self) -> None:
        self._owner._schedule_flush()

    def _peer(self) -> tuple[str, SessionCore | None]:
        session = self._owner.session
        return str(session.session_id), session

    def _logon_timed_out(self) -> None:
        self._logon_timer = None
        if self._owner.session.state is SessionState.AWAITING_LOGON:
            log.warning("FIX %s: no Logon answer within %ss; closing", self._owner.session.session_id,
                        self._owner.config.logon_timeout_s)
            self._owner.session.logout()
            self.disconnect()
