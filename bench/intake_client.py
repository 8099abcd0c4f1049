"""A FIX 4.4 OMS that sends NewOrderSingles as fast as the socket takes them (for bench.oms_intake).

`python -m bench.intake_client --port P --comp-id OMS1 --orders N [--seed S]` runs in a process of its own
(not the engine's loop, nor the benchmark's): it logs on with ResetSeqNumFlag, encodes every order first,
then one thread writes them in chunks while another reads, answers TestRequests and timestamps the New
(ExecType 0) of each ClOrdID. It prints one JSON line: orders sent and acknowledged, the seconds from the
first byte sent to the last New, and the send-to-New latency of every order (p50 / p99 / max, in ms).

With `--every-ms T` it is a probe instead: one order every T ms, each on its own, until its standard input
closes (or `--orders` are sent); its send-to-New latencies say how long another session's burst keeps a lone
order waiting.
Plain sockets and hand-made FIX: the client must cost the engine nothing it would not cost a real OMS,
and must not share code with the acceptor it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import socket
import statistics
import sys
import threading
import time
from decimal import Decimal

from engine.venues.sim.market import DEFAULT_START_PRICES as PRICES

SOH = b"\x01"
CHUNK = 64  # orders per sendall: an OMS pushes a basket through a socket buffer, not one write per order


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def frame(fields: list[tuple[int, str]]) -> bytes:
    """8=FIX.4.4|9=len|…|10=sum| from (tag, value) pairs after BeginString and BodyLength."""
    body = b"".join(f"{tag}={value}".encode() + SOH for tag, value in fields)
    head = b"8=FIX.4.4" + SOH + f"9={len(body)}".encode() + SOH
    checksum = sum(head + body) % 256
    return head + body + f"10={checksum:03d}".encode() + SOH


class Session:
    def __init__(self, host: str, port: int, comp_id: str) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.comp_id = comp_id
        self.seq = 0
        self.lock = threading.Lock()
        self.acked: dict[str, int] = {}  # ClOrdID -> perf_counter_ns of its New
        self.rejected: dict[str, str] = {}
        self.logged_on = threading.Event()
        self.closed = threading.Event()
        self.buffer = b""

    def header(self, msg_type: str) -> list[tuple[int, str]]:
        self.seq += 1
        return [(35, msg_type), (49, self.comp_id), (56, "EMS"), (34, str(self.seq)), (52, utc_now())]

    def send(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def reader(self) -> None:
        """Read until closed; timestamp every New, answer TestRequests."""
        try:
            while not self.closed.is_set():
                data = self.sock.recv(1 << 20)
                if not data:
                    break
                now = time.perf_counter_ns()
                self.buffer += data
                for message in self._messages():
                    self._on(message, now)
        except OSError:
            pass
        finally:
            self.closed.set()

    def _messages(self) -> list[dict[bytes, bytes]]:
        """Every whole message in the buffer; the rest stays (one pass: a read of thousands of reports is not
        copied once per report)."""
        out: list[dict[bytes, bytes]] = []
        buffer, start = self.buffer, 0
        while True:
            end = buffer.find(SOH + b"10=", start)
            stop = buffer.find(SOH, end + 1) + 1 if end >= 0 else 0
            if stop <= 0:
                self.buffer = buffer[start:]
                return out
            fields: dict[bytes, bytes] = {}
            for part in buffer[start:stop - 1].split(SOH):
                tag, _, value = part.partition(b"=")
                fields.setdefault(tag, value)
            out.append(fields)
            start = stop

    def _on(self, message: dict[bytes, bytes], now: int) -> None:
        msg_type = message.get(b"35")
        if msg_type == b"A":
            self.logged_on.set()
        elif msg_type == b"1":
            with self.lock:
                data = frame([*self.header("0"), (112, message.get(b"112", b"").decode())])
                self.sock.sendall(data)
        elif msg_type == b"8":
            cl_ord_id = message.get(b"11", b"").decode()
            exec_type = message.get(b"150")
            if exec_type == b"0":
                self.acked.setdefault(cl_ord_id, now)
            elif exec_type == b"8":
                self.rejected[cl_ord_id] = message.get(b"58", b"").decode()
        elif msg_type in (b"3", b"j"):
            ref = message.get(b"45", b"").decode()
            self.rejected[f"seq:{ref}"] = message.get(b"58", b"").decode()
        elif msg_type == b"5":
            self.closed.set()


def orders(comp_id: str, count: int, rng: random.Random) -> list[tuple[str, list[tuple[int, str]]]]:
    """Limit TWAP orders near the market over four symbols, both sides, fifty accounts (they aggregate into a
    few parents). No two alike in (account, symbol, side, quantity, price) up to 380,000 orders: a real OMS
    stream is not a run of duplicates, which the default config's duplicate-order control would warn on."""
    out = []
    symbols = list(PRICES)
    residues = 50 * len(symbols)  # n % residues fixes the account and the symbol
    for n in range(count):
        symbol = symbols[n % len(symbols)]
        # the account from n // 4, not n % 50: 50 and 4 share a factor, so n % 50 and n % 4 repeated their pair
        # every 100 orders, and a quarter of the orders duplicated one sent 100 before (a warning each)
        account = f"ACC{(n // len(symbols)) % 50:02d}"
        side = "1" if rng.random() < 0.5 else "2"
        offset = Decimal(1 + (n // (residues * 100)) % 19) / 100
        price = PRICES[symbol] - offset if side == "1" else PRICES[symbol] + offset
        cl_ord_id = f"{comp_id}-{n:07d}"
        quantity = str((1 + (n // residues) % 100) * 100)
        out.append((cl_ord_id, [(11, cl_ord_id), (1, account), (55, symbol), (54, side), (38, quantity), (40, "2"),
                                (44, str(price)), (59, "0"), (60, ""), (847, "1000")]))
    return out


def probe_orders(comp_id: str, count: int) -> list[tuple[str, list[tuple[int, str]]]]:
    """A probe's orders: one account of its own, no two alike in (symbol, side, quantity, price) up to 1,520."""
    out = []
    symbols = list(PRICES)
    for n in range(count):
        symbol, side = symbols[n % len(symbols)], "1" if (n // len(symbols)) % 2 == 0 else "2"
        offset = Decimal(1 + (n // (2 * len(symbols))) % 19) / 100
        price = PRICES[symbol] - offset if side == "1" else PRICES[symbol] + offset
        quantity = str(100 * (1 + (n // (38 * len(symbols))) % 10))
        cl_ord_id = f"{comp_id}-{n:07d}"
        out.append((cl_ord_id, [(11, cl_ord_id), (1, comp_id), (55, symbol), (54, side), (38, quantity), (40, "2"),
                                (44, str(price)), (59, "0"), (60, ""), (847, "1000")]))
    return out


def logged_on(host: str, port: int, comp_id: str, timeout_s: float) -> Session | None:
    session = Session(host, port, comp_id)
    threading.Thread(target=session.reader, daemon=True).start()
    session.send(frame([*session.header("A"), (98, "0"), (108, "30"), (141, "Y")]))
    return session if session.logged_on.wait(timeout_s) else None


def probe(host: str, port: int, comp_id: str, limit: int, every_ms: float, timeout_s: float) -> dict[str, object]:
    """One order every `every_ms` until stdin closes (or `limit` are sent); send-to-New latencies."""
    session = logged_on(host, port, comp_id, timeout_s)
    if session is None:
        return {"error": "no Logon answer"}
    stop = threading.Event()

    def until_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    sent_ns: dict[str, int] = {}
    for cl_ord_id, fields in probe_orders(comp_id, limit):
        if stop.wait(every_ms / 1000):
            break
        with session.lock:
            data = frame([*session.header("D"), *[(tag, utc_now() if tag == 60 else value) for tag, value in fields]])
            sent_ns[cl_ord_id] = time.perf_counter_ns()
            session.sock.sendall(data)
    latencies = settle(session, sent_ns, timeout_s)
    return {
        "comp_id": comp_id, "orders": len(sent_ns), "acked": len(session.acked), "rejected": len(session.rejected),
        "first_rejects": list(session.rejected.items())[:3], **latency_figures(latencies),
    }


def run(host: str, port: int, comp_id: str, count: int, seed: int, timeout_s: float) -> dict[str, object]:
    session = logged_on(host, port, comp_id, timeout_s)
    if session is None:
        return {"error": "no Logon answer"}
    batch = orders(comp_id, count, random.Random(seed))
    now = utc_now()
    encoded = []
    with session.lock:  # numbered in order, before anything else can take a number
        for cl_ord_id, fields in batch:
            body = [(tag, now if tag == 60 else value) for tag, value in fields]
            encoded.append((cl_ord_id, frame([*session.header("D"), *body])))
    sent_ns: dict[str, int] = {}
    started = time.perf_counter_ns()
    for i in range(0, len(encoded), CHUNK):
        chunk = encoded[i:i + CHUNK]
        stamp = time.perf_counter_ns()
        for cl_ord_id, _ in chunk:
            sent_ns[cl_ord_id] = stamp
        session.send(b"".join(data for _, data in chunk))
    sent_done = time.perf_counter_ns()
    latencies = settle(session, sent_ns, timeout_s)
    last_ack = max(session.acked.values(), default=started)
    seconds = (last_ack - started) / 1e9
    return {
        "comp_id": comp_id, "orders": count, "started_ns": started, "last_ack_ns": last_ack,
        "acked": len(session.acked), "rejected": len(session.rejected),
        "first_rejects": list(session.rejected.items())[:3], "seconds": seconds,
        "send_seconds": (sent_done - started) / 1e9,
        "acked_per_s": len(session.acked) / seconds if seconds > 0 else None, **latency_figures(latencies),
    }


def settle(session: Session, sent_ns: dict[str, int], timeout_s: float) -> list[float]:
    """Wait (at most `timeout_s`) until every order sent is answered or the link closed, then log out: the
    send-to-New latencies in ms, sorted."""
    deadline = time.monotonic() + timeout_s
    while len(session.acked) + len(session.rejected) < len(sent_ns) and time.monotonic() < deadline:
        if session.closed.is_set():
            break
        time.sleep(0.005)
    latencies = sorted((session.acked[c] - sent_ns[c]) / 1e6 for c in session.acked if c in sent_ns)
    with session.lock:
        session.sock.sendall(frame([*session.header("5")]))
    time.sleep(0.05)
    session.closed.set()
    session.sock.close()
    return latencies


def latency_figures(latencies: list[float]) -> dict[str, float | None]:
    """p50 / p99 / max of sorted latencies (None when there are none)."""
    if not latencies:
        return {"ack_ms_p50": None, "ack_ms_p99": None, "ack_ms_max": None}
    return {"ack_ms_p50": statistics.median(latencies),
            "ack_ms_p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "ack_ms_max": latencies[-1]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--comp-id", required=True)
    p.add_argument("--orders", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--every-ms", type=float, help="a probe: one order every this many ms until stdin closes")
    args = p.parse_args()
    if args.every_ms is not None:
        print(json.dumps(probe(args.host, args.port, args.comp_id, args.orders, args.every_ms, args.timeout)))
    else:
        print(json.dumps(run(args.host, args.port, args.comp_id, args.orders, args.seed, args.timeout)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
