"""What a session sends: MsgSeqNum assignment, framing, storage of app messages, resend answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.fix import resend
from engine.fix.codec import FieldValue, encode, encode_body, utc_timestamp
from engine.fix.config import SessionConfig
from engine.fix.store import SessionStore


class OutboundSequence:
    """Our side's sequence numbers for one session, persisted through the `SessionStore`."""

    __slots__ = ("_config", "_session_id", "_store", "_wall_ns", "next_seq")

    def __init__(self, config: SessionConfig, store: SessionStore, wall_ns: Callable[[], int]) -> None:
        self._config = config
        self._session_id = config.session_id
        self._store = store
        self._wall_ns = wall_ns
        self.next_seq = store.seq_nums(self._session_id).next_sender

    def frame(
        self, msg_type: str, body: bytes, *, keep: bool, header: Sequence[tuple[int, FieldValue]] = ()
    ) -> bytes:
        """Take the next MsgSeqNum for this message and frame it; `keep` stores it for resend.

        `header` holds header fields beyond the standard ones (e.g. DeliverToCompID 128); a stored message
        keeps them in front of its body, where a resend finds them again.
        """
        seq = self.next_seq
        sending_time = utc_timestamp(self._wall_ns())
        self.next_seq = seq + 1
        self._store.set_next_sender(self._session_id, seq + 1)
        if keep:
            stored = encode_body(header) + body if header else body
            self._store.save_outbound(self._session_id, seq, msg_type, sending_time, stored)
        config = self._config
        return encode(
            msg_type,
            body,
            begin_string=config.begin_string,
            sender_comp_id=config.sender_comp_id,
            target_comp_id=config.target_comp_id,
            seq_num=seq,
            sending_time=sending_time,
            header=header,
        )

    def resend(self, begin: int, end: int) -> tuple[list[bytes], int, int] | None:
        """Frames answering ResendRequest begin..end (0 = up to the last sent) and the range they cover.

        None when the range holds nothing we sent.
        """
        last_sent = self.next_seq - 1
        if end == 0 or end > last_sent:
            end = last_sent
        if begin < 1 or begin > end:
            return None
        stored = self._store.outbound(self._session_id, begin, end)
        return resend.answer(self._config, begin, end, stored, utc_timestamp(self._wall_ns())), begin, end

    def reset(self) -> None:
        self.next_seq = 1
