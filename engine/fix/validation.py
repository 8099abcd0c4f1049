"""Validation of an inbound message against the data dictionary, in QuickFIX's order (-> session Reject).

The checks and their order follow QuickFIX's DataDictionary::validate, so that a message with several
defects is rejected for the same one QuickFIX would name:
1. structure: a header field after the body, or a body field after the trailer (373=14);
2. MsgType defined (373=11);
3. required fields: header, trailer, body, then inside each group instance (373=1);
4. every field of the header, the trailer and then the body, each in ascending tag order: repeated (13),
   empty (4), format (6), enumerated value (5), tag defined (0; user-defined tags >= 5000 only when
   ValidateUserDefinedFields), tag allowed in this message type (2), NumInGroup count (16).
Repeating groups are read the way QuickFIX reads them: an instance starts at the group's delimiter field
and holds only the group's fields; anything else ends the group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from engine.fix.codec import REJECT_TEXT, SessionRejectReason
from engine.fix.dictionary import USER_DEFINED_TAG_MIN, Dictionary, GroupDef
from engine.fix.framing import FixMessage

Node = tuple[int, bytes, "list[list[Node]] | None"]
"""A field: tag, value, and for a NumInGroup field the instances of its group (each a list of nodes)."""

_FIRST = {8: -3, 9: -2, 35: -1}
_TAG = itemgetter(0)


@dataclass(frozen=True, slots=True)
class SessionProblem:
    """Why a message is rejected: SessionRejectReason (373), RefTagID (371) and Text (58).

    `text` is QuickFIX's wording; `detail` names the field and value for the log.
    """

    reason: int
    ref_tag: int | None
    text: str
    detail: str = ""

    @classmethod
    def of(cls, reason: int, ref_tag: int | None = None, detail: str = "") -> SessionProblem:
        return cls(reason, ref_tag, REJECT_TEXT[reason], detail)


@dataclass(frozen=True, slots=True)
class Sections:
    """A message split the way QuickFIX stores it: header, body and trailer nodes, in wire order."""

    header: list[Node]
    body: list[Node]
    trailer: list[Node]
    out_of_order: int | None
    """The first header tag met after the body (or body tag after the trailer), if any."""


def split_sections(message: FixMessage, dictionary: Dictionary) -> Sections:
    """Classify every field as header, body or trailer and read repeating groups into instances."""
    pairs = message.pairs
    header_def, trailer_def = dictionary.header, dictionary.trailer
    msg_def = dictionary.message(message.msg_type)
    body_groups: Mapping[int, GroupDef] = msg_def.body.groups if msg_def is not None else {}
    header: list[Node] = []
    body: list[Node] = []
    trailer: list[Node] = []
    section = 0  # 0 header, 1 body, 2 trailer
    out_of_order: int | None = None
    i, n = 0, len(pairs)
    while i < n:
        tag, value = pairs[i]
        if tag in header_def.fields:
            if section != 0 and out_of_order is None:
                out_of_order = tag
            target, groups = header, header_def.groups
        elif tag in trailer_def.fields:
            section = 2
            target, groups = trailer, trailer_def.groups
        else:
            if section == 2 and out_of_order is None:
                out_of_order = tag
            section = 1
            target, groups = body, body_groups
        group = groups.get(tag)
        if group is None:
            target.append((tag, value, None))
            i += 1
        else:
            instances, i = _read_group(pairs, i + 1, group)
            target.append((tag, value, instances))
    return Sections(header, body, trailer, out_of_order)


def _read_group(pairs: Sequence[tuple[int, bytes]], i: int, group: GroupDef) -> tuple[list[list[Node]], int]:
    instances: list[list[Node]] = []
    current: list[Node] | None = None
    seen: set[int] = set()
    n = len(pairs)
    while i < n:
        tag, value = pairs[i]
        if tag == group.delimiter:
            current = []
            seen = set()
            instances.append(current)
        elif current is None or tag not in group.fields or tag in seen:
            break
        seen.add(tag)
        nested = group.groups.get(tag)
        if nested is None:
            current.append((tag, value, None))
            i += 1
        else:
            inner, i = _read_group(pairs, i + 1, nested)
            current.append((tag, value, inner))
    return instances, i


class MessageValidator:
    """Checks inbound messages against `dictionary` with QuickFIX's switches."""

    def __init__(
        self, dictionary: Dictionary, *, fields_out_of_order: bool = True, user_defined_fields: bool = True
    ) -> None:
        self.dictionary = dictionary
        self.fields_out_of_order = fields_out_of_order
        self.user_defined_fields = user_defined_fields

    def validate(self, message: FixMessage) -> SessionProblem | None:
        """The first defect of `message` (QuickFIX's order), or None when it is valid."""
        dictionary = self.dictionary
        sections = split_sections(message, dictionary)
        if self.fields_out_of_order and sections.out_of_order is not None:
            tag = sections.out_of_order
            return SessionProblem.of(SessionRejectReason.TAG_OUT_OF_ORDER, tag, f"tag {tag} out of place")
        msg_def = dictionary.message(message.msg_type)
        if msg_def is None:
            return SessionProblem.of(SessionRejectReason.INVALID_MSG_TYPE, None, f"MsgType {message.msg_type!r}")
        missing = (
            _missing(sections.header, dictionary.header.required)
            or _missing(sections.trailer, dictionary.trailer.required)
            or _missing(sections.body, msg_def.body.required)
            or _missing_in_groups(sections.body, msg_def.body.groups)
        )
        if missing is not None:
            name = dictionary.field_name(missing)
            return SessionProblem.of(SessionRejectReason.REQUIRED_TAG_MISSING, missing, f"{name} ({missing}) missing")
        return (
            self._iterate(sections.header, None, dictionary.header.groups, header=True)
            or self._iterate(sections.trailer, None, dictionary.trailer.groups)
            or self._iterate(sections.body, msg_def.body.fields, msg_def.body.groups)
        )

    def _iterate(
        self,
        nodes: list[Node],
        allowed: frozenset[int] | None,
        groups: Mapping[int, GroupDef],
        *,
        header: bool = False,
    ) -> SessionProblem | None:
        dictionary = self.dictionary
        ordered = sorted(nodes, key=lambda node: _FIRST.get(node[0], node[0])) if header else sorted(nodes, key=_TAG)
        last: int | None = None
        for tag, value, instances in ordered:
            if tag == last:
                return SessionProblem.of(SessionRejectReason.TAG_APPEARS_MORE_THAN_ONCE, tag, f"tag {tag} repeated")
            last = tag
            if not value:
                return SessionProblem.of(SessionRejectReason.TAG_WITHOUT_VALUE, tag, f"tag {tag} empty")
            field = dictionary.field(tag)
            if field is not None:
                if not field.format_ok(value):
                    detail = f"{field.name} ({tag}) {field.type} {_show(value)}"
                    return SessionProblem.of(SessionRejectReason.INCORRECT_DATA_FORMAT, tag, detail)
                if not field.value_ok(value):
                    detail = f"{field.name} ({tag}) {_show(value)} is not one of its values"
                    return SessionProblem.of(SessionRejectReason.VALUE_INCORRECT, tag, detail)
            if tag < USER_DEFINED_TAG_MIN or self.user_defined_fields:
                if field is None:
                    return SessionProblem.of(SessionRejectReason.INVALID_TAG_NUMBER, tag, f"tag {tag} is not FIX 4.4")
                if allowed is not None and tag not in allowed:
                    detail = f"{field.name} ({tag}) is not a field of this message type"
                    return SessionProblem.of(SessionRejectReason.TAG_NOT_DEFINED_FOR_MSG_TYPE, tag, detail)
            if instances is not None:
                group = groups[tag]
                if int(value) != len(instances):
                    detail = f"{dictionary.field_name(tag)} ({tag}) says {int(value)}, found {len(instances)}"
                    return SessionProblem.of(SessionRejectReason.INCORRECT_NUM_IN_GROUP_COUNT, tag, detail)
                for instance in instances:
                    problem = self._iterate(instance, group.fields, group.groups)
                    if problem is not None:
                        return problem
        return None


def _missing(nodes: list[Node], required: tuple[int, ...]) -> int | None:
    if not required:
        return None
    present = {node[0] for node in nodes}
    return next((tag for tag in required if tag not in present), None)


def _missing_in_groups(nodes: list[Node], groups: Mapping[int, GroupDef]) -> int | None:
    for tag, _, instances in nodes:
        if instances is None:
            continue
        group = groups[tag]
        for instance in instances:
            missing = _missing(instance, group.required) or _missing_in_groups(instance, group.groups)
            if missing is not None:
                return missing
    return None


def _show(value: bytes) -> str:
    return repr(value[:40].decode("latin-1")) + ("..." if len(value) > 40 else "")
