"""The FIX 4.4 session state machine for one OMS client, independent of sockets.

The owner attaches a `SessionTransport` (write bytes, disconnect) when a connection presents this
session's Logon and calls `detach()` once the connection is gone. Inbound messages arrive in batches
(`on_messages`, one call per socket read); application messages reach the `FixApplication` in
sequence order. Timers (heartbeat, test request, logout wait) come from the injected clock.

Sequence numbers and sent application messages go to the `SessionStore`; the owner commits the store
before it puts written bytes on the wire.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable

from engine.clock import NS_PER_MS, NS_PER_S, Clock, TimerHandle
from engine.fix.codec import (
    ADMIN_MSG_TYPES,
    FieldValue,
    MsgType,
    SessionRejectReason,
    Tag,
    encode_body,
)
from engine.fix.config import SessionConfig
from engine.fix.framing import FieldFormatError, FixMessage
from engine.fix.gap import GapQueue
from engine.fix.heartbeat import HeartbeatAction, HeartbeatMonitor
from engine.fix.logon import LogonRefused, validate_logon
from engine.fix.outbound import OutboundSequence
from engine.fix.protocols import FixApplication, SessionTransport
from engine.fix.store import SessionStore
from engine.fix.validation import SessionProblem, session_problem

log = logging.getLogger(__name__)


def _lowering(new_seq: int) -> SessionProblem:
    return SessionProblem(
        SessionRejectReason.VALUE_INCORRECT,
        Tag.NEW_SEQ_NO,
        f"attempt to lower sequence number, invalid value NewSeqNo (36)={new_seq}",
    )


class SessionState(enum.Enum):
    DISCONNECTED = "disconnected"
    AWAITING_LOGON = "awaiting logon"
    LOGGED_ON = "logged on"
    LOGOUT_SENT = "logout sent"
    CLOSING = "closing"


class FixSession:
    """One configured session: sequence numbers, recovery, heartbeats, logon and logout."""

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
        wall_time_ns: Callable[[], int] | None = None,
    ) -> None:
        self.config = config
        self.session_id = config.session_id
        self._store = store
        self._clock = clock
        self._app = application
        self._logout_timeout_ns = int(logout_timeout_s * NS_PER_S)
        self._hb = HeartbeatMonitor(heartbeat_margin)
        self._max_heartbeat_s = max_heartbeat_s
        self._out = OutboundSequence(config, store, wall_time_ns or clock.now_ns)
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
        if self._notified_logon:
            self._notified_logon = False
            log.info("FIX session %s logged out", self.session_id)
            self._app.on_logout(self.session_id)

    def on_messages(self, messages: Iterable[FixMessage]) -> None:
        """Process one socket read's worth of verified messages, in order."""
        for message in messages:
            if self.state in (SessionState.DISCONNECTED, SessionState.CLOSING):
                return
            self._hb.received(self._clock.now_ns())
            if self.state is SessionState.AWAITING_LOGON:
                self._on_logon(message)
            else:
                self._on_message(message)

    def send(self, msg_type: str, fields: Iterable[tuple[int, FieldValue]]) -> bool:
        """Send an application message; True if it went on the wire now.

        When the client is not logged on the message still takes the next MsgSeqNum and is stored, so
        the client's ResendRequest after its next Logon delivers it (PossDupFlag=Y).
        """
        if msg_type in ADMIN_MSG_TYPES:
            raise ValueError(f"MsgType {msg_type} is a session message; the session sends those itself")
        return self._emit(msg_type, encode_body(fields), store=True)

    def send_reject(
        self,
        ref_seq_num: int,
        text: str,
        *,
        ref_msg_type: str | None = None,
        ref_tag: int | None = None,
        reason: int | None = None,
    ) -> bool:
        """Session-level Reject (35=3) of an inbound message, e.g. from the application's validation."""
        fields: list[tuple[int, FieldValue]] = [(Tag.REF_SEQ_NUM, ref_seq_num)]
        if ref_tag is not None:
            fields.append((Tag.REF_TAG_ID, ref_tag))
        if ref_msg_type is not None:
            fields.append((Tag.REF_MSG_TYPE, ref_msg_type))
        if reason is not None:
            fields.append((Tag.SESSION_REJECT_REASON, reason))
        fields.append((Tag.TEXT, text))
        return self._emit(MsgType.REJECT, encode_body(fields), store=False)

    def logout(self, text: str | None = None) -> None:
        """Start the Logout handshake; the connection closes on the client's answer or the timeout."""
        if self.state is not SessionState.LOGGED_ON:
            if self.state is SessionState.AWAITING_LOGON:
                self._close()
            return
        self._send_logout(text)
        self.state = SessionState.LOGOUT_SENT
        self._logout_deadline_ns = self._clock.now_ns() + self._logout_timeout_ns
        self._schedule()

    # ----- logon ------------------------------------------------------------------------------------

    def _on_logon(self, message: FixMessage) -> None:
        verdict = validate_logon(message, self.config, self._max_heartbeat_s)
        if isinstance(verdict, LogonRefused):
            log.warning("FIX session %s: Logon refused: %s", self.session_id, verdict.reason)
            # The refusal is a normal session message (it takes a MsgSeqNum): QuickFIX counts an
            # inbound Logout whatever its number, so an unnumbered refusal would desynchronise it.
            self._fatal(verdict.reason)
            return
        if verdict.reset_seq_nums:
            self._store.reset(self.session_id)
            self._out.reset()
            self._next_target = 1
        seq = verdict.seq_num
        if seq < self._next_target:
            self._fatal(f"MsgSeqNum too low, expecting {self._next_target} but received {seq}")
            return
        self._hb.interval_ns = verdict.heartbeat_s * NS_PER_S
        logon_fields: list[tuple[int, FieldValue]] = [(Tag.ENCRYPT_METHOD, 0), (Tag.HEART_BT_INT, verdict.heartbeat_s)]
        if verdict.reset_seq_nums:
            logon_fields.append((Tag.RESET_SEQ_NUM_FLAG, "Y"))
        self.state = SessionState.LOGGED_ON
        self._emit(MsgType.LOGON, encode_body(logon_fields), store=False)
        log.info("FIX session %s logged on (HeartBtInt %ss)", self.session_id, verdict.heartbeat_s)
        self._notified_logon = True
        self._app.on_logon(self.session_id)
        if seq == self._next_target:
            self._set_next_target(seq + 1)
        else:
            self._hold(seq, message, acted=True)
        self._schedule()

    # ----- inbound ----------------------------------------------------------------------------------

    def _on_message(self, message: FixMessage) -> None:
        msg_type = message.msg_type
        try:
            seq = message.get_int(Tag.MSG_SEQ_NUM)
        except FieldFormatError:
            seq = None
        if seq is None:
            self._fatal("MsgSeqNum (34) is missing or not a number")
            return
        if message.get(Tag.BEGIN_STRING) != self.config.begin_string.encode("ascii"):
            self._fatal(f"BeginString (8) must be {self.config.begin_string}")
            return
        if (
            message.get_str(Tag.SENDER_COMP_ID) != self.config.target_comp_id
            or message.get_str(Tag.TARGET_COMP_ID) != self.config.sender_comp_id
        ):
            self._reject(
                message, seq, SessionProblem(SessionRejectReason.COMPID_PROBLEM, Tag.SENDER_COMP_ID, "CompID problem")
            )
            self._fatal("CompID problem")
            return
        if msg_type == MsgType.SEQUENCE_RESET and message.get(Tag.GAP_FILL_FLAG) != b"Y":
            self._on_sequence_reset(message, seq)
            return
        expected = self._next_target
        if seq > expected:
            if msg_type == MsgType.LOGOUT:
                self._on_logout(message)
                return
            acted = False
            if msg_type == MsgType.RESEND_REQUEST:
                # The counterparty's resend is answered first, then we ask for our own gap.
                self._dispatch(message, seq, count=False)
                acted = True
            self._hold(seq, message, acted)
            return
        if seq < expected:
            if message.get(Tag.POSS_DUP_FLAG) == b"Y":
                return  # a duplicate we already processed
            self._fatal(f"MsgSeqNum too low, expecting {expected} but received {seq}")
            return
        self._dispatch(message, seq)
        self._drain_queue()

    def _drain_queue(self) -> None:
        while len(self._gap) and self.state is not SessionState.CLOSING:
            entry = self._gap.pop_next(self._next_target)
            if entry is None:
                break
            message, acted = entry
            if acted:
                self._set_next_target(self._next_target + 1)
            else:
                self._dispatch(message, self._next_target)
        self._gap.settle(self._next_target)

    def _dispatch(self, message: FixMessage, seq: int, *, count: bool = True) -> None:
        """Act on an in-sequence message (or a too-high ResendRequest with count=False)."""
        if count:
            self._set_next_target(seq + 1)
        msg_type = message.msg_type
        problem = session_problem(message)
        if problem is not None:
            self._reject(message, seq, problem)
            return
        if msg_type not in ADMIN_MSG_TYPES:
            self._app.on_message(self.session_id, message)
        elif msg_type == MsgType.HEARTBEAT:
            pass
        elif msg_type == MsgType.TEST_REQUEST:
            self._emit(
                MsgType.HEARTBEAT, encode_body([(Tag.TEST_REQ_ID, message.get(Tag.TEST_REQ_ID) or b"")]), store=False
            )
        elif msg_type == MsgType.RESEND_REQUEST:
            self._answer_resend(message)
        elif msg_type == MsgType.SEQUENCE_RESET:
            new_seq = message.get_int(Tag.NEW_SEQ_NO) or 0
            if new_seq <= seq:
                self._reject(message, seq, _lowering(new_seq))
            else:
                self._set_next_target(new_seq)
        elif msg_type == MsgType.REJECT:
            log.warning(
                "FIX session %s: counterparty rejected our MsgSeqNum %s: %s",
                self.session_id,
                message.get_str(Tag.REF_SEQ_NUM),
                message.get_str(Tag.TEXT),
            )
        elif msg_type == MsgType.LOGOUT:
            self._on_logout(message)
        elif msg_type == MsgType.LOGON:
            self._fatal("Logon received while already logged on")

    def _on_sequence_reset(self, message: FixMessage, seq: int) -> None:
        """SequenceReset in reset mode: MsgSeqNum is ignored, NewSeqNo may only move forward."""
        problem = session_problem(message)
        if problem is not None:
            self._reject(message, seq, problem)
            return
        new_seq = message.get_int(Tag.NEW_SEQ_NO) or 0
        if new_seq < self._next_target:
            self._reject(message, seq, _lowering(new_seq))
            return
        log.warning("FIX session %s: SequenceReset to %s (expected %s)", self.session_id, new_seq, self._next_target)
        self._set_next_target(new_seq)
        self._drain_queue()

    def _on_logout(self, message: FixMessage) -> None:
        log.info("FIX session %s: Logout received: %s", self.session_id, message.get_str(Tag.TEXT))
        if self.state is SessionState.LOGGED_ON:
            self._send_logout(None)
        self._close()

    # ----- recovery ---------------------------------------------------------------------------------

    def _hold(self, seq: int, message: FixMessage, acted: bool) -> None:
        if self._gap.hold(seq, message, acted):
            log.info("FIX session %s: gap %s..%s, asking for resend", self.session_id, self._next_target, seq - 1)
            body = encode_body([(Tag.BEGIN_SEQ_NO, self._next_target), (Tag.END_SEQ_NO, 0)])
            self._emit(MsgType.RESEND_REQUEST, body, store=False)

    def _answer_resend(self, message: FixMessage) -> None:
        begin = message.get_int(Tag.BEGIN_SEQ_NO) or 0
        answer = self._out.resend(begin, message.get_int(Tag.END_SEQ_NO) or 0)
        if answer is None:
            log.warning("FIX session %s: nothing to resend from %s", self.session_id, begin)
            return
        frames, first, last = answer
        log.info("FIX session %s: resending %s..%s", self.session_id, first, last)
        self._write(b"".join(frames))

    # ----- outbound ---------------------------------------------------------------------------------

    def _emit(self, msg_type: str, body: bytes, *, store: bool) -> bool:
        """Number, store (app messages) and write one message; True if it went on the wire."""
        data = self._out.frame(msg_type, body, keep=store)
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

    def _send_logout(self, text: str | None) -> None:
        self._emit(MsgType.LOGOUT, encode_body([(Tag.TEXT, text)] if text else []), store=False)

    def _reject(self, message: FixMessage, seq: int, problem: SessionProblem) -> None:
        log.warning("FIX session %s: rejecting MsgSeqNum %s: %s", self.session_id, seq, problem.text)
        self.send_reject(
            seq, problem.text, ref_msg_type=message.msg_type, ref_tag=problem.ref_tag, reason=problem.reason
        )

    def _set_next_target(self, seq: int) -> None:
        self._next_target = seq
        self._store.set_next_target(self.session_id, seq)

    def _fatal(self, text: str) -> None:
        """Logout with the reason, then drop the connection (FIX: serious session-level errors)."""
        log.warning("FIX session %s: %s; logging out", self.session_id, text)
        self._send_logout(text)
        self._close()

    def _close(self) -> None:
        self.state = SessionState.CLOSING
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._transport.disconnect()

    # ----- timers -----------------------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        checks = (self._hb.next_check_ns(), self._logout_deadline_ns)
        due = min((t for t in checks if t is not None), default=None)
        if due is None:
            self._timer = None
            return
        # Never re-arm for "now": a check that found nothing to do must not spin.
        self._timer = self._clock.call_at(max(due, self._clock.now_ns() + NS_PER_MS), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self.state not in (SessionState.LOGGED_ON, SessionState.LOGOUT_SENT):
            return
        now = self._clock.now_ns()
        if self._logout_deadline_ns is not None and now >= self._logout_deadline_ns:
            log.warning("FIX session %s: no Logout answer, disconnecting", self.session_id)
            self._close()
            return
        action = self._hb.action(now)
        if action is HeartbeatAction.DISCONNECT:
            self._fatal(f"no message for {(now - self._hb.last_received_ns) / NS_PER_S:.1f}s after TestRequest")
            return
        if action is HeartbeatAction.SEND_TEST_REQUEST:
            self._hb.test_pending = True
            self._emit(MsgType.TEST_REQUEST, encode_body([(Tag.TEST_REQ_ID, f"TEST-{now}")]), store=False)
        elif action is HeartbeatAction.SEND_HEARTBEAT:
            self._emit(MsgType.HEARTBEAT, b"", store=False)
        self._schedule()
