"""What the FIX fuzzer sends: valid OMS orders, and mutations of them by class, from a seeded Random.

Each `Probe` is one message body (or raw bytes the framer must drop) with what the client needs to
attribute the answer: the ClOrdID the engine will read, and whether FIX says it must be refused
(`must_reject`); byte-level mutations may land either way. Mutations touch the application body only:
the header (sequence numbers, CompIDs) is the session layer's and is kept valid, so one session lives
through the whole run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from engine.fix.codec import FieldValue, encode, encode_body, utc_timestamp
from engine.fix.framing import FixFramer
from engine.fixnum import BadNumber, parse_fix_int

SYMBOLS = ("AAPL", "MSFT", "AMZN", "NVDA")
NS_PER_S = 1_000_000_000
Fields = list[tuple[int, FieldValue]]

# Numbers Python's int()/Decimal() read but FIX does not, and the ones that once held the loop for seconds.
HOSTILE_NUMBERS: tuple[bytes, ...] = (
    b"1E-999999999", b"1E+999999999", b"1E+300000", b"1E+5000", b"1e3", b"1E2", b"+100", b"1_000", b"1,000",
    b" 100", b"100 ", b"NaN", b"-nan", b"Infinity", b"-Infinity", b"inf", b"0x64", b"1.2.3", b"-", b".", b"--1",
    "١٠٠".encode(), "１００".encode(), b"\xb2", b"1" * 33, b"9" * 4301, b"0." + b"0" * 5000 + b"1",
)
BAD_TIMESTAMPS: tuple[bytes, ...] = (
    b"20240230-09:30:00", b"2024-01-02T09:30:00", b"20240102-24:00:00", b"20240102-09:60:00",
    b"20240102-09:30:00.1234567890", b"20240102 09:30:00", b"20240102", b"now", "٢٠٢٤٠١٠٢-09:30:00".encode(),
    b"2" * 100_000, b"00000000-00:00:00",
)


@dataclass(frozen=True, slots=True)
class Probe:
    """One thing to send: `body` under a correct header, or `garbled` bytes (no sequence number)."""

    kind: str
    msg_type: str = "D"
    body: bytes = b""
    cl_ord_id: str = ""
    must_reject: bool = False
    garbled: bytes = b""
    target: str = ""  # F/G: the first ClOrdID of the order it names
    good: bool = False  # a valid message that must be acknowledged


class Plan:
    """Builds probes; `open_ns` is the engine's market time at start (orders work a window in the afternoon)."""

    def __init__(self, seed: int, open_ns: int) -> None:
        self.rng = random.Random(seed)
        self.open_ns = open_ns
        self._n = 0
        self.live: list[str] = []  # good orders acknowledged and not canceled: cancel/replace targets
        self.terms: dict[str, tuple[str, str, int]] = {}  # first ClOrdID -> symbol, side, quantity

    def next_id(self, kind: str) -> str:
        self._n += 1
        return f"{kind[:3].upper()}{self._n}-{self.rng.randrange(1 << 32):08x}"

    # --- valid messages ---------------------------------------------------------------------------------

    def order_fields(self, cl_ord_id: str) -> Fields:
        """A market TWAP order working 14:30-15:30 market time (idle meanwhile: the run measures the gateway)."""
        rng, t = self.rng, self.open_ns
        return [(11, cl_ord_id), (21, "1"), (55, rng.choice(SYMBOLS)), (54, rng.choice("12")),
                (60, utc_timestamp(t)), (38, 100 * rng.randint(1, 20)), (40, "1"), (59, "6"),
                (126, utc_timestamp(t + 6 * 3600 * NS_PER_S)), (168, utc_timestamp(t + 5 * 3600 * NS_PER_S)),
                (847, 1000), (9101, "MEDIUM")]

    def good_order(self) -> Probe:
        cl_ord_id = self.next_id("good")
        return Probe("good", "D", encode_body(self.order_fields(cl_ord_id)), cl_ord_id, good=True)

    def acknowledged(self, cl_ord_id: str, body: bytes) -> None:
        """A good order was acknowledged: it becomes a target for cancels and replaces."""
        fields = dict(part.split(b"=", 1) for part in body.split(b"\x01")[:-1])
        self.terms[cl_ord_id] = (fields[b"55"].decode(), fields[b"54"].decode(), int(fields[b"38"]))
        self.live.append(cl_ord_id)

    def change_fields(self, msg_type: str, cl_ord_id: str, target: str) -> Fields:
        """A cancel (F) or a quantity-up replace (G) naming `target` with its own symbol and side."""
        symbol, side, quantity = self.terms.get(target, ("AAPL", "1", 100))
        fields: Fields = [(11, cl_ord_id), (41, target), (55, symbol), (54, side), (60, utc_timestamp(self.open_ns))]
        if msg_type == "G":
            fields += [(38, quantity + 100), (40, "1")]
        return fields

    def good_change(self) -> Probe | None:
        """A valid replace (quantity up) or cancel of a live good order, or None when there is none."""
        if not self.live:
            return None
        target = self.rng.choice(self.live)
        msg_type = "G" if self.rng.random() < 0.6 else "F"
        cl_ord_id = self.next_id("chg")
        probe = Probe("good", msg_type, encode_body(self.change_fields(msg_type, cl_ord_id, target)), cl_ord_id,
                      target=target, good=True)
        symbol, side, quantity = self.terms[target]
        if msg_type == "F":
            self.live.remove(target)  # at once: a later change in the same batch must not name it
        else:
            self.terms[target] = (symbol, side, quantity + 100)
        return probe

    # --- mutations ----------------------------------------------------------------------------------------

    def mutant(self, kind: str) -> Probe:
        return MUTATIONS[kind](self)


def _with(fields: Fields, tag: int, value: FieldValue | None) -> Fields:
    """`fields` with `tag` set to `value` (appended when absent), or removed when `value` is None."""
    out = [(t, v) for t, v in fields if t != tag]
    if value is None:
        return out
    if any(t == tag for t, _ in fields):
        return [(t, value if t == tag else v) for t, v in fields]
    return [*out, (tag, value)]


def _order_probe(plan: Plan, kind: str, change: Callable[[Fields], Fields], *, must_reject: bool = True) -> Probe:
    cl_ord_id = plan.next_id(kind)
    return Probe(kind, "D", encode_body(change(plan.order_fields(cl_ord_id))), cl_ord_id, must_reject)


def numbers(plan: Plan) -> Probe:
    rng = plan.rng
    value = rng.choice(HOSTILE_NUMBERS) if rng.random() < 0.7 else _random_bad_number(rng)
    tag = rng.choice((38, 44, 848, 847))
    if tag == 44:
        return _order_probe(plan, "numbers", lambda f: _with(_with(f, 40, "2"), 44, value))
    if tag == 848:  # 848 is ours (key=value;...): spaces around a value are allowed there
        param = value[:1000]
        return _order_probe(plan, "numbers", lambda f: _with(f, 848, b"slice_seconds=" + param),
                            must_reject=isinstance(parse_fix_int(param.strip()), BadNumber))
    return _order_probe(plan, "numbers", lambda f: _with(f, tag, value))


def _random_bad_number(rng: random.Random) -> bytes:
    digits = str(rng.randint(1, 10**6)).encode()
    return rng.choice((
        digits + b"e" + str(rng.randint(-10**9, 10**9)).encode(), b"+" + digits, digits[:1] + b"_" + digits,
        digits * rng.randint(10, 20_000), b" " + digits, digits + b"\t",
    ))


def bounds(plan: Plan) -> Probe:
    rng = plan.rng
    if rng.random() < 0.5:
        value = rng.choice((b"0", b"-100", b"100.5", b"0.0", b"1000000000001", b"99999999999999", b"-0"))
        return _order_probe(plan, "bounds", lambda f: _with(f, 38, value))
    price = rng.choice((b"0", b"-1", b"1000000000", b"100.001", b"189.505", b"0.000001", b"-0.00"))
    return _order_probe(plan, "bounds", lambda f: _with(_with(f, 40, "2"), 44, price))


def required(plan: Plan) -> Probe:
    tag = plan.rng.choice((11, 54, 55, 60, 38, 40, 44))
    if tag == 44:  # a limit order without its price
        return _order_probe(plan, "required", lambda f: _with(f, 40, "2"))
    probe = _order_probe(plan, "required", lambda f: _with(f, tag, None))
    return probe if tag != 11 else Probe(probe.kind, "D", probe.body, "", True)


def empty_values(plan: Plan) -> Probe:
    tag = plan.rng.choice((1, 21, 38, 40, 44, 54, 55, 59, 60, 126, 168, 847, 848, 9100, 9101, 9102))
    return _order_probe(plan, "empty_values", lambda f: _with(f, tag, b""))


def enums(plan: Plan) -> Probe:
    tag, value = plan.rng.choice((
        (54, b"X"), (54, b"7"), (54, b"12"), (40, b"3"), (40, b"P"), (40, b"x"), (59, b"1"), (59, b"9"),
        (21, b"0"), (21, b"4"), (21, b"x"), (9101, b"ASAP"), (9102, b"maybe"), (847, b"3"), (847, b"999"),
    ))
    return _order_probe(plan, "enums", lambda f: _with(f, tag, value))


def timestamps(plan: Plan) -> Probe:
    tag, value = plan.rng.choice((60, 126, 168)), plan.rng.choice(BAD_TIMESTAMPS)
    return _order_probe(plan, "timestamps", lambda f: _with(f, tag, value))


def strings(plan: Plan) -> Probe:
    rng = plan.rng
    length = rng.choice((65, 1000, 100_000))
    tag, value = rng.choice((
        (1, b"A" * length), (55, b"Z" * length), (55, bytes(rng.randrange(0x41, 0xff) for _ in range(6))),
        (9100, b"VWAP" * length), (9100, b"NOPE"), (848, b"rate"), (848, b"a=1;" * length), (1, b"\xff" * 70),
    ))
    if rng.random() < 0.15:  # an overlong ClOrdID: no answer can echo it (session-level Reject)
        return Probe("strings", "D", encode_body(_with(plan.order_fields("x"), 11, b"C" * length)), "", True)
    return _order_probe(plan, "strings", lambda f: _with(f, tag, value))


def repeated_tags(plan: Plan) -> Probe:
    tag, second = plan.rng.choice(((38, b"1000000"), (55, b"MSFT"), (54, b"2"), (44, b"1.00"), (11, b"OTHER"),
                                   (60, b"20240102-09:30:00"), (40, b"2"), (1, b"ACCT2"), (9101, b"HIGH")))
    if tag == 44:  # a limit order's Price, twice
        return _order_probe(plan, "repeated_tags", lambda f: [*_with(_with(f, 40, "2"), 44, "189.50"), (44, second)])
    if tag == 1:
        return _order_probe(plan, "repeated_tags", lambda f: [*_with(f, 1, "ACCT1"), (1, second)])
    return _order_probe(plan, "repeated_tags", lambda f: [*f, (tag, second)])


def unsupported(plan: Plan) -> Probe:
    cl_ord_id = plan.next_id("uns")
    msg_type = plan.rng.choice(("Z", "AE", "E", "s", "AB", "q"))
    return Probe("unsupported", msg_type, encode_body(plan.order_fields(cl_ord_id)), cl_ord_id, True)


def risk_limits(plan: Plan) -> Probe:
    """Well formed and within FIX's bounds, above the desk's risk limits: the engine's call (journaled)."""
    value = plan.rng.choice((b"20000000", b"999999999999", b"1000000000000"))
    return _order_probe(plan, "risk_limits", lambda f: _with(f, 38, value))


def cancel_replace(plan: Plan) -> Probe:
    rng = plan.rng
    target = rng.choice(plan.live) if plan.live else "NOPE"
    msg_type = rng.choice("FG")
    cl_ord_id = plan.next_id("cxr")
    fields = plan.change_fields(msg_type, cl_ord_id, target)
    both: tuple[tuple[int, bytes | None], ...] = (
        (60, None), (54, None), (55, None), (38, b"1E+300000"), (38, b"1e3"), (38, b"+100"), (38, b"0"),
        (38, b"99999999999999"), (60, b"yesterday"), (1, b""), (54, b"X"), (41, b"O" * 100), (11, b"C" * 100),
    )
    replace_only: tuple[tuple[int, bytes | None], ...] = (  # fields FIX 4.4 defines on G, not on F
        (44, b"1E-999999999"), (44, b"100.001"), (21, b"9"), (126, b"20240102-25:00:00"), (38, None), (40, b"3"),
        (40, None),
    )
    tag, value = rng.choice(both + replace_only if msg_type == "G" else both)
    if tag == 11:  # an overlong ClOrdID cannot be echoed: a session-level Reject
        cl_ord_id = ""
    if tag == 44:
        fields = _with(fields, 40, "2")
    return Probe("cancel_replace", msg_type, encode_body(_with(fields, tag, value)), cl_ord_id, True, target=target)


def byte_flips(plan: Plan) -> Probe:
    """1-4 byte-level edits of a valid body (bit flip, random byte, SOH, '=', delete, duplicate a run)."""
    rng = plan.rng
    cl_ord_id = plan.next_id("flip")
    body = bytearray(encode_body(plan.order_fields(cl_ord_id)))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(body))
        edit = rng.randrange(6)
        if edit == 0:
            body[at] ^= 1 << rng.randrange(8)
        elif edit == 1:
            body[at] = rng.randrange(256)
        elif edit in (2, 3):
            body.insert(at, 1 if edit == 2 else 0x3D)
        elif edit == 4 and len(body) > 2:
            del body[at]
        else:
            body[at:at] = body[at : at + rng.randint(1, 12)]
    return Probe("byte_flips", "D", bytes(body), read_cl_ord_id(bytes(body)))


def garbled_frames(plan: Plan) -> Probe:
    """Bytes the framer drops: a bad CheckSum or BodyLength, or garbage between messages."""
    rng = plan.rng
    frame = encode("D", encode_body(plan.order_fields(plan.next_id("garbled"))), begin_string="FIX.4.4",
                   sender_comp_id="OMS1", target_comp_id="EMS", seq_num=1, sending_time=utc_timestamp(plan.open_ns))
    edit = rng.randrange(3)
    if edit == 0:
        checksum = int(frame[-4:-1])
        data = frame[:-4] + b"%03d\x01" % ((checksum + rng.randint(1, 255)) % 256)
    elif edit == 1:
        length = frame.index(b"\x01", 2)
        head, rest = frame[: length + 1], frame[length + 1 :]
        declared = int(rest[2 : rest.index(b"\x01")])
        data = head + b"9=%d" % max(1, declared - rng.randint(1, 20)) + rest[rest.index(b"\x01") :]
    else:
        data = bytes(rng.choice(b"ABCXYZ0123456789=|\x01 ") for _ in range(rng.randint(1, 200)))
    return Probe("garbled_frames", garbled=data, must_reject=True)


def torn_frames(plan: Plan) -> Probe:
    """The first part of a frame, never finished (an unterminated `8=FIX...`): the framer must drop it and
    resynchronise at the next message without losing it."""
    frame = encode("D", encode_body(plan.order_fields(plan.next_id("torn"))), begin_string="FIX.4.4",
                   sender_comp_id="OMS1", target_comp_id="EMS", seq_num=1, sending_time=utc_timestamp(plan.open_ns))
    return Probe("torn_frames", garbled=frame[: plan.rng.randrange(1, len(frame) - 1)], must_reject=True)


def read_cl_ord_id(body: bytes) -> str:
    """The ClOrdID (11) the engine will read from `body` ('' when the body does not frame or has none)."""
    frame = encode("D", body, begin_string="FIX.4.4", sender_comp_id="OMS1", target_comp_id="EMS", seq_num=1,
                   sending_time="20240102-09:30:00.000")
    framed = FixFramer().feed(frame)
    if not framed.messages:
        return ""
    return framed.messages[0].get_str(11) or ""


def frames_whole(msg_type: str, body: bytes) -> bool:
    """True when our own framer reads `body` under a valid header as one message (the engine's does too)."""
    frame = encode(msg_type, body, begin_string="FIX.4.4", sender_comp_id="OMS1", target_comp_id="EMS", seq_num=1,
                   sending_time="20240102-09:30:00.000")
    return len(FixFramer().feed(frame).messages) == 1


MUTATIONS: dict[str, Callable[[Plan], Probe]] = {
    "numbers": numbers, "bounds": bounds, "required": required, "empty_values": empty_values, "enums": enums,
    "timestamps": timestamps, "strings": strings, "repeated_tags": repeated_tags, "unsupported": unsupported,
    "cancel_replace": cancel_replace, "byte_flips": byte_flips, "garbled_frames": garbled_frames,
    "torn_frames": torn_frames, "risk_limits": risk_limits,
}
