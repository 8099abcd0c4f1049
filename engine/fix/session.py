"""The FIX 4.4 session state machine for one counterparty, independent of sockets and of its role.

Inbound messages arrive in batches (`on_messages`, one call per turn of a socket read); application messages reach
the `FixApplication` in sequence order. Handling follows QuickFIX's Session::next step for step, so that
its acceptance tests pass: header CompIDs present, BeginString, dictionary validation (-> Reject), then
per message type the checks of Session::verify — SendingTime accuracy and CompIDs (-> Reject and Logout),
MsgSeqNum too high (held, ResendRequest) or too low (Logout and disconnect; with PossDupFlag=Y:
OrigSendingTime is checked and the message dropped). Logout and ResendRequest skip the sequence checks;
SequenceReset checks them only in gap-fill mode. Everything else (numbering, writing, timers, the
public API) is in `session_core.SessionCore`.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.clock import NS_PER_S
from engine.fix import admin
from engine.fix.codec import (
    ADMIN_MSG_TYPES,
    FieldValue,
    MsgType,
    SessionRejectReason,
    Tag,
    encode_body,
    parse_utc_timestamp,
)
from engine.fix.dictionary import is_utc_timestamp
from engine.fix.framing import FixMessage
from engine.fix.gap import MAX_QUEUED
from engine.fix.logon import LogonRefused, validate_logon
from engine.fix.session_core import ONLINE, ErrorHandler, SessionCore, SessionState, log
from engine.fix.validation import SessionProblem

__all__ = ["ErrorHandler", "FixSession", "SessionState"]


class FixSession(SessionCore):
    """One configured session: validation, sequence numbers, recovery, heartbeats, logon and logout."""

    def on_messages(self, messages: Iterable[FixMessage]) -> None:
        """Process a batch of a socket read's verified messages (one turn), in order."""
        if self._hb.test_pending and self.state in ONLINE:
            self._tell_silence(False)  # anything from the peer answers our TestRequest's doubt
        for message in messages:
            if self.state in (SessionState.DISCONNECTED, SessionState.CLOSING):
                return
            self._hb.received(self._clock.now_ns())
            if self.state is SessionState.AWAITING_LOGON:
                self._on_logon(message)
            else:
                self._next(message)
            self._drain()
        if self.state in ONLINE:
            self._wake_earlier()

    # ----- logon ------------------------------------------------------------------------------------

    def _on_logon(self, message: FixMessage) -> None:
        problem = self._validator.validate(message)
        if problem is not None:  # QuickFIX cannot reject before logon: it drops the connection
            log.warning("FIX session %s: invalid Logon (%s: %s); disconnecting", self.session_id, problem.text,
                        problem.detail)
            self._close()
            return
        verdict = validate_logon(message, self.config, self._heartbeat_bounds[1], self._heartbeat_bounds[0])
        if isinstance(verdict, LogonRefused):
            log.warning("FIX session %s: Logon refused: %s", self.session_id, verdict.reason)
            self._fatal(verdict.reason)
            return
        if verdict.reset_seq_nums or self.settings.reset_on_logon:
            self._reset()
        if not self._good_time(message):
            log.warning("FIX session %s: Logon SendingTime %s is off by more than %ss; disconnecting",
                        self.session_id, message.get_str(Tag.SENDING_TIME), self.settings.max_latency_s)
            self._close()
            return
        seq = verdict.seq_num
        if seq < self._next_target:
            self._fatal(f"MsgSeqNum too low, expecting {self._next_target} but received {seq}")
            return
        self._hb.interval_ns = verdict.heartbeat_s * NS_PER_S
        self._answer_logon(verdict.heartbeat_s, verdict.reset_seq_nums)
        log.info("FIX session %s logged on (HeartBtInt %ss)", self.session_id, verdict.heartbeat_s)
        self._logged_on(message, seq)

    def _logged_on(self, message: FixMessage, seq: int) -> None:
        """The end of a logon, either role: the peer's Logon `seq` checked against ours (a gap asks for a
        resend), the application told, the heartbeat timer armed."""
        if seq > self._next_target:
            self._too_high(message, seq)
        else:
            self._set_next_target(seq + 1)
        self._notified_logon = True
        self._app.on_logon(self.session_id)
        self._schedule()

    def _answer_logon(self, heartbeat_s: int, reset: bool) -> None:
        fields: list[tuple[int, FieldValue]] = [(Tag.ENCRYPT_METHOD, 0), (Tag.HEART_BT_INT, heartbeat_s)]
        if reset:
            fields.append((Tag.RESET_SEQ_NUM_FLAG, "Y"))
        self.state = SessionState.LOGGED_ON
        self._emit(MsgType.LOGON, encode_body(fields), store=False)

    def _on_logon_again(self, message: FixMessage) -> None:
        """A Logon on a live session: with ResetSeqNumFlag=Y both sides start over at 1, else disconnect."""
        if message.get(Tag.RESET_SEQ_NUM_FLAG) != b"Y":
            log.warning("FIX session %s: Logon while logged on; disconnecting", self.session_id)
            self._close()
            return
        log.info("FIX session %s: Logon with ResetSeqNumFlag=Y, sequence numbers back to 1", self.session_id)
        self._reset()
        if not self._verify(message, high=False, low=True):
            return
        heartbeat_s = message.get_int(Tag.HEART_BT_INT) or 0
        self._hb.interval_ns = heartbeat_s * NS_PER_S
        self._answer_logon(heartbeat_s, True)
        self._incr()
        self._app.on_logon(self.session_id)
        self._schedule()

    # ----- inbound ----------------------------------------------------------------------------------

    def _next(self, message: FixMessage) -> None:
        """One message of a logged-on session (QuickFIX Session::next)."""
        msg_type = message.msg_type
        for tag in (Tag.SENDER_COMP_ID, Tag.TARGET_COMP_ID):
            if message.get(tag) is None:
                if msg_type in ADMIN_MSG_TYPES:
                    self._reject(message, SessionProblem.of(SessionRejectReason.REQUIRED_TAG_MISSING, tag))
                else:
                    text = f"Conditionally Required Field Missing ({tag})"
                    fields = admin.business_reject_fields(message, admin.BUSINESS_REJECT_CONDITIONALLY_REQUIRED, text)
                    self._emit(MsgType.BUSINESS_MESSAGE_REJECT, encode_body(fields), store=True)
                    self._incr()
                return
        if message.get(Tag.BEGIN_STRING) != self._begin_string:
            if msg_type == MsgType.LOGOUT:
                self._on_logout(message)
            else:
                log.warning("FIX session %s: BeginString %s; logging out", self.session_id,
                            message.get_str(Tag.BEGIN_STRING))
                self._send_logout("Incorrect BeginString")
                self._incr()
            return
        problem = self._validator.validate(message)
        if problem is not None:
            self._reject(message, problem)
        elif msg_type == MsgType.LOGON:
            self._on_logon_again(message)
        elif msg_type == MsgType.SEQUENCE_RESET:
            self._on_sequence_reset(message)
        elif msg_type == MsgType.LOGOUT:
            self._on_logout(message)
        elif msg_type == MsgType.RESEND_REQUEST:
            self._on_resend_request(message)
        elif msg_type == MsgType.REJECT:
            if self._verify(message, high=False, low=True):
                log.warning("FIX session %s: counterparty rejected our MsgSeqNum %s: %s", self.session_id,
                            message.get_str(Tag.REF_SEQ_NUM), message.get_str(Tag.TEXT))
                self._incr()
                told = getattr(self._app, "on_session_reject", None)  # optional: a venue adapter wants it
                if told is not None:
                    told(self.session_id, message)
        elif self._verify(message, high=True, low=True):
            if msg_type == MsgType.TEST_REQUEST:
                test_req_id = message.get(Tag.TEST_REQ_ID)
                fields = [(Tag.TEST_REQ_ID, test_req_id)] if test_req_id is not None else []
                self._emit(MsgType.HEARTBEAT, encode_body(fields), store=False)
            elif msg_type not in ADMIN_MSG_TYPES and not self._deliver(message):
                return
            self._incr()

    def _deliver(self, message: FixMessage) -> bool:
        """Hand an application message over; an exception closes only this session (number not consumed)."""
        try:
            self._app.on_message(self.session_id, message)
        except Exception as exc:
            log.exception("FIX session %s: application failed on MsgSeqNum %s", self.session_id,
                          message.get_str(Tag.MSG_SEQ_NUM))
            self.fail(f"application failed on MsgSeqNum {message.get_str(Tag.MSG_SEQ_NUM)}: {exc!r}")
            return False
        return True

    def _verify(self, message: FixMessage, *, high: bool, low: bool) -> bool:
        """QuickFIX Session::verify: SendingTime, CompIDs, then (as asked) too-high / too-low MsgSeqNum."""
        if not self._good_time(message):
            self._reject(message, SessionProblem.of(SessionRejectReason.SENDING_TIME_ACCURACY))
            self._send_logout(None)
            return False
        if (
            message.get(Tag.SENDER_COMP_ID) != self.config.target_comp_id.encode("latin-1")
            or message.get(Tag.TARGET_COMP_ID) != self.config.sender_comp_id.encode("latin-1")
        ):
            self._reject(message, SessionProblem.of(SessionRejectReason.COMPID_PROBLEM))
            self._send_logout(None)
            return False
        seq = admin.seq_of(message) or 0
        if high and seq > self._next_target:
            self._too_high(message, seq)
            return False
        if low and seq < self._next_target:
            self._too_low(message, seq)
            return False
        if high or low:
            self._gap.received(seq)
        return True

    def _good_time(self, message: FixMessage) -> bool:
        if not self.settings.check_latency:
            return True
        sending_time = message.get(Tag.SENDING_TIME) or b""
        if not is_utc_timestamp(sending_time):
            return False
        latency_ns = abs(self._wall_ns() - parse_utc_timestamp(sending_time))
        return latency_ns <= self.settings.max_latency_s * NS_PER_S

    def _too_high(self, message: FixMessage, seq: int) -> None:
        if len(self._gap) >= MAX_QUEUED:
            self._fatal(f"more than {MAX_QUEUED} messages ahead of MsgSeqNum {self._next_target}")
            return
        self._gap.hold(seq, message)
        if self._gap.needs_request(seq):
            log.info("FIX session %s: gap %s..%s, asking for resend", self.session_id, self._next_target, seq - 1)
            body = encode_body([(Tag.BEGIN_SEQ_NO, self._next_target), (Tag.END_SEQ_NO, 0)])
            self._emit(MsgType.RESEND_REQUEST, body, store=False)
            self._gap.requested(self._next_target, seq)

    def _too_low(self, message: FixMessage, seq: int) -> None:
        if message.get(Tag.POSS_DUP_FLAG) != b"Y":
            self._fatal(f"MsgSeqNum too low, expecting {self._next_target} but received {seq}")
            return
        if message.msg_type == MsgType.SEQUENCE_RESET:
            return  # a duplicate we already processed
        orig = message.get(Tag.ORIG_SENDING_TIME)
        if orig is None or not is_utc_timestamp(orig):
            self._reject(message, SessionProblem.of(SessionRejectReason.REQUIRED_TAG_MISSING, Tag.ORIG_SENDING_TIME))
        elif parse_utc_timestamp(orig) > parse_utc_timestamp(message.get(Tag.SENDING_TIME) or b""):
            self._reject(message, SessionProblem.of(SessionRejectReason.SENDING_TIME_ACCURACY))
            self._send_logout(None)

    def _drain(self) -> None:
        """Process held messages whose turn has come (QuickFIX nextQueued), iteratively."""
        while self.state in ONLINE and len(self._gap):
            message = self._gap.pop(self._next_target)
            if message is None:
                return
            if message.msg_type in (MsgType.LOGON, MsgType.RESEND_REQUEST):
                self._incr()  # already acted on when it arrived
            else:
                self._next(message)

    def _on_sequence_reset(self, message: FixMessage) -> None:
        """SequenceReset: gap-fill mode is sequenced; reset mode ignores MsgSeqNum. NewSeqNo never lowers."""
        gap_fill = message.get(Tag.GAP_FILL_FLAG) == b"Y"
        if not self._verify(message, high=gap_fill, low=gap_fill):
            return
        new_seq = message.get_int(Tag.NEW_SEQ_NO) or 0
        if new_seq > self._next_target:
            log.info("FIX session %s: SequenceReset from %s to %s", self.session_id, self._next_target, new_seq)
            self._set_next_target(new_seq)
            self._gap.skip_to(new_seq)
        elif new_seq < self._next_target:
            detail = f"NewSeqNo {new_seq} below the expected {self._next_target}"
            self._reject(message, SessionProblem.of(SessionRejectReason.VALUE_INCORRECT, None, detail))

    def _on_logout(self, message: FixMessage) -> None:
        if not self._verify(message, high=False, low=False):
            return
        log.info("FIX session %s: Logout received: %s", self.session_id, message.get_str(Tag.TEXT))
        if self.state is SessionState.LOGGED_ON:
            self._emit(MsgType.LOGOUT, b"", store=False)
        self._incr()
        if self.settings.reset_on_logout:
            self._reset()
        self._close()

    def _on_resend_request(self, message: FixMessage) -> None:
        if not self._verify(message, high=False, low=False):
            return
        begin = message.get_int(Tag.BEGIN_SEQ_NO) or 0
        answer = self._out.resend(begin, message.get_int(Tag.END_SEQ_NO) or 0)
        if answer is None:
            log.warning("FIX session %s: nothing to resend from %s", self.session_id, begin)
        else:
            frames, first, last = answer
            log.info("FIX session %s: resending %s..%s", self.session_id, first, last)
            self._write(b"".join(frames))
        if admin.seq_of(message) == self._next_target:
            self._incr()
