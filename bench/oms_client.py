"""A small FIX 4.4 initiator playing an OMS against `ems headless`, for the crash-recovery benchmark.

Its session state (sequence numbers, the application messages it sent, every order and what was reported
on it) lives in memory and outlives connections, so the engine can be killed and restarted under it: it
logs on again without ResetSeqNumFlag, asks for what it missed (ResendRequest), answers the engine's
ResendRequest by resending its orders, cancels and replaces (PossDupFlag=Y, same ClOrdID) and gap-filling
its admin messages, and ignores a PossDup resend of a report it already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from engine.fix.codec import FieldValue, encode, encode_body, utc_timestamp
from engine.fix.framing import FixFramer, FixMessage
from engine.fix_app.requests import parse_utc_timestamp

BEGIN_STRING = "FIX.4.4"
ADMIN = frozenset("012345A")
TERMINAL = frozenset("248C")  # filled, canceled, rejected, expired


@dataclass(frozen=True, slots=True)
class SentMessage:
    msg_type: str
    body: bytes
    sending_time: str


@dataclass(slots=True)
class ClientOrder:
    """One NewOrderSingle and everything the EMS reported on it, as the OMS saw it."""

    cl_ord_id: str  # the first one (the engine journals this one)
    symbol: str
    side: str
    quantity: int
    current_cl_ord_id: str = ""
    answered: bool = False  # PendingNew, New or a rejection (ER 39=8, BusinessMessageReject, session Reject)
    got_new: bool = False  # ExecType 0
    rejected: bool = False
    order_ids: set[str] = field(default_factory=set)
    status: str = ""  # OrdStatus (39) of the last report
    cum_qty: int = 0  # CumQty (14) of the last report
    order_qty: int = 0  # OrderQty (38) of the last report
    trade_qty: int = 0  # LastQty over Trade reports, a PossDup resend of a known ExecID counted once
    exec_ids: set[str] = field(default_factory=set)
    repeated_exec_ids: list[str] = field(default_factory=list)  # a known ExecID again without PossDupFlag
    pending_change: str = ""  # ClOrdID of an unanswered cancel / replace
    ord_type: str = "1"  # OrdType (40) and Price (44) as sent: a replace repeats them (40 is required on G)
    price: Decimal | None = None
    resent: int = 0
    history: list[str] = field(default_factory=list)  # what was received on it, compactly (for debugging)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL or self.rejected


@dataclass(slots=True)
class ChangeRequest:
    cl_ord_id: str
    order: str  # the order's first ClOrdID
    msg_type: str  # F or G
    answered: bool = False


@dataclass(slots=True)
class SessionStats:
    logons: int = 0
    resend_requests_answered: int = 0
    messages_resent: int = 0
    gap_fills_sent: int = 0
    resend_requests_sent: int = 0
    poss_dup_ignored: int = 0  # below the expected MsgSeqNum, PossDupFlag=Y
    known_exec_ids_skipped: int = 0
    seq_too_low: list[str] = field(default_factory=list)  # below expected without PossDupFlag
    engine_seq_regressions: list[str] = field(default_factory=list)  # its Logon numbered below what we had
    unknown_reports: list[str] = field(default_factory=list)
    session_rejects: list[str] = field(default_factory=list)
    business_rejects: int = 0
    disconnects: int = 0


class MarketClock:
    """The engine's market time, estimated from the TransactTime (60) of fresh reports and its speed, and
    the last price reported per symbol (LastPx 31)."""

    def __init__(self, start_ns: int, speed: float, prices: dict[str, Decimal]) -> None:
        self._anchor = (start_ns, time.monotonic())
        self.speed = speed
        self.last_px = dict(prices)

    def observe(self, market_ns: int) -> None:
        self._anchor = (market_ns, time.monotonic())

    def now_ns(self) -> int:
        market_ns, wall = self._anchor
        return market_ns + int((time.monotonic() - wall) * self.speed * 1e9)


class OmsClient:
    """One OMS session (SenderCompID `comp_id`) whose state survives reconnects."""

    def __init__(self, comp_id: str, clock: MarketClock, *, target_comp_id: str = "EMS", heartbeat_s: int = 30) -> None:
        self.comp_id = comp_id
        self.target_comp_id = target_comp_id
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.next_out = 1
        self.next_in = 1
        self.sent: dict[int, SentMessage] = {}  # application messages by MsgSeqNum
        self.orders: dict[str, ClientOrder] = {}
        self.changes: dict[str, ChangeRequest] = {}
        self._order_of: dict[str, str] = {}  # any ClOrdID of an order -> its first
        self._held: dict[int, FixMessage | None] = {}  # ahead of a gap (None: a Logon already acted on)
        self._resend_until: int | None = None
        self.stats = SessionStats()
        self.logged_on = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._corked: list[bytes] | None = None  # frames of a `batched()` block
        self._task: asyncio.Task[None] | None = None
        self._last_sent = time.monotonic()
        self._logout_sent = False

    # --- connection --------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    @property
    def settled(self) -> bool:
        """Logged on with no sequence gap outstanding."""
        return self.logged_on.is_set() and not self._held and self._resend_until is None

    async def logon(self, host: str, port: int, timeout_s: float) -> bool:
        """Connect (retrying while nothing listens) and log on; True once the EMS answered the Logon."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            await self.drop()
            try:
                reader, self._writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
            except (OSError, TimeoutError):
                await asyncio.sleep(0.02)
                continue
            self._held.clear()
            self._resend_until = None
            self._logout_sent = False
            self._task = asyncio.create_task(self._read_loop(reader))
            self._send_admin("A", [(98, 0), (108, self.heartbeat_s)])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.logged_on.wait(), max(0.1, min(5.0, deadline - time.monotonic())))
            if self.logged_on.is_set():
                self.stats.logons += 1
                return True
        return False

    async def drop(self) -> None:
        """Close the connection without a Logout (what a crash of either side looks like)."""
        self.logged_on.clear()
        writer, task = self._writer, self._task
        self._writer = None
        self._task = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def wait_settled(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.settled:
                return True
            await asyncio.sleep(0.02)
        return self.settled

    async def heartbeat(self) -> None:
        """Send a Heartbeat when nothing went out for HeartBtInt (runs until cancelled)."""
        while True:
            await asyncio.sleep(1.0)
            if self.logged_on.is_set() and time.monotonic() - self._last_sent >= self.heartbeat_s:
                self._send_admin("0", [])

    # --- orders --------------------------------------------------------------------------------------------

    def new_order(
        self, cl_ord_id: str, symbol: str, side: str, quantity: int, price: Decimal | None, expire_ns: int
    ) -> ClientOrder:
        """A TWAP NewOrderSingle (TargetStrategy 1000) ending at `expire_ns` market time."""
        order = ClientOrder(cl_ord_id, symbol, side, quantity, current_cl_ord_id=cl_ord_id, order_qty=quantity,
                            ord_type="1" if price is None else "2", price=price)
        self.orders[cl_ord_id] = order
        self._order_of[cl_ord_id] = cl_ord_id
        fields: list[tuple[int, FieldValue]] = [(11, cl_ord_id), (55, symbol), (54, side), (38, quantity)]
        fields += [(40, "2"), (44, price)] if price is not None else [(40, "1")]
        fields += [(59, "6"), (126, utc_timestamp(expire_ns)), (60, utc_timestamp(self.clock.now_ns())),
                   (847, 1000), (9101, "HIGH")]
        self._send_app("D", fields)
        return order

    def cancel(self, order: ClientOrder, cl_ord_id: str) -> None:
        self._change(order, cl_ord_id, "F", [])

    def replace(self, order: ClientOrder, cl_ord_id: str, quantity: int) -> None:
        """OrderQty change; OrdType (required on G) and Price are repeated as they were sent."""
        terms: list[tuple[int, FieldValue]] = [(38, quantity), (40, order.ord_type)]
        if order.price is not None:
            terms.append((44, order.price))
        self._change(order, cl_ord_id, "G", terms)

    def _change(self, order: ClientOrder, cl_ord_id: str, msg_type: str, extra: list[tuple[int, FieldValue]]) -> None:
        self.changes[cl_ord_id] = ChangeRequest(cl_ord_id, order.cl_ord_id, msg_type)
        self._order_of[cl_ord_id] = order.cl_ord_id
        order.pending_change = cl_ord_id
        fields: list[tuple[int, FieldValue]] = [(11, cl_ord_id), (41, order.current_cl_ord_id), (55, order.symbol),
                                                (54, order.side), *extra, (60, utc_timestamp(self.clock.now_ns()))]
        self._send_app(msg_type, fields)

    def order_of(self, cl_ord_id: str) -> ClientOrder | None:
        first = self._order_of.get(cl_ord_id)
        return None if first is None else self.orders.get(first)

    # --- outbound ------------------------------------------------------------------------------------------

    def _send_app(self, msg_type: str, fields: Iterable[tuple[int, FieldValue]]) -> None:
        seq = self.next_out
        sending_time = utc_timestamp(time.time_ns())
        body = encode_body(fields)
        self.sent[seq] = SentMessage(msg_type, body, sending_time)
        self.next_out += 1
        self._write(self._frame(msg_type, body, seq, sending_time))

    def _send_admin(self, msg_type: str, fields: Iterable[tuple[int, FieldValue]]) -> None:
        seq = self.next_out
        self.next_out += 1
        self._write(self._frame(msg_type, encode_body(fields), seq, utc_timestamp(time.time_ns())))

    def _frame(self, msg_type: str, body: bytes, seq: int, sending_time: str, *, orig: str | None = None) -> bytes:
        return encode(msg_type, body, begin_string=BEGIN_STRING, sender_comp_id=self.comp_id,
                      target_comp_id=self.target_comp_id, seq_num=seq, sending_time=sending_time,
                      poss_dup=orig is not None, orig_sending_time=orig)

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """What is sent inside goes out in one write at the end, as an OMS pushes a basket: the EMS reads it
        as one burst."""
        self._corked = []
        try:
            yield
        finally:
            corked, self._corked = self._corked, None
            if corked:
                self._write(b"".join(corked))

    def _write(self, frame: bytes) -> None:
        # A message written while the link is down keeps its number: the EMS asks for it after the next Logon.
        if self._corked is not None:
            self._corked.append(frame)
        elif self.connected:
            assert self._writer is not None
            self._writer.write(frame)
            self._last_sent = time.monotonic()

    def _answer_resend(self, begin: int, end: int) -> None:
        """Our application messages again (PossDupFlag=Y), every run of admin numbers as one GapFill."""
        self.stats.resend_requests_answered += 1
        last = self.next_out - 1 if end == 0 else min(end, self.next_out - 1)
        now = utc_timestamp(time.time_ns())
        frames: list[bytes] = []
        gap_start: int | None = None
        for seq in range(max(begin, 1), last + 1):
            stored = self.sent.get(seq)
            if stored is None:
                gap_start = seq if gap_start is None else gap_start
                continue
            if gap_start is not None:
                frames.append(self._gap_fill(gap_start, seq, now))
                gap_start = None
            frames.append(self._frame(stored.msg_type, stored.body, seq, now, orig=stored.sending_time))
            self.stats.messages_resent += 1
            if stored.msg_type == "D":
                self._count_resent_order(stored.body)
        if gap_start is not None:
            frames.append(self._gap_fill(gap_start, last + 1, now))
        for frame in frames:
            self._write(frame)

    def _gap_fill(self, seq: int, new_seq: int, now: str) -> bytes:
        self.stats.gap_fills_sent += 1
        return self._frame("4", encode_body([(123, "Y"), (36, new_seq)]), seq, now, orig=now)

    def _count_resent_order(self, body: bytes) -> None:
        for part in body.split(b"\x01"):
            if part.startswith(b"11="):
                order = self.orders.get(part[3:].decode("latin-1"))
                if order is not None:
                    order.resent += 1
                return

    # --- inbound -------------------------------------------------------------------------------------------

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        framer = FixFramer()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for message in framer.feed(data).messages:
                    self._on_message(message)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if self.logged_on.is_set():
                self.stats.disconnects += 1
            self.logged_on.clear()
            if self._writer is not None:
                self._writer.close()

    def _on_message(self, message: FixMessage) -> None:
        seq = message.get_int(34) or 0
        msg_type = message.msg_type
        poss_dup = message.get(43) == b"Y"
        if msg_type == "A":
            self._on_logon(seq)
            return
        if msg_type == "4" and message.get(123) != b"Y":  # SequenceReset-Reset: only NewSeqNo counts
            self.next_in = max(self.next_in, message.get_int(36) or 0)
            self._drain()
            return
        if seq > self.next_in:
            if msg_type == "2":
                self._answer_resend(message.get_int(7) or 0, message.get_int(16) or 0)
                self._hold(seq, None)
            else:
                self._hold(seq, message)
            return
        if seq < self.next_in:
            if not poss_dup:
                self.stats.seq_too_low.append(f"{msg_type} {seq} < {self.next_in}")
            else:
                self.stats.poss_dup_ignored += 1
            return
        self._dispatch(message, seq)
        self._drain()

    def _on_logon(self, seq: int) -> None:
        self.logged_on.set()
        if seq < self.next_in:  # the EMS numbers below what it already sent us: it lost its own store
            self.stats.engine_seq_regressions.append(f"Logon {seq} < expected {self.next_in}")
            self.next_in = seq + 1
        elif seq == self.next_in:
            self.next_in += 1
        else:
            self._hold(seq, None)

    def _hold(self, seq: int, message: FixMessage | None) -> None:
        self._held[seq] = message
        if self._resend_until is None:
            self.stats.resend_requests_sent += 1
            self._send_admin("2", [(7, self.next_in), (16, 0)])
            self._resend_until = seq
        else:
            self._resend_until = max(self._resend_until, seq)

    def _drain(self) -> None:
        for stale in [s for s in self._held if s < self.next_in]:
            del self._held[stale]
        while self.next_in in self._held:
            held = self._held.pop(self.next_in)
            if held is None:
                self.next_in += 1
            else:
                self._dispatch(held, self.next_in)
        if self._resend_until is not None and self.next_in > self._resend_until:
            self._resend_until = None

    def _dispatch(self, message: FixMessage, seq: int) -> None:
        self.next_in = seq + 1
        msg_type = message.msg_type
        if msg_type == "4":  # GapFill
            self.next_in = max(self.next_in, message.get_int(36) or 0)
        elif msg_type == "1":
            self._send_admin("0", [(112, message.get(112) or b"")])
        elif msg_type == "2":
            self._answer_resend(message.get_int(7) or 0, message.get_int(16) or 0)
        elif msg_type == "5":
            if not self._logout_sent:
                self._logout_sent = True
                self._send_admin("5", [])
            self.logged_on.clear()
        elif msg_type == "3":
            self._on_session_reject(message)
        elif msg_type == "8":
            self._on_execution_report(message)
        elif msg_type == "9":
            self._on_cancel_reject(message)
        elif msg_type == "j":
            self.stats.business_rejects += 1
            self._answered(message.get_str(379) or "", rejected=True)

    def _on_session_reject(self, message: FixMessage) -> None:
        ref = message.get_int(45) or 0
        self.stats.session_rejects.append(f"ref {ref}: {message.get_str(58)}")
        stored = self.sent.get(ref)
        if stored is not None and stored.msg_type in "DFG":
            for part in stored.body.split(b"\x01"):
                if part.startswith(b"11="):
                    self._answered(part[3:].decode("latin-1"), rejected=True)

    def _answered(self, cl_ord_id: str, *, rejected: bool) -> None:
        change = self.changes.get(cl_ord_id)
        if change is not None:
            change.answered = True
            order = self.orders.get(change.order)
            if order is not None and order.pending_change == cl_ord_id:
                order.pending_change = ""
            return
        order = self.orders.get(cl_ord_id)
        if order is not None:
            order.answered = True
            order.rejected = order.rejected or (rejected and not order.got_new)

    def _on_cancel_reject(self, message: FixMessage) -> None:
        cl_ord_id = message.get_str(11) or ""
        self._answered(cl_ord_id, rejected=True)
        order = self.order_of(cl_ord_id)
        if order is not None:
            order.history.append(f"9/{message.get_str(39)}")
        if order is not None and message.get_str(37) not in (None, "NONE"):
            order.status = message.get_str(39) or order.status  # back from PendingCancel / PendingReplace

    def _on_execution_report(self, message: FixMessage) -> None:
        cl_ord_id = message.get_str(11) or ""
        exec_id = message.get_str(17) or ""
        exec_type = message.get_str(150) or ""
        order = self.order_of(cl_ord_id) or self.order_of(message.get_str(41) or "")
        if order is None:
            self.stats.unknown_reports.append(f"{cl_ord_id} ExecType {exec_type} ExecID {exec_id}")
            return
        poss_dup = message.get(43) == b"Y"
        order.history.append(f"8:{exec_type}/{message.get_str(39)}/{message.get_str(14)}{'/PD' if poss_dup else ''}")
        if exec_id in order.exec_ids:
            if poss_dup:
                self.stats.known_exec_ids_skipped += 1
                return
            order.repeated_exec_ids.append(exec_id)
        order.exec_ids.add(exec_id)
        if not poss_dup and (transact := message.get_str(60)):
            with contextlib.suppress(ValueError):
                self.clock.observe(parse_utc_timestamp(transact))
            last_px = message.get_str(31) or ""
            if last_px.replace(".", "", 1).isdigit() and len(last_px) < 20:  # FIX price grammar, bounded
                self.clock.last_px[order.symbol] = Decimal(last_px)
        order_id = message.get_str(37) or ""
        status = message.get_str(39) or ""
        if exec_type == "8" and order_id == "NONE":  # the order itself was refused
            self._answered(order.cl_ord_id, rejected=True)
            order.status = status
            return
        if order_id and order_id != "NONE":
            order.order_ids.add(order_id)
        if cl_ord_id == order.cl_ord_id and exec_type in ("A", "0"):
            order.answered = True
            order.got_new = order.got_new or exec_type == "0"
        if exec_type in ("4", "5") and cl_ord_id in self.changes:
            self._answered(cl_ord_id, rejected=False)
            if exec_type == "5":
                order.current_cl_ord_id = cl_ord_id
        if exec_type == "F":
            order.trade_qty += message.get_int(32) or 0
        order.status = status
        order.cum_qty = message.get_int(14) or 0
        order_qty = message.get_int(38)
        order.order_qty = order.order_qty if order_qty is None else order_qty
