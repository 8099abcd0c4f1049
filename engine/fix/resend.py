"""Answering a ResendRequest: stored application messages go again with PossDupFlag=Y and their
OrigSendingTime; every run of admin (or unknown) sequence numbers becomes one SequenceReset-GapFill."""

from __future__ import annotations

from collections.abc import Sequence

from engine.fix.codec import FieldValue, MsgType, Tag, encode, encode_body
from engine.fix.config import SessionConfig
from engine.fix.dictionary import fix44
from engine.fix.store import StoredMessage


def gap_fill(config: SessionConfig, seq_num: int, new_seq_no: int, sending_time: str) -> bytes:
    """SequenceReset-GapFill (35=4, 123=Y) numbered `seq_num`, telling the peer to expect `new_seq_no`."""
    body = encode_body([(Tag.NEW_SEQ_NO, new_seq_no), (Tag.GAP_FILL_FLAG, "Y")])
    return encode(
        MsgType.SEQUENCE_RESET,
        body,
        begin_string=config.begin_string,
        sender_comp_id=config.sender_comp_id,
        target_comp_id=config.target_comp_id,
        seq_num=seq_num,
        sending_time=sending_time,
        poss_dup=True,
        orig_sending_time=sending_time,
    )


def answer(
    config: SessionConfig, begin: int, end: int, stored: Sequence[StoredMessage], sending_time: str
) -> list[bytes]:
    """Frames covering begin..end inclusive, in sequence order; `stored` holds the app messages in range."""
    frames: list[bytes] = []
    gap_start = begin
    for message in stored:
        if message.seq_num > gap_start:
            frames.append(gap_fill(config, gap_start, message.seq_num, sending_time))
        header, body = split_header(message.body)
        frames.append(
            encode(
                message.msg_type,
                body,
                begin_string=config.begin_string,
                sender_comp_id=config.sender_comp_id,
                target_comp_id=config.target_comp_id,
                seq_num=message.seq_num,
                sending_time=sending_time,
                poss_dup=True,
                orig_sending_time=message.sending_time,
                header=header,
            )
        )
        gap_start = message.seq_num + 1
    if gap_start <= end:
        frames.append(gap_fill(config, gap_start, end + 1, sending_time))
    return frames


def split_header(stored: bytes) -> tuple[list[tuple[int, FieldValue]], bytes]:
    """A stored message's leading header fields (see `OutboundSequence.frame`) and the body after them."""
    header_tags = fix44().header.fields
    header: list[tuple[int, FieldValue]] = []
    pos = 0
    while pos < len(stored):
        end = stored.find(b"\x01", pos)
        tag, _, value = stored[pos:end].partition(b"=")
        if not tag.isdigit() or int(tag) not in header_tags:
            break
        header.append((int(tag), value))
        pos = end + 1
    return header, stored[pos:]
