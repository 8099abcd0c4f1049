"""Dictionary validation of inbound messages: one row per SessionRejectReason, in QuickFIX's order of checks."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.fix.codec import SessionRejectReason as R
from engine.fix.dictionary import fix44
from engine.fix.framing import FixMessage, checksum
from engine.fix.validation import MessageValidator, split_sections
from tests.engine.fix.helpers import raw_message

HEAD = [(34, "2"), (49, "OMS1"), (52, "20240102-09:30:00"), (56, "EMS")]
ORDER = [(11, "ID"), (21, "1"), (38, "200"), (40, "1"), (54, "1"), (55, "INTC"), (60, "20240102-09:30:00")]


def wire(msg_type: str, fields: Sequence[tuple[int, str]]) -> FixMessage:
    """A message with exactly these fields after 35, in this order (correct BodyLength and CheckSum)."""
    rest = f"35={msg_type}\x01" + "".join(f"{tag}={value}\x01" for tag, value in fields)
    head = f"8=FIX.4.4\x019={len(rest)}\x01{rest}".encode("latin-1")
    return raw_message(head + b"10=%03d\x01" % checksum(head))


def replace(fields: Sequence[tuple[int, str]], tag: int, value: str) -> list[tuple[int, str]]:
    return [(t, value if t == tag else v) for t, v in fields]


def without(fields: Sequence[tuple[int, str]], tag: int) -> list[tuple[int, str]]:
    return [(t, v) for t, v in fields if t != tag]


CASES = [
    # (id, msg_type, fields after 35, expected (reason, RefTagID) or None)
    ("valid order", "D", HEAD + ORDER, None),
    ("valid order, header in any order", "D",
     [(49, "OMS1"), (56, "EMS"), (34, "2"), (52, "20240102-09:30:00"), *ORDER], None),
    ("valid group", "D", HEAD + ORDER + [(386, "2"), (336, "PRE"), (625, "A"), (336, "POST")], None),
    ("empty group", "d", [*HEAD, (320, "R1"), (322, "S1"), (323, "6"), (454, "0")], None),
    ("unknown tag", "0", [*HEAD, (999, "HI")], (R.INVALID_TAG_NUMBER, 999)),
    ("tag 0", "0", [*HEAD, (0, "HI")], (R.INVALID_TAG_NUMBER, 0)),
    ("negative tag", "0", [*HEAD, (-1, "HI")], (R.INVALID_TAG_NUMBER, -1)),
    ("header tag missing", "0", HEAD[:3], (R.REQUIRED_TAG_MISSING, 56)),
    ("body tag missing", "D", HEAD + without(ORDER, 60), (R.REQUIRED_TAG_MISSING, 60)),
    ("lowest missing first", "D", HEAD + without(without(ORDER, 60), 11), (R.REQUIRED_TAG_MISSING, 11)),
    ("required in a required group", "E", [*HEAD, (66, "L1"), (68, "1"), (394, "1"), (73, "1"), (11, "X"), (67, "1")],
     (R.REQUIRED_TAG_MISSING, 54)),
    ("group instance without its delimiter", "C", [*HEAD, (94, "0"), (147, "S"), (164, "T1"), (33, "1"), (355, "x")],
     (R.INCORRECT_NUM_IN_GROUP_COUNT, 33)),
    ("not in this message type", "0", [*HEAD, (55, "MSFT")], (R.TAG_NOT_DEFINED_FOR_MSG_TYPE, 55)),
    ("group member outside its group", "D", HEAD + ORDER + [(336, "PRE")], (R.TAG_NOT_DEFINED_FOR_MSG_TYPE, 336)),
    ("empty header value", "0", replace(HEAD, 56, ""), (R.TAG_WITHOUT_VALUE, 56)),
    ("empty body value", "D", HEAD + ORDER + [(1, "")], (R.TAG_WITHOUT_VALUE, 1)),
    ("enum", "D", HEAD + replace(ORDER, 21, "4"), (R.VALUE_INCORRECT, 21)),
    ("enum of a string field", "D", HEAD + ORDER + [(167, "BOO")], (R.VALUE_INCORRECT, 167)),
    ("sign", "D", HEAD + replace(ORDER, 38, "+200.00"), (R.INCORRECT_DATA_FORMAT, 38)),
    ("exponent", "D", HEAD + replace(ORDER, 38, "1E+300000"), (R.INCORRECT_DATA_FORMAT, 38)),
    ("timestamp", "D", HEAD + ORDER + [(126, "20040415")], (R.INCORRECT_DATA_FORMAT, 126)),
    ("invalid MsgType", "*", HEAD, (R.INVALID_MSG_TYPE, None)),
    ("repeated", "D", HEAD + ORDER + [(40, "2")], (R.TAG_APPEARS_MORE_THAN_ONCE, 40)),
    ("repeated in the header", "0", [*HEAD, (49, "OMS1")], (R.TAG_APPEARS_MORE_THAN_ONCE, 49)),
    ("body before header", "D", ORDER + HEAD, (R.TAG_OUT_OF_ORDER, 34)),
    ("one body field first", "D", [(55, "MSFT"), *HEAD, *without(ORDER, 55)], (R.TAG_OUT_OF_ORDER, 34)),
    ("body after trailer", "0", [*HEAD, (93, "1"), (89, "x"), (112, "T")], (R.TAG_OUT_OF_ORDER, 112)),
    ("group count", "D", HEAD + ORDER + [(386, "3"), (336, "PRE"), (336, "POST")],
     (R.INCORRECT_NUM_IN_GROUP_COUNT, 386)),
    ("group count format", "D", HEAD + ORDER + [(386, "x"), (336, "PRE")], (R.INCORRECT_DATA_FORMAT, 386)),
    ("group count inside a group", "D",
     HEAD + ORDER + [(453, "1"), (448, "P1"), (447, "D"), (452, "1"), (802, "2"), (523, "S1"), (803, "1")],
     (R.INCORRECT_NUM_IN_GROUP_COUNT, 802)),
    # precedence: header before body, required before values, ascending tags within a part
    ("header empty beats body enum", "D", [*HEAD, (145, ""), *replace(ORDER, 40, "w")], (R.TAG_WITHOUT_VALUE, 145)),
    ("missing beats bad value", "D", HEAD + replace(without(ORDER, 11), 21, "9"), (R.REQUIRED_TAG_MISSING, 11)),
    ("lowest tag first", "D", HEAD + replace(replace(ORDER, 54, "x"), 21, "9"), (R.VALUE_INCORRECT, 21)),
    ("user-defined tag unchecked", "D", HEAD + ORDER + [(9100, "TWAP")], None),
]


@pytest.mark.parametrize(("msg_type", "fields", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_first_defect_in_quickfix_order(msg_type, fields, expected):
    problem = MessageValidator(fix44(), user_defined_fields=False).validate(wire(msg_type, fields))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and (problem.reason, problem.ref_tag) == expected, problem


def test_switches_as_quickfix_names_them():
    out_of_order = wire("D", ORDER + HEAD)
    user_tag = wire("D", HEAD + ORDER + [(9100, "TWAP")])
    lenient = MessageValidator(fix44(), fields_out_of_order=False, user_defined_fields=False)
    strict = MessageValidator(fix44(), fields_out_of_order=True, user_defined_fields=True)
    assert lenient.validate(out_of_order) is None
    assert strict.validate(user_tag) is not None and strict.validate(user_tag).ref_tag == 9100  # type: ignore[union-attr]
    assert lenient.validate(user_tag) is None


def test_sections_keep_groups_whole():
    message = wire("D", HEAD + ORDER + [(386, "2"), (336, "PRE"), (625, "A"), (336, "POST")])
    sections = split_sections(message, fix44())
    [group] = [node for node in sections.body if node[0] == 386]
    assert group[2] == [[(336, b"PRE", None), (625, b"A", None)], [(336, b"POST", None)]]
    assert [tag for tag, _, _ in sections.header] == [8, 9, 35, 34, 49, 52, 56]
    assert [tag for tag, _, _ in sections.trailer] == [10]


_TAGS = st.sampled_from([1, 11, 21, 34, 38, 40, 43, 49, 52, 54, 55, 56, 60, 93, 336, 386, 453, 448, 999, 9100, 0])
_VALUES = st.sampled_from(["", "1", "2", "x", "-1", "1e3", "002.50", "20240102-09:30:00", "Y", "PRE"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["0", "D", "d", "8", "A", "*"]), st.lists(st.tuples(_TAGS, _VALUES), max_size=25))
def test_validation_is_total_over_any_field_list(msg_type, fields):
    problem = MessageValidator(fix44(), user_defined_fields=True).validate(wire(msg_type, fields))
    assert problem is None or problem.text
