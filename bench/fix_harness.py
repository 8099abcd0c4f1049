"""The real engine and OMS gateway on loopback for hostile-input runs, and a plain FIX client to drive them.

Engine side (`engine_on_loopback`): the wiring of `ems headless` (simulated market, journal, FIX acceptor)
on the running loop, with a loop-lag probe beside it. Client side (`FuzzClient`): blocking sockets, meant
for another thread or process than the engine's loop; it sends any body bytes under a correct header,
waits for the answers with a TestRequest round trip and keeps every application message it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import load_config
from app.gc_policy import apply_gc_policy
from app.wiring import build_engine, market_start_ns, open_journal
from engine import serialization
from engine.clock import RealClock
from engine.engine import Engine
from engine.fix.codec import FieldValue, encode, encode_body, utc_timestamp
from engine.fix.framing import FixFramer, FixMessage
from engine.fix_app import OmsGateway, start_oms_gateway

OMS = "OMS1"
EMS = "EMS"
_ADMIN = frozenset({"0", "1", "2", "4", "5", "A"})
"""Session messages: a resend gap-fills them (FIX resends only application messages)."""


class LoopLagProbe:
    """Measures how long the loop it runs on is kept from running a due callback (a block).

    Every `interval_s` it sleeps and records the overshoot; blocks longer than `keep_ms` are kept with
    their monotonic end time so a caller in another process can attribute them to what it was sending.
    """

    def __init__(self, interval_s: float = 0.002, keep_ms: float = 1.0) -> None:
        self.interval_s = interval_s
        self.keep_ms = keep_ms
        self.max_ms = 0.0
        self.blocks: list[tuple[float, float]] = []  # (monotonic s at the end of the block, ms)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def take_max_ms(self) -> float:
        """The largest block since the last call (then starts over)."""
        worst, self.max_ms = self.max_ms, 0.0
        return worst

    def max_between(self, start: float, end: float) -> float:
        """The largest kept block that ended in [start, end] (monotonic seconds), 0.0 when none."""
        return max((ms for at, ms in self.blocks if start <= at <= end), default=0.0)

    async def _run(self) -> None:
        interval = self.interval_s
        while True:
            before = time.monotonic()
            await asyncio.sleep(interval)
            after = time.monotonic()
            lag_ms = max(0.0, (after - before - interval) * 1000.0)
            if lag_ms > self.max_ms:
                self.max_ms = lag_ms
            if lag_ms >= self.keep_ms:
                self.blocks.append((after, lag_ms))


@dataclass
class Running:
    """What `engine_on_loopback` yields: the engine, its gateway, the probe and where the journal is."""

    engine: Engine
    gateway: OmsGateway
    probe: LoopLagProbe
    journal_path: Path
    market_open_ns: int

    @property
    def port(self) -> int:
        return self.gateway.port


def write_config(workdir: Path, *, speed: float = 1.0, sessions: Iterable[str] = (OMS,)) -> Path:
    """An `ems headless` TOML on loopback (any free port), no checkpoints, for `sessions` (their CompIDs)."""
    config = workdir / "ems.toml"
    blocks = "".join(f'[[fix.sessions]]\nsender_comp_id = "{EMS}"\ntarget_comp_id = "{s}"\n' for s in sessions)
    config.write_text(
        f'[journal]\npath = "{workdir / "journal.db"}"\ncheckpoint_on_close = false\ncheckpoint_every_records = 0\n'
        f'[market]\nspeed = {speed}\nopen = "09:30:00"\n'
        f'[fix]\nenabled = true\nhost = "127.0.0.1"\nport = 0\n{blocks}'
    )
    return config


@contextlib.asynccontextmanager
async def engine_on_loopback(workdir: Path, *, speed: float = 1.0) -> AsyncIterator[Running]:
    """`ems headless` in this process's running loop (fresh journal in `workdir`), with a loop-lag probe."""
    config = load_config(write_config(workdir, speed=speed))
    loop = asyncio.get_running_loop()
    thresholds = apply_gc_policy()  # as `ems` does (app/main.py, app/headless.py)
    journal = open_journal(config)
    clock = RealClock(loop, market_start_ns(config, journal), config.market.speed)
    engine = build_engine(config, clock, journal)
    engine.recover()
    gc.freeze()
    engine.start()
    gateway = await start_oms_gateway(config.raw["fix"], engine, wall_time_ns=time.time_ns,
                                      session_close_s=config.market.close_s)
    assert gateway is not None
    probe = LoopLagProbe()
    probe.start()
    try:
        yield Running(engine, gateway, probe, config.journal_path, clock.now_ns())
    finally:
        await probe.stop()
        await gateway.stop()
        engine.close()
        gc.unfreeze()
        gc.set_threshold(*thresholds)


# --- the client ------------------------------------------------------------------------------------------


@dataclass
class ClientStats:
    logons: int = 0
    disconnects: int = 0
    resend_requests: int = 0  # the engine saw a gap (a message of ours lost in hostile bytes) and we resent it
    logouts: list[str] = field(default_factory=list)


class FuzzClient:
    """One OMS session over a blocking socket; application messages received are kept in `inbox`."""

    def __init__(self, port: int, *, comp_id: str = OMS, host: str = "127.0.0.1", timeout_s: float = 10.0) -> None:
        self.host, self.port, self.comp_id = host, port, comp_id
        self.timeout_s = timeout_s
        self.next_out = 1
        self.inbox: list[FixMessage] = []
        self.stats = ClientStats()
        self._sock: socket.socket | None = None
        self._framer = FixFramer()
        self._sync_id = 0
        self._sent: dict[int, tuple[str, bytes, str]] = {}
        """Application messages sent under a sequence number: (MsgType, body, SendingTime), to resend on request."""

    # --- connection ------------------------------------------------------------------------------------

    def logon(self, *, reset: bool = True) -> None:
        """Connect and log on (ResetSeqNumFlag=Y on the first logon: a fresh pair of sequences)."""
        self.close()
        self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._framer = FixFramer()
        fields: list[tuple[int, FieldValue]] = [(98, 0), (108, 30)]
        if reset:
            self.next_out = 1
            self._sent.clear()
            fields.append((141, "Y"))
        self._send_frame("A", encode_body(fields))
        for message in self._read_until(lambda m: m.msg_type in ("A", "5")):
            if message.msg_type == "5":
                raise ConnectionError(f"Logon refused: {message.get_str(58)}")
        self.stats.logons += 1

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    # --- sending ---------------------------------------------------------------------------------------

    def send(self, msg_type: str, body: bytes) -> int:
        """An application message with `body` (any bytes) under a correct header; returns its MsgSeqNum."""
        return self._send_frame(msg_type, body)

    def send_garbled(self, data: bytes) -> None:
        """Bytes the framer must drop (they take no sequence number)."""
        self._write(data)

    def frame(self, msg_type: str, body: bytes, seq: int | None = None, *, sending_time: str | None = None,
              resent_from: str | None = None) -> bytes:
        """`body` under our header (SendingTime now unless given); `resent_from`: a resend of a message first sent
        then (PossDupFlag Y, that OrigSendingTime)."""
        return encode(msg_type, body, begin_string="FIX.4.4", sender_comp_id=self.comp_id, target_comp_id=EMS,
                      seq_num=self.next_out if seq is None else seq,
                      sending_time=sending_time or utc_timestamp(time.time_ns()),
                      poss_dup=resent_from is not None, orig_sending_time=resent_from)

    def sync(self) -> list[FixMessage]:
        """Everything the engine answered to what was sent so far (a TestRequest round trip), then cleared."""
        self._sync_id += 1
        test_id = f"SYNC-{self._sync_id}".encode()
        self._send_frame("1", encode_body([(112, test_id)]))
        for _ in self._read_until(lambda m: m.msg_type == "0" and m.get(112) == test_id):
            pass
        inbox, self.inbox = self.inbox, []
        return inbox

    # --- internals -------------------------------------------------------------------------------------

    def _send_frame(self, msg_type: str, body: bytes) -> int:
        seq = self.next_out
        sending_time = utc_timestamp(time.time_ns())
        self._write(self.frame(msg_type, body, seq, sending_time=sending_time))
        if msg_type not in _ADMIN:
            self._sent[seq] = (msg_type, body, sending_time)
        self.next_out += 1
        return seq

    def _resend(self, begin: int, end: int) -> None:
        """Answer a ResendRequest as FIX says: every application message of the range again (PossDupFlag Y, its
        first SendingTime as OrigSendingTime), each run of admin messages as one SequenceReset-GapFill."""
        last = self.next_out - 1 if end == 0 or end >= self.next_out else end
        seq = max(1, begin)
        while seq <= last:
            sent = self._sent.get(seq)
            if sent is not None:
                msg_type, body, first = sent
                self._write(self.frame(msg_type, body, seq, resent_from=first))
                seq += 1
                continue
            following = seq + 1
            while following <= last and following not in self._sent:
                following += 1
            gap_fill = encode_body([(123, "Y"), (36, following)])
            self._write(self.frame("4", gap_fill, seq, resent_from=utc_timestamp(time.time_ns())))
            seq = following

    def _write(self, data: bytes) -> None:
        if self._sock is None:
            raise ConnectionError("not connected")
        self._sock.settimeout(self.timeout_s)  # an engine that stops reading must not hang the client
        self._sock.sendall(data)

    def _read_until(self, done: Any) -> Iterator[FixMessage]:
        """Read and handle messages until `done(message)`; raises TimeoutError after `timeout_s`."""
        assert self._sock is not None
        deadline = time.monotonic() + self.timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer within {self.timeout_s} s")
            self._sock.settimeout(remaining)
            try:
                data = self._sock.recv(1 << 16)
            except TimeoutError:
                raise TimeoutError(f"no answer within {self.timeout_s} s") from None
            if not data:
                self.stats.disconnects += 1
                self.close()
                raise ConnectionError("the engine closed the connection")
            for message in self._framer.feed(data).messages:
                self._handle(message)
                yield message
                if done(message):
                    return

    def _handle(self, message: FixMessage) -> None:
        msg_type = message.msg_type
        if msg_type == "1":
            self._send_frame("0", encode_body([(112, message.get(112) or b"")]))
        elif msg_type == "2":  # the engine lost a message of ours in hostile bytes: resend, and count it
            self.stats.resend_requests += 1
            self._resend(message.get_int(7) or 1, message.get_int(16) or 0)
        elif msg_type == "5":
            self.stats.logouts.append(message.get_str(58) or "")
        elif msg_type not in ("0", "A", "4"):
            self.inbox.append(message)


# --- the journal, read alone --------------------------------------------------------------------------


def journal_records(path: Path, after_seq: int = 0) -> tuple[list[Any], int]:
    """Records journaled after `after_seq` (decoded), and the last seq read; a read-only connection, so it
    can run beside the engine that writes the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        rows = conn.execute("SELECT seq, type, payload FROM journal WHERE seq > ? ORDER BY seq",
                            (after_seq,)).fetchall()
    finally:
        conn.close()
    last = rows[-1][0] if rows else after_seq
    return [serialization.decode(kind, payload) for _, kind, payload in rows], last


def journal_last_seq(path: Path) -> int:
    """The newest journal row's seq (0 when empty), without reading the rows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        row = conn.execute("SELECT MAX(seq) FROM journal").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)
