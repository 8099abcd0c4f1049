"""Run tests/interop/qf_venue.py (a QuickFIX acceptor playing a venue) and drive our FixVenue against it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.clock import RealClock
from engine.fix.config import SessionConfig
from engine.fix.initiator import InitiatorConfig
from engine.model import ChildId, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues.fix_venue import FixVenue

SCRIPT = Path(__file__).with_name("qf_venue.py")
VENUE = VenueId("QFV")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], object], timeout_s: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met in {timeout_s}s"
        await asyncio.sleep(0.01)


class QuickFixVenue:
    """The QuickFIX venue process: start, command, kill -9, restart on the same port and files."""

    def __init__(self, work_dir: Path, port: int, comp_id: str = "VENUE") -> None:
        self.work_dir, self.port, self.comp_id = work_dir, port, comp_id
        self.process: asyncio.subprocess.Process | None = None
        self.events: list[dict[str, Any]] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self, *before_accepting: dict[str, Any]) -> None:
        """Start (again); `before_accepting` commands run before it accepts connections."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(SCRIPT), str(self.port), str(self.work_dir), self.comp_id,
            json.dumps(list(before_accepting)),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self.process))
        await until(lambda: self.count("ready") > 0, 10.0, "QuickFIX venue ready")

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            if line.startswith(b"{"):
                self.events.append(json.loads(line))

    def count(self, event: str) -> int:
        return sum(1 for e in self.events if e["event"] == event)

    def received(self, msg_type: str) -> list[dict[str, str]]:
        """Messages it got (application ones and Reject/ResendRequest/SequenceReset), tag -> value."""
        return [e["msg"] for e in self.events if e["event"] in ("from_app", "from_admin") and e["msg"].get("35") ==
                msg_type]

    def command(self, **cmd: Any) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(cmd).encode() + b"\n")

    async def state(self) -> dict[str, dict[str, Any]]:
        """The order book, by child id."""
        return dict((await self.session_state())["orders"])

    async def session_state(self) -> dict[str, Any]:
        """{"orders": ..., "next_sender": N, "next_target": M} as QuickFIX has them now."""
        before = self.count("state")
        self.command(op="state")
        await until(lambda: self.count("state") > before, 5.0, "venue state")
        return [e for e in self.events if e["event"] == "state"][-1]

    async def kill(self) -> None:
        """kill -9: no Logout, nothing flushed beyond what QuickFIX's file store already wrote."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.command(op="quit")
        try:
            await asyncio.wait_for(self.process.wait(), 3.0)
        except TimeoutError:
            await self.kill()


class Recorder:
    """The engine's side of the venue, recording what it is told."""

    def __init__(self) -> None:
        self.events: list[ev.VenueOrderEvent] = []
        self.status: list[ev.VenueStatusChanged] = []
        self.ordered: dict[str, int] = {}
        """Each child's ordered quantity (the test tells it)."""

    def on_order_event(self, event: ev.VenueOrderEvent) -> None:
        self.events.append(event)

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted) -> None:
        pass

    def on_venue_status(self, event: ev.VenueStatusChanged) -> None:
        self.status.append(event)

    def of(self, child: str, kind: type | None = None) -> list[ev.VenueOrderEvent]:
        return [e for e in self.events if e.child_id == child and (kind is None or isinstance(e, kind))]

    def summary(self, child: str) -> tuple[str, int]:
        """(OrdStatus we arrive at, filled quantity), fills counted once per ExecID, busted ones not at all; an
        order filled in full stays done when an execution of it is busted or corrected (as venues keep it)."""
        fills: dict[str, int] = {}
        status, ordered, done = "A", self.ordered.get(child, 0), False
        for event in self.of(child):
            if isinstance(event, ev.ChildAccepted):
                status = "0"
            elif isinstance(event, ev.ChildFilled):
                fills[event.fill_id] = event.quantity
                done = done or bool(ordered and sum(fills.values()) >= ordered)  # a done order stays done
            elif isinstance(event, ev.ChildFillBusted):
                fills.pop(event.fill_id, None)
            elif isinstance(event, ev.ChildReplaced):
                ordered = event.quantity
            elif isinstance(event, ev.ChildCanceled):
                status = "4"
            elif isinstance(event, ev.ChildRejected):
                status = "8"
            elif isinstance(event, ev.ChildStatusReported) and event.status is not None:
                status = event.status.value
        filled = sum(fills.values())
        if status in ("0", "1", "A") and filled:
            status = "2" if done else "1"
        return status, filled


def child(child_id: str, symbol: str, quantity: int, price: str | None = "10.00") -> ev.ChildSubmitted:
    return ev.ChildSubmitted(0, ChildId(child_id), ParentId("P1"), VENUE, Symbol(symbol), Side.BUY, quantity,
                             None if price is None else Decimal(price),
                             OrdType.MARKET if price is None else OrdType.LIMIT, TimeInForce.DAY)


def fix_venue(port: int, store: Path, *, reconnect_min_s: float = 0.1) -> FixVenue:
    config = InitiatorConfig(SessionConfig("EMS", "VENUE"), port=port, heartbeat_s=30, logout_timeout_s=1.0,
                             reconnect_min_s=reconnect_min_s, reconnect_max_s=max(reconnect_min_s, 0.5))
    return FixVenue(VENUE, config, store, RealClock(asyncio.get_running_loop()), wall_time_ns=time.time_ns)
