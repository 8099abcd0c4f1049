"""The initiator's side of a FIX session: we send the Logon and judge the counterparty's answer.

Everything after the Logon exchange (sequence checks, gap fill and resend, heartbeats, Logout) is the
shared `FixSession`; only the start differs from the acceptor's: `start_logon` sends our Logon (with
ResetSeqNumFlag=Y when configured, both numbers back to 1 first) and `_on_logon` accepts the answer
or closes the connection with the reason logged.
"""

from __future__ import annotations

from engine.clock import NS_PER_S
from engine.fix.codec import FieldValue, MsgType, Tag, encode_body
from engine.fix.framing import FixMessage
from engine.fix.session import FixSession
from engine.fix.session_core import SessionState, log


class InitiatorSession(FixSession):
    """A session we open: Logon out first, the counterparty's Logon back, then the shared rules."""

    _sent_reset = False

    def start_logon(self, heartbeat_s: int, reset: bool) -> None:
        """Send our Logon on a freshly attached connection (state AWAITING_LOGON)."""
        if self.state is not SessionState.AWAITING_LOGON:
            raise RuntimeError(f"session {self.session_id} is {self.state.value}, not awaiting logon")
        if reset:
            self._reset()
        self._sent_reset = reset
        self._hb.interval_ns = heartbeat_s * NS_PER_S
        fields: list[tuple[int, FieldValue]] = [(Tag.ENCRYPT_METHOD, 0), (Tag.HEART_BT_INT, heartbeat_s)]
        if reset:
            fields.append((Tag.RESET_SEQ_NUM_FLAG, "Y"))
        if self.config.password is not None:
            fields.append((Tag.PASSWORD, self.config.password))
        self._emit(MsgType.LOGON, encode_body(fields), store=False)
        log.info("FIX session %s: Logon sent (HeartBtInt %ss%s, MsgSeqNum %s)", self.session_id, heartbeat_s,
                 ", ResetSeqNumFlag=Y" if reset else "", self.next_sender_seq - 1)

    def _on_logon(self, message: FixMessage) -> None:
        """The counterparty's first message: its Logon answer, or a Logout saying why not."""
        if message.msg_type == MsgType.LOGOUT:
            log.warning("FIX session %s: Logon refused by the counterparty: %s", self.session_id,
                        message.get_str(Tag.TEXT))
            self._close()
            return
        if message.msg_type != MsgType.LOGON:
            log.warning("FIX session %s: first answer is 35=%s, not Logon; disconnecting", self.session_id,
                        message.msg_type)
            self._close()
            return
        problem = self._validator.validate(message)
        if problem is not None:
            log.warning("FIX session %s: invalid Logon answer (%s: %s); disconnecting", self.session_id,
                        problem.text, problem.detail)
            self._close()
            return
        if (
            message.get(Tag.SENDER_COMP_ID) != self.config.target_comp_id.encode("latin-1")
            or message.get(Tag.TARGET_COMP_ID) != self.config.sender_comp_id.encode("latin-1")
        ):
            log.warning("FIX session %s: Logon answer from the wrong CompIDs; disconnecting", self.session_id)
            self._close()
            return
        if not self._good_time(message):
            log.warning("FIX session %s: Logon answer SendingTime is off by more than %ss; disconnecting",
                        self.session_id, self.settings.max_latency_s)
            self._close()
            return
        if message.get(Tag.RESET_SEQ_NUM_FLAG) == b"Y" and not self._sent_reset:
            log.info("FIX session %s: counterparty reset its sequence numbers; expecting 1", self.session_id)
            self._set_next_target(1)
            self._gap.clear()
        seq = message.get_int(Tag.MSG_SEQ_NUM) or 0
        if seq < self._next_target:
            self._fatal(f"MsgSeqNum too low, expecting {self._next_target} but received {seq}")
            return
        self.state = SessionState.LOGGED_ON
        log.info("FIX session %s logged on (next out %s, next in %s)", self.session_id, self.next_sender_seq,
                 self._next_target)
        self._logged_on(message, seq)
