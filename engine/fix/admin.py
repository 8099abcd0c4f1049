"""Bodies of the session messages the session layer writes itself (Reject, BusinessMessageReject), and
reverse routing: a reply goes back through the firms the message came through."""

from __future__ import annotations

from engine.fix.codec import FieldValue, SessionRejectReason, Tag
from engine.fix.framing import FixMessage
from engine.fix.validation import SessionProblem

# OnBehalfOf* on the way in becomes DeliverTo* on the way back, and the reverse (QuickFIX Message::reverseRoute).
_REVERSED = (
    (Tag.ON_BEHALF_OF_COMP_ID, Tag.DELIVER_TO_COMP_ID),
    (Tag.DELIVER_TO_COMP_ID, Tag.ON_BEHALF_OF_COMP_ID),
    (Tag.ON_BEHALF_OF_SUB_ID, Tag.DELIVER_TO_SUB_ID),
    (Tag.DELIVER_TO_SUB_ID, Tag.ON_BEHALF_OF_SUB_ID),
    (Tag.ON_BEHALF_OF_LOCATION_ID, Tag.DELIVER_TO_LOCATION_ID),
    (Tag.DELIVER_TO_LOCATION_ID, Tag.ON_BEHALF_OF_LOCATION_ID),
)
BUSINESS_REJECT_CONDITIONALLY_REQUIRED = 5


def seq_of(message: FixMessage) -> int | None:
    """MsgSeqNum (34) when present and a number, else None."""
    value = message.get(Tag.MSG_SEQ_NUM)
    return int(value) if value is not None and value.isdigit() and len(value) <= 18 else None


def reverse_route(message: FixMessage) -> list[tuple[int, FieldValue]]:
    """Header routing fields for a reply: each non-empty OnBehalfOf*/DeliverTo* of `message`, swapped."""
    route: list[tuple[int, FieldValue]] = []
    for incoming, outgoing in _REVERSED:
        value = message.get(incoming)
        if value:
            route.append((outgoing, value))
    return route


def reject_fields(
    ref_seq_num: int | None, text: str, *, ref_msg_type: str | None, ref_tag: int | None, reason: int | None
) -> list[tuple[int, FieldValue]]:
    """A Reject's body in ascending tag order: RefSeqNum 45, Text 58, RefTagID 371, RefMsgType 372, 373.

    As in QuickFIX, RefTagID 0 is named only for an invalid tag number (`0=x`).
    """
    fields: list[tuple[int, FieldValue]] = []
    if ref_seq_num is not None:
        fields.append((Tag.REF_SEQ_NUM, ref_seq_num))
    fields.append((Tag.TEXT, text))
    if ref_tag is not None and (ref_tag != 0 or reason == SessionRejectReason.INVALID_TAG_NUMBER):
        fields.append((Tag.REF_TAG_ID, ref_tag))
    if ref_msg_type:
        fields.append((Tag.REF_MSG_TYPE, ref_msg_type))
    if reason is not None:
        fields.append((Tag.SESSION_REJECT_REASON, reason))
    return fields


def problem_reject_fields(message: FixMessage, problem: SessionProblem) -> list[tuple[int, FieldValue]]:
    """The Reject answering `message` for `problem`."""
    return reject_fields(
        seq_of(message), problem.text, ref_msg_type=message.msg_type, ref_tag=problem.ref_tag, reason=problem.reason
    )


def business_reject_fields(message: FixMessage, reason: int, text: str) -> list[tuple[int, FieldValue]]:
    """A BusinessMessageReject's body: RefSeqNum 45, Text 58, RefMsgType 372, BusinessRejectReason 380."""
    fields: list[tuple[int, FieldValue]] = []
    seq = seq_of(message)
    if seq is not None:
        fields.append((Tag.REF_SEQ_NUM, seq))
    fields += [(Tag.TEXT, text), (Tag.REF_MSG_TYPE, message.msg_type), (Tag.BUSINESS_REJECT_REASON, reason)]
    return fields
