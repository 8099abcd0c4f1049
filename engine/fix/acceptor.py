"""The FIX 4.4 acceptor OMS clients connect to: asyncio server, logon gate, one session per CompID pair.

Only configured (SenderCompID, TargetCompID) pairs get a session. As in QuickFIX, a connection whose
first message is not a Logon for a configured, currently unconnected session (right BeginString and
CompIDs), or whose Logon is garbled, is closed without a reply and without creating any state. Each
socket read is framed, verified and handed to the session in batches of at most `max_messages_per_turn`
(engine/fix/transport.py), each one turn: everything a batch produced (sequence numbers, stored messages) is
committed to the store once, then written to the socket; the loop runs other work between two batches.

Sessions cannot hurt each other: an exception while one connection's read is handled (its application,
its store rows) closes that connection only, its uncommitted rows are discarded, and `on_error` is told;
a peer that stops reading is dropped once `transport.MAX_WRITE_BUFFER_BYTES` wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.fix.codec import FieldValue, MsgType, Tag
from engine.fix.config import AcceptorConfig, SessionId
from engine.fix.framing import FixFramer, FixMessage
from engine.fix.protocols import FixApplication
from engine.fix.session import ErrorHandler, FixSession, SessionState
from engine.fix.session_core import SessionCore
from engine.fix.store import SessionStore
from engine.fix.transport import MAX_MESSAGES_PER_TURN, BatchedConnection
from engine.ledger import Ledger

log = logging.getLogger(__name__)



class UnknownSession(KeyError):
    """The application named a session that is not configured."""


class FixAcceptor:
    """Listens on `config.host:config.port` (loopback, ephemeral by default) for configured sessions.

    `send` works whether or not the client is logged on: an offline message takes its MsgSeqNum, is
    stored, and reaches the client through its ResendRequest after the next Logon (PossDupFlag=Y).
    A Logon with ResetSeqNumFlag=Y discards such messages, as FIX prescribes.
    """

    def __init__(
        self,
        config: AcceptorConfig,
        store_path: str | Path | Ledger,
        clock: Clock,
        application: FixApplication,
        *,
        wall_time_ns: Callable[[], int] | None = None,
        unit_of_work: Callable[[], AbstractContextManager[None]] | None = None,
        on_error: ErrorHandler | None = None,
        max_messages_per_turn: int = MAX_MESSAGES_PER_TURN,
    ) -> None:
        self.config = config
        self.max_messages_per_turn = max_messages_per_turn
        """A socket read's messages enter in turns of at most this many (engine/fix/transport.py)."""
        self._unit_of_work = unit_of_work or nullcontext
        """Wraps the handling of one turn of a socket read's messages: the OMS gateway passes the engine's turn,
        so those messages, the tickets they make and the answers commit in one transaction."""
        self._clock = clock
        self._wall_ns = wall_time_ns or clock.now_ns
        self.store = SessionStore(store_path, synchronous=config.synchronous)
        self._sessions: dict[SessionId, FixSession] = {}
        self._by_comp_ids: dict[tuple[str, str], FixSession] = {}
        for session_config in config.sessions:
            session = FixSession(
                session_config,
                self.store,
                clock,
                application,
                logout_timeout_s=config.logout_timeout_s,
                heartbeat_margin=config.heartbeat_margin,
                max_heartbeat_s=config.max_heartbeat_s,
                min_heartbeat_s=config.min_heartbeat_s,
                settings=config.settings,
                wall_time_ns=self._wall_ns,
                on_error=on_error,
            )
            self._sessions[session.session_id] = session
            self._by_comp_ids[(session_config.sender_comp_id, session_config.target_comp_id)] = session
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._dirty: set[_Connection] = set()
        self._flush_scheduled = False
        self._all_closed = asyncio.Event()
        self._port = 0
        self._stopped = False

    # ----- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and listen; `port` is the bound port afterwards."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), self.config.host, self.config.port)
        self._port = int(self._server.sockets[0].getsockname()[1])
        log.info("FIX acceptor listening on %s:%s", self.config.host, self._port)

    async def stop(self, text: str = "EMS shutting down", timeout_s: float | None = None) -> None:
        """Log every client out (bounded wait for their answers), close the server and the store."""
        if self._stopped:
            return
        if self._server is not None:
            self._server.close()
        for session in self._sessions.values():
            if session.logged_on:
                session.logout(text)
        for connection in list(self._connections):
            if connection.session is None or connection.session.state is SessionState.AWAITING_LOGON:
                connection.disconnect()
        self._flush()
        if self._connections:
            self._all_closed.clear()
            wait_s = self.config.logout_timeout_s + 1.0 if timeout_s is None else timeout_s
            try:
                await asyncio.wait_for(self._all_closed.wait(), wait_s)
            except TimeoutError:
                for connection in list(self._connections):
                    connection.abort()
        for session in self._sessions.values():
            session.detach()
        self._stopped = True
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        self.store.close()
        log.info("FIX acceptor stopped")

    @property
    def port(self) -> int:
        return self._port

    @property
    def connection_count(self) -> int:
        """Open TCP connections, logged on or not."""
        return len(self._connections)

    # ----- for the application ----------------------------------------------------------------------

    @property
    def session_ids(self) -> tuple[SessionId, ...]:
        return tuple(self._sessions)

    def session(self, session_id: SessionId) -> FixSession:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise UnknownSession(f"no FIX session {session_id} is configured") from None

    def is_logged_on(self, session_id: SessionId) -> bool:
        return self.session(session_id).logged_on

    def send(
        self,
        session_id: SessionId,
        msg_type: str,
        fields: Iterable[tuple[int, FieldValue]],
        *,
        header: Iterable[tuple[int, FieldValue]] = (),
    ) -> bool:
        """Send an application message; True if it went on the wire now, False if stored for resend.

        `header` adds header fields beyond the standard ones (e.g. DeliverToCompID 128)."""
        sent = self.session(session_id).send(msg_type, fields, header=header)
        self._schedule_flush()
        return sent

    def send_reject(
        self,
        session_id: SessionId,
        ref_seq_num: int,
        text: str,
        *,
        ref_msg_type: str | None = None,
        ref_tag: int | None = None,
        reason: int | None = None,
    ) -> bool:
        """Session-level Reject (35=3) of an inbound message the application cannot parse."""
        sent = self.session(session_id).send_reject(
            ref_seq_num, text, ref_msg_type=ref_msg_type, ref_tag=ref_tag, reason=reason
        )
        self._schedule_flush()
        return sent

    def logout(self, session_id: SessionId, text: str | None = None) -> None:
        self.session(session_id).logout(text)
        self._schedule_flush()

    # ----- connections ------------------------------------------------------------------------------

    def _bind(self, connection: _Connection, logon: FixMessage) -> FixSession | None:
        """The session a connection's first message claims, or None after closing the connection.

        Nothing is sent back to a stranger (QuickFIX does the same): no session state exists for it.
        """
        their_sender = logon.get_str(Tag.SENDER_COMP_ID) or ""
        their_target = logon.get_str(Tag.TARGET_COMP_ID) or ""
        begin_string = logon.get_str(Tag.BEGIN_STRING)
        session = self._by_comp_ids.get((their_target, their_sender))
        if logon.msg_type != MsgType.LOGON:
            reason = f"first message is 35={logon.msg_type}, not Logon"
        elif session is None or begin_string != session.config.begin_string:
            reason = f"unknown session {begin_string}:{their_target}->{their_sender} (ours first)"
        elif session.state is not SessionState.DISCONNECTED:
            reason = f"session {session.session_id} is already connected"
        else:
            session.attach(connection)
            return session
        log.warning("FIX %s: %s; disconnecting", connection.peer, reason)
        connection.disconnect()
        return None

    def _failed(self, connection: _Connection, exc: Exception) -> None:
        """Handling one connection's read raised (its application, or the commit of its turn): close that
        connection only, with nothing of its turn sent, and keep the others going."""
        session = connection.session
        log.error("FIX %s: closing after an error: %r", session.session_id if session else connection.peer, exc,
                  exc_info=exc)
        if session is not None:
            self._close_failed(session, f"{type(exc).__name__}: {exc}")
        else:
            self._dirty.discard(connection)
            connection.abort()

    def _close_failed(self, session: FixSession, reason: str) -> None:
        """Drop what `session` staged and sent nothing of, close its connection, tell `on_error`."""
        for connection in [c for c in self._connections if c.session is session]:
            self._dirty.discard(connection)
            connection.abort()
        self.store.discard(session.session_id)
        session.reload()
        session.fail(reason, tell_peer=False)

    def _mark_dirty(self, connection: _Connection) -> None:
        self._dirty.add(connection)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Commit the ledger (the session store with the rest of the turn), then put every pending byte on
        the wire (FIX: store before send; the ledger's invariant: nothing leaves before its commit).

        A session whose rows cannot be committed is closed without sending them; the others go on."""
        self._flush_scheduled = False
        if self._stopped:
            return
        for session_id, error in self.store.commit_isolating():
            self._close_failed(self._sessions[session_id], f"its session store rows could not be committed: {error}")
        dirty, self._dirty = self._dirty, set()
        for connection in dirty:
            connection.flush()

    def _connection_made(self, connection: _Connection) -> None:
        self._connections.add(connection)

    def _connection_lost(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        self._dirty.discard(connection)
        if not self._connections:
            self._all_closed.set()


class _Connection(BatchedConnection):
    """One TCP connection: framing, the logon gate and write batching for its session."""

    BEFORE_WRITE = "acceptor.before_write"

    def __init__(self, acceptor: FixAcceptor) -> None:
        super().__init__(acceptor.max_messages_per_turn)
        self._acceptor = acceptor
        self._framer = FixFramer()
        self._logon_timer: TimerHandle | None = None
        self.session: FixSession | None = None
        self.peer = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        acceptor = self._acceptor
        acceptor._connection_made(self)
        timeout_ns = int(acceptor.config.logon_timeout_s * NS_PER_S)
        self._logon_timer = acceptor._clock.call_later(timeout_ns, self._logon_timed_out)

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            messages = self._frame(data)
        except Exception as exc:  # this connection's problem: the others go on
            self._acceptor._failed(self, exc)
            messages = []
        if messages:
            self._receive(messages)  # in turns (engine/fix/transport.py), each flushed
        else:
            self._acceptor._flush()

    def _frame(self, data: bytes) -> list[FixMessage]:
        messages, errors = self._framer.feed(data)
        for error in errors:
            log.warning("FIX %s: dropped garbled data: %s", self.peer, error)
            if self.session is None and error.msg_type == MsgType.LOGON:
                log.warning("FIX %s: garbled Logon; disconnecting", self.peer)
                self.disconnect()
                return []
        return messages

    def _turn(self, messages: list[FixMessage]) -> None:
        try:
            self._handle(messages)
        except Exception as exc:  # this connection's problem: the others go on
            self._acceptor._failed(self, exc)
        self._acceptor._flush()

    def _handle(self, messages: list[FixMessage]) -> None:
        session = self.session
        if session is None:
            session = self.session = self._acceptor._bind(self, messages[0])
        if session is not None:
            with self._acceptor._unit_of_work():
                session.on_messages(messages)
            if session.state is not SessionState.AWAITING_LOGON and self._logon_timer is not None:
                self._logon_timer.cancel()
                self._logon_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        if self._logon_timer is not None:
            self._logon_timer.cancel()
            self._logon_timer = None
        if exc is not None:
            log.info("FIX %s: connection lost: %s", self.peer, exc)
        if self.session is not None:
            self.session.detach()
        self._acceptor._connection_lost(self)

    def _flush_soon(self) -> None:
        self._acceptor._mark_dirty(self)

    def _peer(self) -> tuple[str, SessionCore | None]:
        return self.peer, self.session

    def _logon_timed_out(self) -> None:
        self._logon_timer = None
        if self.session is None or self.session.state is SessionState.AWAITING_LOGON:
            log.warning("FIX %s: no Logon within %ss; closing", self.peer, self._acceptor.config.logon_timeout_s)
            if self.session is not None:
                self.session.logout()
            self.disconnect()
