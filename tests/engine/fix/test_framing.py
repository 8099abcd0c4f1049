"""FixFramer: BodyLength and CheckSum are verified, frames survive any split, garbage is dropped with a reason."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.fix.framing import FieldFormatError, FixFramer, FixMessage, checksum, split_fields
from tests.engine.fix.helpers import frame

HEARTBEAT = frame("0", 7)
ORDER = frame("D", 8, [(11, "C1"), (55, "AAPL"), (54, 1), (38, 100), (40, 2), (44, "10.25")])


def _with_checksum(data: bytes, value: int) -> bytes:
    return data[:-4] + b"%03d\x01" % value


def test_whole_message_in_one_read_is_parsed():
    framed = FixFramer().feed(ORDER)
    assert framed.errors == []
    [msg] = framed.messages
    assert msg.msg_type == "D"
    assert msg.get(55) == b"AAPL"
    assert msg.get_str(11) == "C1"
    assert msg.get_int(38) == 100
    assert msg.raw == ORDER


def test_message_split_byte_by_byte_is_assembled_once_complete():
    framer = FixFramer()
    out: list[FixMessage] = []
    for i in range(len(ORDER)):
        framed = framer.feed(ORDER[i : i + 1])
        assert framed.errors == []
        out.extend(framed.messages)
        if i < len(ORDER) - 1:
            assert out == []
    assert [m.raw for m in out] == [ORDER]
    assert framer.buffered == 0


def test_many_messages_in_one_read_come_out_in_order():
    framed = FixFramer().feed(HEARTBEAT + ORDER + HEARTBEAT)
    assert [m.msg_type for m in framed.messages] == ["0", "D", "0"]
    assert framed.errors == []


def test_bad_checksum_drops_that_frame_only():
    bad = _with_checksum(ORDER, (checksum(ORDER[: ORDER.rindex(b"10=")]) + 1) % 256)
    framed = FixFramer().feed(HEARTBEAT + bad + HEARTBEAT)
    assert [m.msg_type for m in framed.messages] == ["0", "0"]
    [error] = framed.errors
    assert "CheckSum (10)" in error.reason
    assert error.data == bad


def test_wrong_body_length_is_dropped_and_stream_resynchronises():
    wrong = ORDER.replace(b"\x019=", b"\x019=1", 1)  # BodyLength 1xx: points past the trailer
    framed = FixFramer().feed(wrong + HEARTBEAT + HEARTBEAT + ORDER + ORDER)
    assert any("BodyLength (9)" in e.reason for e in framed.errors)
    assert [m.raw for m in framed.messages][-2:] == [ORDER, ORDER]


def test_body_length_too_short_is_dropped():
    short = ORDER.replace(b"\x019=", b"\x019=", 1)
    length_start = short.index(b"9=") + 2
    length_end = short.index(b"\x01", length_start)
    body_len = int(short[length_start:length_end])
    short = short[:length_start] + str(body_len - 3).encode() + short[length_end:]
    framed = FixFramer().feed(short + HEARTBEAT)
    assert "does not end at CheckSum" in framed.errors[0].reason
    assert [m.raw for m in framed.messages] == [HEARTBEAT]


def test_garbage_between_messages_is_reported_and_skipped():
    framed = FixFramer().feed(b"hello\r\n" + HEARTBEAT + b"junk" + ORDER)
    assert [m.msg_type for m in framed.messages] == ["0", "D"]
    assert [e.data for e in framed.errors] == [b"hello\r\n", b"junk"]
    assert all(e.reason == "garbage between messages" for e in framed.errors)


def test_partial_begin_string_at_end_of_read_is_kept_for_the_next_read():
    framer = FixFramer()
    framed = framer.feed(b"xx" + ORDER[:3])
    assert framed.messages == [] and [e.data for e in framed.errors] == [b"xx"]
    assert framer.feed(ORDER[3:]).messages[0].raw == ORDER


def test_non_numeric_body_length_is_an_error():
    framed = FixFramer().feed(b"8=FIX.4.4\x019=abc\x0135=0\x0110=000\x01" + HEARTBEAT)
    assert "BodyLength (9)" in framed.errors[0].reason
    assert [m.raw for m in framed.messages] == [HEARTBEAT]


def test_second_field_other_than_body_length_is_an_error():
    framed = FixFramer().feed(b"8=FIX.4.4\x0135=0\x019=5\x01" + HEARTBEAT)
    assert "second field is not BodyLength" in framed.errors[0].reason
    assert [m.raw for m in framed.messages] == [HEARTBEAT]


def test_third_field_other_than_msgtype_is_an_error():
    body = b"49=A\x0135=0\x01"
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    data = head + body + b"10=%03d\x01" % checksum(head + body)
    framed = FixFramer().feed(data)
    assert framed.messages == []
    assert "MsgType (35)" in framed.errors[0].reason


@pytest.mark.parametrize(("stuck", "reason"), [
    (b"8=FIX.4.4" + b"x" * 40, "BeginString (8) is not terminated"),
    (b"8=FIX.4.4\x019=" + b"1" * 20, "BodyLength (9) is not a number"),
    (b"8=FIX.4.4\x019=5\x0135=0\x01" + b"49=SENDER\x01" * 4, "no CheckSum (10) after BodyLength (9) 5"),
])
def test_a_frame_that_can_no_longer_complete_is_refused_at_once_not_buffered(stuck: bytes, reason: str):
    framer = FixFramer()
    framed = framer.feed(stuck)
    assert framed.messages == [] and reason in framed.errors[0].reason
    assert framer.buffered < len(stuck)  # not held back waiting for the rest
    assert [m.raw for m in framer.feed(HEARTBEAT).messages] == [HEARTBEAT]


def test_a_body_of_exactly_the_most_bytes_allowed_is_framed():
    length = _body_length(ORDER)
    assert [m.raw for m in FixFramer(max_body_length=length).feed(ORDER).messages] == [ORDER]
    refused = FixFramer(max_body_length=length - 1).feed(ORDER)
    assert refused.messages == [] and "is not valid" in refused.errors[0].reason


def test_huge_declared_body_length_is_refused_not_waited_for():
    framer = FixFramer(max_body_length=1000)
    framed = framer.feed(b"8=FIX.4.4\x019=99999\x0135=0\x01" + HEARTBEAT)
    assert "is not valid" in framed.errors[0].reason
    assert [m.raw for m in framed.messages] == [HEARTBEAT]


def test_get_answers_first_occurrence_and_get_all_keeps_repeating_groups():
    data = frame("D", 1, [(453, 2), (448, "BROKER1"), (447, "D"), (448, "BROKER2"), (447, "D")])
    [msg] = FixFramer().feed(data).messages
    assert msg.get(448) == b"BROKER1"
    assert msg.get_all(448) == [b"BROKER1", b"BROKER2"]
    assert [t for t, _ in msg.pairs if t in (448, 447)] == [448, 447, 448, 447]
    assert msg.get(9999) is None and 9999 not in msg and 448 in msg


def test_get_int_rejects_a_non_integer_with_the_tag():
    [msg] = FixFramer().feed(frame("D", 1, [(38, "1O0")])).messages
    try:
        msg.get_int(38)
    except FieldFormatError as exc:
        assert exc.tag == 38
    else:
        raise AssertionError("expected FieldFormatError")


_STREAM = [HEARTBEAT, ORDER, frame("8", 9, [(17, "E1"), (58, "x" * 300)]), HEARTBEAT]


@given(st.lists(st.integers(min_value=1, max_value=len(b"".join(_STREAM))), max_size=12))
def test_any_split_of_a_valid_stream_yields_the_same_messages(cuts):
    stream = b"".join(_STREAM)
    bounds = [0, *sorted(set(cuts)), len(stream)]
    framer = FixFramer()
    out: list[bytes] = []
    for a, b in itertools.pairwise(bounds):
        framed = framer.feed(stream[a:b])
        assert framed.errors == []
        out.extend(m.raw for m in framed.messages)
    assert out == _STREAM


@given(st.binary(max_size=200))
def test_garbage_never_raises_and_a_following_message_is_recovered(garbage):
    framer = FixFramer()
    framed = framer.feed(garbage + HEARTBEAT + ORDER)
    # Garbage may swallow at most the first frame (if it ends with a torn header); ORDER always survives.
    assert framed.messages and framed.messages[-1].raw == ORDER


def test_torn_header_with_long_body_length_does_not_stall_following_messages():
    framed = FixFramer().feed(b"8=FIX.4.4\x019=50000\x0135=D\x0111=X\x01" + HEARTBEAT + ORDER)
    assert "not terminated before the next message" in framed.errors[0].reason
    assert [m.raw for m in framed.messages] == [HEARTBEAT, ORDER]


# ----- where a broken frame ends ------------------------------------------------------------------------


def _with_body_length(data: bytes, length: int) -> bytes:
    start = data.index(b"\x019=") + 3
    return data[:start] + str(length).encode() + data[data.index(b"\x01", start) :]


def _body_length(data: bytes) -> int:
    start = data.index(b"\x019=") + 3
    return int(data[start : data.index(b"\x01", start)])


@pytest.mark.parametrize("split", [False, True], ids=["one-read", "two-reads"])
@pytest.mark.parametrize(
    "fragment",
    [
        b"8=FIX.4.4\x019=120\x0135=D\x0134=2\x01",  # header of a frame that never comes
        b"8=FIX.4.4\x019=30\x0135=D\x0134=2",  # cut in the middle of a field (no SOH before the next 8=)
        b"8=FIX.4.4\x019=5000\x0135=D\x0111=X\x01",  # a long declared length
        b"8=FIX.4.4\x019=",
    ],
)
def test_an_unterminated_fragment_never_swallows_the_message_after_it(fragment, split):
    framer = FixFramer()
    if split:
        first = framer.feed(fragment)
        assert first.messages == []
        framed = framer.feed(ORDER + HEARTBEAT)
        errors = first.errors + framed.errors
    else:
        framed = framer.feed(fragment + ORDER + HEARTBEAT)
        errors = framed.errors
    assert [m.raw for m in framed.messages] == [ORDER, HEARTBEAT]
    assert errors and errors[0].data.startswith(fragment[:9])


def test_a_body_length_too_long_takes_the_message_starting_inside_it_with_it():
    # QuickFIX acceptance test 2m: the frame runs to the first CheckSum after its declared length.
    too_long = _with_body_length(ORDER, _body_length(ORDER) + 10)
    framer = FixFramer()
    assert framer.feed(too_long).messages == []  # waits: the declared length is not there yet
    framed = framer.feed(HEARTBEAT + ORDER)
    assert [m.raw for m in framed.messages] == [ORDER]
    [error] = framed.errors
    assert error.data == too_long + HEARTBEAT and "does not end at CheckSum" in error.reason


def test_a_body_length_too_long_stops_at_a_message_starting_after_the_declared_end():
    too_long = _with_body_length(HEARTBEAT, _body_length(HEARTBEAT) + 9)  # ends inside the trailer's reach
    framed = FixFramer().feed(too_long + b"junk-junk-junk" + ORDER)
    assert [m.raw for m in framed.messages] == [ORDER]


def test_fields_are_bounded_in_number_and_tags_in_digits():
    many = frame("0", 2, [(58, "x")] * 5000)
    long_tag = frame("0", 2, [(1234567890, "x")])
    framed = FixFramer().feed(many + long_tag + HEARTBEAT)
    assert [m.raw for m in framed.messages] == [HEARTBEAT]
    assert "more than 4096 fields" in framed.errors[0].reason and "malformed field" in framed.errors[1].reason


def test_a_message_of_exactly_the_most_fields_is_framed_and_one_more_is_not():
    base = frame("0", 2, []).count(b"\x01")
    exactly = frame("0", 2, [(58, "x")] * (4096 - base))
    one_more = frame("0", 2, [(58, "x")] * (4097 - base))
    assert exactly.count(b"\x01") == 4096
    framed = FixFramer().feed(exactly + one_more)
    assert [m.raw for m in framed.messages] == [exactly]
    assert [e.reason for e in framed.errors] == ["more than 4096 fields"]


def test_negative_and_zero_tags_are_parsed_for_the_validator_to_reject():
    [message] = FixFramer().feed(frame("0", 2, [(0, "HI"), (-1, "HI")])).messages
    assert [t for t, _ in message.pairs][-3:] == [0, -1, 10]


def test_a_dropped_frame_says_which_message_type_it_was():
    garbled = _with_checksum(frame("A", 1), 0)
    [error] = FixFramer().feed(garbled).errors
    assert error.msg_type == "A"
    assert FixFramer().feed(b"8=FIX.4.4\x019=abc\x01").errors[0].msg_type is None


@given(st.data())
def test_a_corrupted_byte_in_one_body_costs_that_message_only(data):
    stream = [HEARTBEAT, ORDER, frame("8", 9, [(17, "E1"), (58, "x" * 50)]), HEARTBEAT]
    victim = data.draw(st.integers(0, len(stream) - 1))
    raw = stream[victim]
    first = raw.index(b"\x0135=") + 1
    position = data.draw(st.integers(first, raw.rindex(b"\x0110=") - 1))
    replacement = data.draw(st.integers(0x21, 0x7E).filter(lambda b: b != raw[position] and b != ord("=")))
    stream[victim] = raw[:position] + bytes([replacement]) + raw[position + 1 :]
    framed = FixFramer().feed(b"".join(stream))
    assert [m.raw for m in framed.messages] == [m for i, m in enumerate(stream) if i != victim]
    assert len(framed.errors) == 1


@pytest.mark.parametrize("torn", [b"8=FIX", b"8=FIX.4", b"8=FIX.4.", b"8=FIX.4.4"])
def test_a_torn_begin_string_before_a_whole_message_costs_only_itself(torn: bytes) -> None:
    """"8=FIX.4" and then two whole messages: both arrive (the torn start used to swallow the first)."""
    first, second = frame("0", 1), frame("0", 2)
    out = FixFramer().feed(torn + first + second)
    assert [m.get_str(34) for m in out.messages] == ["1", "2"]
    assert len(out.errors) == 1 and "cut off" in out.errors[0].reason


def test_a_decimal_past_the_digit_bound_is_refused_without_building_its_text() -> None:
    from decimal import Decimal

    from engine.fix.codec import format_value

    assert format_value(Decimal("121.235")) == b"121.235"
    with pytest.raises(ValueError, match="digit bound"):
        format_value(Decimal("1E-999999999"))  # formatting it would build a billion digits


def _reference_fields(raw: bytes) -> list[tuple[int, bytes]]:
    """The plain reading split_fields must agree with: split on SOH, partition on the first `=`."""
    pairs = []
    for field in raw[:-1].split(b"\x01"):
        tag, sep, value = field.partition(b"=")
        digits = tag[1:] if tag[:1] == b"-" else tag
        if not sep or not 0 < len(digits) <= 9 or not digits.isdigit():
            raise ValueError(f"malformed field {field[:40]!r}")
        pairs.append((int(tag), value))
    return pairs


_FIELD_BYTES = st.sampled_from([b"1", b"0", b"9", b"-", b"=", b"\x01", b"a", b" ", b"+", b"\xff", b"35", b"10=",
                                b"8=FIX.4.4"])


@given(st.lists(_FIELD_BYTES, max_size=40).map(b"".join), st.booleans())
def test_split_fields_agrees_with_splitting_and_partitioning(body: bytes, closed: bool) -> None:
    raw = body + b"\x01" if closed else body
    try:
        expected: list[tuple[int, bytes]] | str = _reference_fields(raw)
    except ValueError as exc:
        expected = str(exc)
    try:
        pairs, before_last = split_fields(raw)
    except ValueError as exc:
        assert expected == str(exc)
    else:
        assert pairs == expected
        last = raw[:-1].rfind(b"\x01") + 1  # where the last field starts
        assert before_last == checksum(raw[:last])


def test_checksum_is_the_byte_sum_modulo_256() -> None:
    assert checksum(b"") == 0
    assert checksum(bytes(range(256))) == sum(range(256)) % 256
    assert checksum(ORDER[: ORDER.rindex(b"10=")]) == int(ORDER[-4:-1])


@given(st.lists(st.integers(1, 12), max_size=16))
def test_a_message_has_repeated_tags_exactly_when_one_appears_twice(tags: list[int]) -> None:
    message = FixMessage(b"", [(tag, b"v") for tag in tags])
    assert message.has_repeated_tags() is (len(set(tags)) != len(tags))
    message.get(1)  # once looked up, the same answer
    assert message.has_repeated_tags() is (len(set(tags)) != len(tags))
