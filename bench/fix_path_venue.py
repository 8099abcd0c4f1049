"""A FIX 4.4 venue that answers as fast as a socket takes it (for bench.fix_path).

`python -m bench.fix_path_venue --orders K --fills F [--comp-id LIT1] [--dump FILE]` runs in a process of
its own. It listens on a free loopback port (printed as the first stdout line: `port N`), accepts one
session, answers the Logon, and timestamps each NewOrderSingle as it arrives (`time.monotonic_ns`, the
system-wide monotonic clock the engine's process reads too). Once K orders are in, it encodes every answer
first (per order a New and F partial-then-full fills), then writes them in chunks of 64 as fast as the
socket takes them, followed by a TestRequest; the engine's Heartbeat answering it comes only after every
report before it was handled (a session handles its messages in order), so the time from the first report
byte to that Heartbeat is the engine's end-to-end time for them. It prints one JSON line: the reports, the
seconds, and each ClOrdID's arrival time. `--dump` writes the reports' bytes for a parser to replay.
Plain sockets and hand-made FIX: the venue shares no code with the initiator it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import sys
import time
from decimal import Decimal
from pathlib import Path

SOH = b"\x01"
CHUNK = 64
TEST_REQ_ID = "FIX-PATH-DONE"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def frame(fields: list[tuple[int, str]]) -> bytes:
    body = b"".join(f"{tag}={value}".encode() + SOH for tag, value in fields)
    head = b"8=FIX.4.4" + SOH + f"9={len(body)}".encode() + SOH
    return head + body + f"10={sum(head + body) % 256:03d}".encode() + SOH


def fields_of(raw: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in raw.split(SOH):
        tag, sep, value = part.partition(b"=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value.decode("latin-1"))
    return out


class Venue:
    def __init__(self, conn: socket.socket, comp_id: str) -> None:
        self.conn = conn
        self.comp_id = comp_id
        self.target = "EMS"
        self.seq = 0
        self.buffer = b""

    def header(self, msg_type: str) -> list[tuple[int, str]]:
        self.seq += 1
        return [(35, msg_type), (49, self.comp_id), (56, self.target), (34, str(self.seq)), (52, utc_now())]

    def messages(self) -> list[dict[int, str]]:
        """The next complete messages (blocking for at least one)."""
        while True:
            out = []
            while True:
                end = self.buffer.find(SOH + b"10=")
                if end < 0 or len(self.buffer) < end + 8:
                    break
                out.append(fields_of(self.buffer[:end + 8]))
                self.buffer = self.buffer[end + 8:]
            if out:
                return out
            chunk = self.conn.recv(1 << 16)
            if not chunk:
                raise EOFError
            self.buffer += chunk


def answers(venue: Venue, orders: list[dict[int, str]], fills: int) -> list[bytes]:
    """A New and `fills` fills for each order, every message encoded now (the clock starts after)."""
    out: list[bytes] = []
    for n, order in enumerate(orders):
        quantity = int(order[38])
        price = Decimal(order.get(44, "100"))
        common = [(37, f"O{n}"), (11, order[11]), (55, order[55]), (54, order[54]), (38, str(quantity)),
                  (40, order.get(40, "2")), (44, str(price))]
        out.append(frame(venue.header("8") + common + [(17, f"E{n}-0"), (150, "0"), (39, "0"), (151, str(quantity)),
                                                       (14, "0"), (6, "0"), (60, utc_now())]))
        each, cum = quantity // fills, 0
        for k in range(1, fills + 1):
            last = each if k < fills else quantity - cum
            cum += last
            status = "2" if cum == quantity else "1"
            out.append(frame(venue.header("8") + common + [
                (17, f"E{n}-{k}"), (150, "F"), (39, status), (32, str(last)), (31, str(price)),
                (151, str(quantity - cum)), (14, str(cum)), (6, str(price)), (60, utc_now())]))
    return out


def serve(listener: socket.socket, comp_id: str, orders: int, fills: int, dump: Path | None) -> dict[str, object]:
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    venue = Venue(conn, comp_id)
    received: list[dict[int, str]] = []
    arrived: dict[str, int] = {}
    while len(received) < orders:
        for message in venue.messages():
            now = time.monotonic_ns()
            kind = message.get(35)
            if kind == "A":
                venue.target = message.get(49, "EMS")
                reply = [(98, "0"), (108, message.get(108, "30"))] + ([(141, "Y")] if message.get(141) == "Y" else [])
                conn.sendall(frame(venue.header("A") + reply))
            elif kind == "D":
                received.append(message)
                arrived[message[11]] = now
            elif kind == "1":
                conn.sendall(frame([*venue.header("0"), (112, message.get(112, ""))]))
    reports = answers(venue, received, fills)
    if dump is not None:
        dump.write_bytes(b"".join(reports))
    test_request = frame([*venue.header("1"), (112, TEST_REQ_ID)])
    started = time.monotonic_ns()
    for at in range(0, len(reports), CHUNK):
        conn.sendall(b"".join(reports[at:at + CHUNK]))
    conn.sendall(test_request)
    finished = None
    while finished is None:
        for message in venue.messages():
            if message.get(35) == "0" and message.get(112) == TEST_REQ_ID:
                finished = time.monotonic_ns()
            elif message.get(35) == "1":
                conn.sendall(frame([*venue.header("0"), (112, message.get(112, ""))]))
    return {"reports": len(reports), "seconds": (finished - started) / 1e9, "arrived_ns": arrived}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--orders", type=int, required=True)
    p.add_argument("--fills", type=int, default=4)
    p.add_argument("--comp-id", default="LIT1")
    p.add_argument("--dump", type=Path)
    args = p.parse_args()
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"port {listener.getsockname()[1]}", flush=True)
    try:
        result = serve(listener, args.comp_id, args.orders, args.fills, args.dump)
    except (EOFError, OSError) as error:
        result = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(result), flush=True)
    sys.exit(0 if "error" not in result else 1)


if __name__ == "__main__":
    main()
