"""A FIX venue that goes quiet is reported degraded, then up again when it speaks, then down if it stays
silent: a plain-socket peer (hand-made FIX, no code shared with our session layer) logs on with a 1-second
HeartBtInt and then says nothing until told to."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest

from bench.fix_path_venue import Venue, frame
from engine.clock import RealClock
from engine.fix.config import SessionConfig
from engine.fix.initiator import InitiatorConfig
from engine.venues.fix_venue import FixVenue
from tests.interop.qf_venue_runner import VENUE, Recorder, until

pytestmark = pytest.mark.interop


class QuietPeer:
    """Accepts one session, answers its Logon, then stays silent; `speak()` sends one Heartbeat."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.venue: Venue | None = None
        self.logged_on = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        self.venue = venue = Venue(conn, "VENUE")
        try:
            while True:
                for message in venue.messages():
                    if message.get(35) == "A":
                        venue.target = message.get(49, "EMS")
                        conn.sendall(frame([*venue.header("A"), (98, "0"), (108, message.get(108, "1"))]))
                        self.logged_on.set()
        except (EOFError, OSError):
            return

    def speak(self) -> None:
        assert self.venue is not None
        self.venue.conn.sendall(frame([*self.venue.header("0")]))

    def close(self) -> None:
        self.listener.close()


async def logged_on_venue(port: int, tmp_path: Path, heartbeat_s: int) -> tuple[FixVenue, Recorder]:
    """Our FixVenue connected to the peer on `port` (no reconnect within a test), once it has logged on."""
    config = InitiatorConfig(SessionConfig("EMS", "VENUE"), port=port, heartbeat_s=heartbeat_s, logout_timeout_s=1.0,
                             reconnect_min_s=30, reconnect_max_s=30)
    venue = FixVenue(VENUE, config, tmp_path / "store.db", RealClock(asyncio.get_running_loop()),
                     wall_time_ns=time.time_ns)
    seen = Recorder()
    venue.connect(seen)
    try:
        await until(lambda: [s.connected for s in seen.status] == [True], 5.0, "logon")
    except BaseException:
        venue.close()
        raise
    return venue, seen


async def test_a_silent_venue_is_degraded_then_up_when_it_speaks_then_down_when_it_stays_silent(
    tmp_path: Path,
) -> None:
    peer = QuietPeer()
    venue, seen = await logged_on_venue(peer.port, tmp_path, heartbeat_s=1)
    try:
        await until(lambda: len(seen.status) >= 2, 5.0, "the silence noticed")  # 1.2 s of silence
        assert (seen.status[1].connected, seen.status[1].degraded) == (True, True), seen.status
        peer.speak()
        await until(lambda: len(seen.status) >= 3, 5.0, "the venue heard again")
        assert (seen.status[2].connected, seen.status[2].degraded) == (True, False), seen.status
        await until(lambda: any(not s.connected for s in seen.status[3:]), 10.0, "the silent venue dropped")
        assert [s.degraded for s in seen.status[3:-1]] == [True]  # degraded first, then down
    finally:
        venue.close()
        peer.close()


class DeafPeer:
    """Answers the Logon, then never reads again (its receive buffer kept small): our writes pile up."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = int(self.listener.getsockname()[1])
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        venue = Venue(conn, "VENUE")
        for message in venue.messages():
            if message.get(35) == "A":
                venue.target = message.get(49, "EMS")
                conn.sendall(frame([*venue.header("A"), (98, "0"), (108, "30")]))
                break
        self.done.wait(30)  # deaf from here on
        conn.close()


async def test_a_venue_that_stops_reading_is_dropped_before_our_buffer_grows_without_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine.fix import transport
    from tests.interop.qf_venue_runner import child

    monkeypatch.setattr(transport, "MAX_WRITE_BUFFER_BYTES", 64 << 10)
    peer = DeafPeer()
    venue, seen = await logged_on_venue(peer.port, tmp_path, heartbeat_s=30)
    try:
        for n in range(20_000):
            if not venue.logged_on:
                break
            venue.submit(child(f"C{n}", "AAPL", 100))
            if n % 200 == 0:
                await asyncio.sleep(0)  # let the flushes run
        await until(lambda: any(not s.connected for s in seen.status), 10.0, "the deaf venue dropped")
        assert n < 19_999, "never dropped"
    finally:
        peer.done.set()
        venue.close()
        peer.listener.close()
