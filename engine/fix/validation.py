"""Checks on an in-sequence inbound message before the session acts on it (-> session-level Reject)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.fix.codec import MsgType, SessionRejectReason, Tag
from engine.fix.framing import FixMessage

# Required fields of admin messages.
_REQUIRED: dict[str, tuple[int, ...]] = {
    MsgType.TEST_REQUEST: (Tag.TEST_REQ_ID,),
    MsgType.RESEND_REQUEST: (Tag.BEGIN_SEQ_NO, Tag.END_SEQ_NO),
    MsgType.SEQUENCE_RESET: (Tag.NEW_SEQ_NO,),
    MsgType.REJECT: (Tag.REF_SEQ_NUM,),
}
_INT_FIELDS = frozenset({Tag.BEGIN_SEQ_NO, Tag.END_SEQ_NO, Tag.NEW_SEQ_NO, Tag.REF_SEQ_NUM})


@dataclass(frozen=True, slots=True)
class SessionProblem:
    """Why a message is rejected: SessionRejectReason (373), RefTagID (371) and Text (58)."""

    reason: int
    ref_tag: int
    text: str


def session_problem(message: FixMessage) -> SessionProblem | None:
    """The first session-level defect of `message` (missing/empty/malformed session field), or None."""
    if message.get(Tag.SENDING_TIME) is None:
        return SessionProblem(
            SessionRejectReason.REQUIRED_TAG_MISSING, Tag.SENDING_TIME, "required tag missing: SendingTime (52)"
        )
    msg_type = message.msg_type
    if (
        message.get(Tag.POSS_DUP_FLAG) == b"Y"
        and message.get(Tag.ORIG_SENDING_TIME) is None
        and msg_type != MsgType.SEQUENCE_RESET
    ):
        return SessionProblem(
            SessionRejectReason.REQUIRED_TAG_MISSING,
            Tag.ORIG_SENDING_TIME,
            "required tag missing: OrigSendingTime (122) with PossDupFlag=Y",
        )
    for tag in _REQUIRED.get(msg_type, ()):
        value = message.get(tag)
        if value is None:
            return SessionProblem(SessionRejectReason.REQUIRED_TAG_MISSING, tag, f"required tag missing: {tag}")
        if value == b"":
            return SessionProblem(SessionRejectReason.TAG_WITHOUT_VALUE, tag, f"tag specified without a value: {tag}")
        if tag in _INT_FIELDS and not value.isdigit():
            return SessionProblem(
                SessionRejectReason.INCORRECT_DATA_FORMAT,
                tag,
                f"incorrect data format for value: {tag}={value.decode('latin-1')}",
            )
    return None
