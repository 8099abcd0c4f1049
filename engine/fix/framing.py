"""Split a FIX byte stream into verified messages: BodyLength and CheckSum are checked on every frame.

simplefix walks the buffer byte by byte and never checks either; this framer jumps from the BodyLength
field straight to the trailer, so a socket read with many messages costs one pass of `bytes.find`
plus one `split` per message. Frames that fail a check are dropped with a typed `FramingError`
(the FIX spec's "garbled message": ignored, no sequence number consumed).

Limitation: data fields that may contain SOH (RawData 96, XmlData 213, ...) are not supported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

SOH = b"\x01"
_BEGIN = b"8=FIX"
_TRAILER_LEN = 7  # b"10=NNN\x01"
DEFAULT_MAX_BODY_LENGTH = 1 << 20


class FieldFormatError(ValueError):
    """A field is present but its value is not in the expected format (e.g. a non-integer MsgSeqNum)."""

    def __init__(self, tag: int, value: bytes, expected: str) -> None:
        super().__init__(f"tag {tag} value {value!r} is not {expected}")
        self.tag = tag
        self.value = value


class FixMessage:
    """One verified FIX message: ordered (tag, value) pairs plus first-occurrence lookup by tag.

    `pairs` keeps repeating groups intact (same tag many times, in wire order); `get` answers the
    first occurrence, which is what header and body scalars need.
    """

    __slots__ = ("_index", "pairs", "raw")

    def __init__(self, raw: bytes, pairs: list[tuple[int, bytes]]) -> None:
        self.raw = raw
        self.pairs = pairs
        self._index: dict[int, bytes] | None = None

    def _lookup(self) -> dict[int, bytes]:
        index = self._index
        if index is None:
            # Reversed so that the first occurrence of a repeated tag wins.
            index = self._index = dict(reversed(self.pairs))
        return index

    def get(self, tag: int) -> bytes | None:
        return self._lookup().get(tag)

    def get_str(self, tag: int) -> str | None:
        value = self._lookup().get(tag)
        return None if value is None else value.decode("latin-1")

    def get_int(self, tag: int) -> int | None:
        """The field as an int, None when absent; raises FieldFormatError when it is not an integer."""
        value = self._lookup().get(tag)
        if value is None:
            return None
        if not value.isdigit() and not (value[:1] == b"-" and value[1:].isdigit()):
            raise FieldFormatError(tag, value, "an integer")
        return int(value)

    def get_all(self, tag: int) -> list[bytes]:
        """Every occurrence of `tag`, in wire order (repeating groups)."""
        return [value for t, value in self.pairs if t == tag]

    def __contains__(self, tag: object) -> bool:
        return tag in self._lookup()

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return iter(self.pairs)

    @property
    def msg_type(self) -> str:
        """MsgType (35); the framer guarantees it is the third field."""
        return self.pairs[2][1].decode("latin-1")

    def __repr__(self) -> str:
        return f"FixMessage({self.raw.replace(SOH, b'|').decode('latin-1')!r})"


@dataclass(frozen=True, slots=True)
class FramingError:
    """Bytes the framer dropped, with the reason (bad checksum, bad body length, garbage...)."""

    reason: str
    data: bytes

    def __str__(self) -> str:
        snippet = self.data[:80].replace(SOH, b"|").decode("latin-1")
        return f"{self.reason}: {snippet!r}"


class Framed(NamedTuple):
    messages: list[FixMessage]
    errors: list[FramingError]


def parse_fields(raw: bytes) -> list[tuple[int, bytes]]:
    """Split a whole frame (ending in SOH) into (tag, value) pairs; raises ValueError on a bad field."""
    pairs: list[tuple[int, bytes]] = []
    append = pairs.append
    for field in raw[:-1].split(SOH):
        tag, sep, value = field.partition(b"=")
        if not sep or not tag.isdigit():
            raise ValueError(f"malformed field {field[:40]!r}")
        append((int(tag), value))
    return pairs


def checksum(data: bytes) -> int:
    """FIX CheckSum: byte sum modulo 256 of everything before the `10=` field."""
    return sum(data) & 0xFF


class FixFramer:
    """Incremental framer for one connection: `feed(bytes)` returns every complete message so far."""

    def __init__(self, max_body_length: int = DEFAULT_MAX_BODY_LENGTH) -> None:
        self._buffer = b""
        self._max_body_length = max_body_length

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> Framed:
        buf = self._buffer + data if self._buffer else data
        messages: list[FixMessage] = []
        errors: list[FramingError] = []
        pos = 0
        end = len(buf)
        while pos < end:
            start = buf.find(_BEGIN, pos)
            if start < 0:
                # Keep a tail that could be the start of a BeginString split across reads.
                keep = max(pos, end - len(_BEGIN) + 1)
                while keep < end and not _BEGIN.startswith(buf[keep:]):
                    keep += 1
                if keep > pos:
                    errors.append(FramingError("garbage between messages", buf[pos:keep]))
                pos = keep
                break
            if start > pos:
                errors.append(FramingError("garbage between messages", buf[pos:start]))
                pos = start
            soh1 = buf.find(SOH, start)
            if soh1 < 0:
                if end - start > 32:
                    errors.append(FramingError("BeginString (8) is not terminated", buf[start:end]))
                    pos = start + 1
                    continue
                break
            if buf[soh1 + 1 : soh1 + 3] != b"9=":
                if end < soh1 + 3:
                    break
                errors.append(FramingError("second field is not BodyLength (9)", buf[start : soh1 + 3]))
                pos = start + 1
                continue
            soh2 = buf.find(SOH, soh1 + 3)
            if soh2 < 0:
                if end - soh1 > 12:
                    errors.append(FramingError("BodyLength (9) is not a number", buf[start:end]))
                    pos = start + 1
                    continue
                break
            length_text = buf[soh1 + 3 : soh2]
            if not length_text.isdigit() or int(length_text) > self._max_body_length:
                errors.append(FramingError(f"BodyLength (9) {length_text!r} is not valid", buf[start:soh2]))
                pos = start + 1
                continue
            body_end = soh2 + 1 + int(length_text)
            frame_end = body_end + _TRAILER_LEN
            if frame_end > end:
                # A declared length running over the start of the next message cannot be right:
                # resynchronise now instead of stalling until that many bytes have arrived.
                if buf.find(b"\x018=FIX", soh2, end) < 0:
                    break
                errors.append(
                    FramingError(f"BodyLength (9) {int(length_text)} overruns the next message", buf[start:end])
                )
                pos = start + 1
                continue
            if buf[body_end : body_end + 3] != b"10=" or buf[frame_end - 1] != 1:
                errors.append(
                    FramingError(
                        f"BodyLength (9) {int(length_text)} does not end at CheckSum (10)", buf[start:frame_end]
                    )
                )
                pos = start + 1
                continue
            declared = buf[body_end + 3 : frame_end - 1]
            if not declared.isdigit() or int(declared) != checksum(buf[start:body_end]):
                errors.append(
                    FramingError(
                        f"CheckSum (10) {declared.decode('latin-1')!r} does not match "
                        f"{checksum(buf[start:body_end]):03d}",
                        buf[start:frame_end],
                    )
                )
                pos = frame_end
                continue
            raw = buf[start:frame_end]
            pos = frame_end
            try:
                pairs = parse_fields(raw)
            except ValueError as exc:
                errors.append(FramingError(str(exc), raw))
                continue
            if len(pairs) < 4 or pairs[2][0] != 35:
                errors.append(FramingError("third field is not MsgType (35)", raw))
                continue
            messages.append(FixMessage(raw, pairs))
        self._buffer = buf[pos:]
        return Framed(messages, errors)
