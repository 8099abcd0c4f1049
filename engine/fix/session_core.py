"""The parts of a FIX session that do not depend on what arrives: state, numbering and writing messages,
Logout and Reject primitives, heartbeat and logout timers, and the session's public API.

`engine.fix.session.FixSession` builds the inbound rules (QuickFIX's Session::next) on top of this.
The owner attaches a `SessionTransport` (write bytes, disconnect) when a connection presents this
session's Logon and calls `detach()` once the connection is gone. Sequence numbers and sent application
messages go to the `SessionStore`; the owner commits the store before it puts written bytes on the wire.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable

from engine.clock import NS_PER_MS, NS_PER_S, Clock, TimerHandle
from engine.fix import admin
from engine.fix.codec import ADMIN_MSG_TYPES, FieldValue, MsgType, Tag, encode_body
from engine.fix.config import SessionConfig, SessionId, SessionSettings
from engine.fix.dictionary import Dictionary, fix44
from engine.fix.framing import FixMessage
from engine.fix.gap import GapQueue
from engine.fix.heartbeat import HeartbeatAction, HeartbeatMonitor
from engine.fix.outbound import OutboundSequence
from engine.fix.protocols import FixApplication, SessionTransport
from engine.fix.store import SessionStore
from engine.fix.validation import MessageValidator, SessionProblem

log = logging.getLogger("engine.fix.session")

ErrorHandler = Callable[[SessionId, str], None]
"""Told when a session is closed because of an error on our side (the application or the store failed)."""


SilenceHandler = Callable[[bool], None]
"""Told True when a logged-on peer's silence made us send a TestRequest, False when it speaks again."""


class SessionState(enum.Enum):
    DISCONNECTED = "disconnected"
    AWAITING_LOGON = "awaiting logon"
    LOGGED_ON = "logged on"
    LOGOUT_SENT = "logout sent"
    CLOSING = "closing"


ONLINE = (SessionState.LOGGED_ON, SessionState.LOGOUT_SENT)
MAX_OUTBOUND_BODY = 1 << 20
"""An application message body larger than this is refused at `send` (it could not be stored)."""


class SessionCore:
    """State, numbering, writing and timers of one configured session (inbound rules: `FixSession`)."""

    def __init__(
        self,
        config: SessionConfig,
        store: SessionStore,
        clock: Clock,
        application: FixApplication,
        *,
        logout_timeout_s: float = 2.0,
        heartbeat_margin: float = 0.2,
        max_heartbeat_s: int = 3600,
        min_heartbeat_s: int = 0,
        settings: SessionSettings | None = None,
        wall_time_ns: Callable[[], int] | None = None,
        dictionary: Dictionary | None = None,
        on_error: ErrorHandler | None = None,
        on_silence: SilenceHandler | None = None,
    ) -> None:
        self.config = config
        self.session_id = config.session_id
        self.settings = settings = settings or SessionSettings()
        self._store = store
        self._clock = clock
        self._app = application
        self._wall_ns = wall_time_ns or clock.now_ns
        self._logout_timeout_ns = int(logout_timeout_s * NS_PER_S)
        self._hb = HeartbeatMonitor(heartbeat_margin)
        self._heartbeat_bounds = (min_heartbeat_s, max_heartbeat_s)
        self._validator = MessageValidator(
            dictionary or fix44(),
            fields_out_of_order=settings.validate_fields_out_of_order,
            user_defined_fields=settings.validate_user_defined_fields,
        )
        self._on_error = on_error
        self._on_silence = on_silence
        self._begin_string = config.begin_string.encode("ascii")
        self._out = OutboundSequence(config, store, self._wall_ns)
        self._next_target = store.seq_nums(self.session_id).next_target
        self.state = SessionState.DISCONNECTED
        self._transport: SessionTransport | None = None
        self._notified_logon = False
        self._logout_deadline_ns: int | None = None
        self._timer: TimerHandle | None = None
        self._gap = GapQueue()

    # ----- public -----------------------------------------------------------------------------------

    @property
    def next_sender_seq(self) -> int:
        return self._out.next_seq

    @property
    def next_target_seq(self) -> int:
        return self._next_target

    @property
    def logged_on(self) -> bool:
        return self.state is SessionState.LOGGED_ON

    def attach(self, transport: SessionTransport) -> None:
        """A connection claims this session; its first message must be our Logon."""
        if self.state is not SessionState.DISCONNECTED:
            raise RuntimeError(f"session {self.session_id} is already {self.state.value}")
        self._transport = transport
        self.state = SessionState.AWAITING_LOGON
        self._hb.start(self._clock.now_ns())

    def detach(self) -> None:
        """The connection is gone: stop timers, forget recovery state, tell the application."""
        if self.state is SessionState.DISCONNECTED:
            return
        self.state = SessionState.DISCONNECTED
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._gap.clear()
        self._logout_deadline_ns = None
        if self.settings.reset_on_disconnect:
            self._reset()
        if self._notified_logon:
            self._notified_logon = False
            log.info("FIX session %s logged out", self.session_id)
            self._app.on_logout(self.session_id)

    def send(
        self, msg_type: str, fields: Iterable[tuple[int, FieldValue]], *, header: Iterable[tuple[int, FieldValue]] = ()
    ) -> bool:
        """Send an application message; True if it went on the wire now.

        When the client is not logged on the message still takes the next MsgSeqNum and is stored, so
        the client's ResendRequest after its next Logon delivers it (PossDupFlag=Y). `header` adds header
        fields beyond the standard ones (routing, PossResend).
        """
        if msg_type in ADMIN_MSG_TYPES:
            raise ValueError(f"MsgType {msg_type} is a session message; the session sends those itself")
        body = encode_body(fields)
        if len(body) > MAX_OUTBOUND_BODY:
            raise ValueError(f"MsgType {msg_type} body of {len(body):,} bytes exceeds {MAX_OUTBOUND_BODY:,}")
        return self._emit(msg_type, body, store=True, header=list(header))

    def send_reject(
        self,
        ref_seq_num: int | None,
        text: str,
        *,
        ref_msg_type: str | None = None,
        ref_tag: int | None = None,
        reason: int | None = None,
        header: Iterable[tuple[int, FieldValue]] = (),
    ) -> bool:
        """Session-level Reject (35=3) of an inbound message, e.g. from the application's validation."""
        fields = admin.reject_fields(ref_seq_num, text, ref_msg_type=ref_msg_type, ref_tag=ref_tag, reason=reason)
        return self._emit(MsgType.REJECT, encode_body(fields), store=False, header=list(header))

    def logout(self, text: str | None = None) -> None:
        """Start the Logout handshake; the connection closes on the client's answer or the timeout."""
        if self.state is not SessionState.LOGGED_ON:
            if self.state is SessionState.AWAITING_LOGON:
                self._close()
            return
        self._send_logout(text)

    def fail(self, reason: str, *, tell_peer: bool = True) -> None:
        """Close this session because of an error on our side (application, store), with a Logout unless
        `tell_peer` is False (nothing more may be written after a failed store commit)."""
        log.error("FIX session %s closed: %s", self.session_id, reason)
        if tell_peer and self.state in ONLINE:
            self._emit(MsgType.LOGOUT, encode_body([(Tag.TEXT, "internal error; try again later")]), store=False)
        if self.state is not SessionState.DISCONNECTED:
            self._close()
        if self._on_error is not None:
            try:
                self._on_error(self.session_id, reason)
            except Exception:  # the report of a failure must not become another one
                log.exception("FIX session %s: on_error handler failed", self.session_id)

    def reload(self) -> None:
        """Take the sequence numbers from the store again (after its uncommitted rows were discarded)."""
        seqs = self._store.seq_nums(self.session_id)
        self._out.next_seq, self._next_target = seqs.next_sender, seqs.next_target

    # ----- outbound ---------------------------------------------------------------------------------

    def _emit(
        self, msg_type: str, body: bytes, *, store: bool, header: list[tuple[int, FieldValue]] | None = None
    ) -> bool:
        """Number, store (app messages) and write one message; True if it went on the wire."""
        data = self._out.frame(msg_type, body, keep=store, header=header or ())
        online = self.state is SessionState.LOGGED_ON or (
            msg_type in ADMIN_MSG_TYPES and self.state in (SessionState.AWAITING_LOGON, SessionState.LOGOUT_SENT)
        )
        if online:
            self._write(data)
        return online

    def _write(self, data: bytes) -> None:
        if self._transport is not None:
            self._transport.write(data)
            self._hb.last_sent_ns = self._clock.now_ns()

    def _reject(self, message: FixMessage, problem: SessionProblem) -> None:
        """Reject `message` (reverse-routed); it consumes its number if it was the expected one."""
        seq = admin.seq_of(message)
        log.warning("FIX session %s: rejecting MsgSeqNum %s (35=%s): %s %s", self.session_id, seq,
                    message.msg_type, problem.text, problem.detail)
        fields = admin.problem_reject_fields(message, problem)
        self._emit(MsgType.REJECT, encode_body(fields), store=False, header=admin.reverse_route(message))
        if message.msg_type not in (MsgType.LOGON, MsgType.SEQUENCE_RESET) and seq == self._next_target:
            self._incr()

    def _send_logout(self, text: str | None) -> None:
        """Logout and wait (LogoutTimeout) for the counterparty's answer."""
        self._emit(MsgType.LOGOUT, encode_body([(Tag.TEXT, text)] if text else []), store=False)
        self.state = SessionState.LOGOUT_SENT
        self._logout_deadline_ns = self._clock.now_ns() + self._logout_timeout_ns
        self._schedule()

    def _fatal(self, text: str) -> None:
        """Logout with the reason, then drop the connection (FIX: serious session-level errors)."""
        log.warning("FIX session %s: %s; logging out", self.session_id, text)
        self._emit(MsgType.LOGOUT, encode_body([(Tag.TEXT, text)]), store=False)
        self._close()

    def _close(self) -> None:
        self.state = SessionState.CLOSING
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._transport.disconnect()

    def _incr(self) -> None:
        self._set_next_target(self._next_target + 1)

    def _set_next_target(self, seq: int) -> None:
        self._next_target = seq
        self._store.set_next_target(self.session_id, seq)

    def _reset(self) -> None:
        """Both sequence numbers back to 1; stored messages and held ones are forgotten."""
        self._store.reset(self.session_id)
        self._out.reset()
        self._next_target = 1
        self._gap.clear()

    # ----- timers -----------------------------------------------------------------------------------

    def _due_ns(self) -> int | None:
        checks = (self._hb.next_check_ns(), self._logout_deadline_ns)
        return min((t for t in checks if t is not None), default=None)

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        due = self._due_ns()
        if due is None:
            self._timer = None
            return
        # Never re-arm for "now": a check that found nothing to do must not spin.
        self._timer = self._clock.call_at(max(due, self._clock.now_ns() + NS_PER_MS), self._on_timer)

    def _wake_earlier(self) -> None:
        """Re-arm the timer if what just arrived brought the next check forward (an answered TestRequest
        makes the next Heartbeat due before the disconnect check the timer was set for)."""
        due = self._due_ns()
        if due is not None and (self._timer is None or due < self._timer.when_ns):
            self._schedule()

    def _tell_silence(self, silent: bool) -> None:
        """The peer went quiet (a TestRequest is out) or spoke again: tell `on_silence`, if any."""
        if self._on_silence is not None:
            try:
                self._on_silence(silent)
            except Exception:  # the session goes on whatever its observer does
                log.exception("FIX session %s: on_silence handler failed", self.session_id)

    def _on_timer(self) -> None:
        self._timer = None
        if self.state not in ONLINE:
            return
        now = self._clock.now_ns()
        if self._logout_deadline_ns is not None and now >= self._logout_deadline_ns:
            log.warning("FIX session %s: no Logout answer, disconnecting", self.session_id)
            self._close()
            return
        action = self._hb.action(now)
        if action is HeartbeatAction.DISCONNECT:
            log.warning("FIX session %s: no message for %.1fs after TestRequest; disconnecting", self.session_id,
                        (now - self._hb.last_received_ns) / NS_PER_S)
            self._close()
            return
        if action is HeartbeatAction.SEND_TEST_REQUEST:
            self._hb.test_pending = True
            self._emit(MsgType.TEST_REQUEST, encode_body([(Tag.TEST_REQ_ID, "TEST")]), store=False)
            self._tell_silence(True)
        elif action is HeartbeatAction.SEND_HEARTBEAT:
            self._emit(MsgType.HEARTBEAT, b"", store=False)
        self._schedule()
