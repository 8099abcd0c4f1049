"""Validation of an OMS client's Logon (35=A): a typed acceptance or a refusal with a readable reason."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from engine.fix.codec import MsgType, Tag
from engine.fix.config import SessionConfig
from engine.fix.framing import FieldFormatError, FixMessage


@dataclass(frozen=True, slots=True)
class LogonAccepted:
    """The client may log on with these terms."""

    heartbeat_s: int
    reset_seq_nums: bool
    seq_num: int


@dataclass(frozen=True, slots=True)
class LogonRefused:
    """The Logon is refused; `reason` goes back to the client in the Logout's Text (58)."""

    reason: str


def validate_logon(
    message: FixMessage, config: SessionConfig, max_heartbeat_s: int, min_heartbeat_s: int = 0
) -> LogonAccepted | LogonRefused:
    """Check a Logon against the configured session: identity, password, HeartBtInt, EncryptMethod.

    The acceptor has already matched BeginString and CompIDs (a stranger is disconnected without a word);
    a refusal here is answered with a Logout naming the reason, as QuickFIX answers a RejectLogon.
    """
    if message.msg_type != MsgType.LOGON:
        return LogonRefused(f"first message must be Logon (35=A), got 35={message.msg_type}")
    begin_string = message.get_str(Tag.BEGIN_STRING)
    if begin_string != config.begin_string:
        return LogonRefused(f"BeginString (8) must be {config.begin_string}, got {begin_string}")
    sender = message.get_str(Tag.SENDER_COMP_ID)
    target = message.get_str(Tag.TARGET_COMP_ID)
    if sender != config.target_comp_id or target != config.sender_comp_id:
        return LogonRefused(f"unknown session: SenderCompID={sender} TargetCompID={target}")
    if config.password is not None:
        password = message.get(Tag.PASSWORD)
        if password is None:
            return LogonRefused("Password (554) is required")
        if not hmac.compare_digest(password, config.password.encode("latin-1")):
            return LogonRefused("wrong Password (554)")
    try:
        seq_num = message.get_int(Tag.MSG_SEQ_NUM)
        heartbeat_s = message.get_int(Tag.HEART_BT_INT)
        encrypt_method = message.get_int(Tag.ENCRYPT_METHOD)
    except FieldFormatError as exc:
        return LogonRefused(f"Logon has an invalid field: {exc}")
    if seq_num is None or seq_num < 1:
        return LogonRefused("MsgSeqNum (34) is missing or below 1")
    if message.get(Tag.SENDING_TIME) is None:
        return LogonRefused("SendingTime (52) is required")
    if heartbeat_s is None:
        return LogonRefused("HeartBtInt (108) is required")
    if not min_heartbeat_s <= heartbeat_s <= max_heartbeat_s:
        return LogonRefused(
            f"HeartBtInt (108) must be {min_heartbeat_s}..{max_heartbeat_s} seconds, got {heartbeat_s}"
        )
    if encrypt_method is None:
        return LogonRefused("EncryptMethod (98) is required")
    if encrypt_method != 0:
        return LogonRefused(f"EncryptMethod (98) must be 0 (none), got {encrypt_method}")
    reset_flag = message.get(Tag.RESET_SEQ_NUM_FLAG)
    if reset_flag not in (None, b"Y", b"N"):
        return LogonRefused(f"ResetSeqNumFlag (141) must be Y or N, got {reset_flag!r}")
    reset = reset_flag == b"Y"
    if reset and seq_num != 1:
        return LogonRefused(f"ResetSeqNumFlag (141)=Y requires MsgSeqNum (34) 1, got {seq_num}")
    return LogonAccepted(heartbeat_s=heartbeat_s, reset_seq_nums=reset, seq_num=seq_num)
