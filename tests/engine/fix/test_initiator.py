"""FixInitiator against our own FixAcceptor over loopback: logon, persistence, reconnect, gap recovery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.clock import RealClock
from engine.fix.acceptor import FixAcceptor
from engine.fix.codec import FieldValue
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import FixFramer, FixMessage
from engine.fix.initiator import FixInitiator, InitiatorConfig
from engine.fix.store import SessionStore
from tests.engine.fix.helpers import RecordingApp, frame

VENUE_SIDE = SessionId("FIX.4.4:VENUE->EMS")
ORDER: list[tuple[int, FieldValue]] = [(11, "C1"), (55, "AAPL"), (54, 1), (60, "20240102-09:30:00"), (38, 100), (40, 1)]
REPORT: list[tuple[int, FieldValue]] = [
    (37, "O1"), (17, "E1"), (150, "0"), (39, "0"), (55, "AAPL"), (54, 1), (151, 100), (14, 0), (6, 0)]


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


class Pair:
    """Our acceptor playing the venue and our initiator connecting to it, each with its own store file."""

    def __init__(self, tmp_path: Path, password: str | None = "pw") -> None:
        self.tmp_path = tmp_path
        self.venue_app = RecordingApp()
        self.app = RecordingApp()
        self.password = password
        self.acceptor: FixAcceptor | None = None
        self.initiator: FixInitiator | None = None

    async def start_venue(self, port: int = 0) -> FixAcceptor:
        config = AcceptorConfig(sessions=(SessionConfig("VENUE", "EMS", password="pw"),), port=port,
                                logout_timeout_s=1.0)
        loop = asyncio.get_running_loop()
        self.acceptor = FixAcceptor(config, self.tmp_path / "venue.db", RealClock(loop), self.venue_app)
        await self.acceptor.start()
        return self.acceptor

    def start_initiator(self, *, reset: bool = False) -> FixInitiator:
        assert self.acceptor is not None
        config = InitiatorConfig(SessionConfig("EMS", "VENUE", password=self.password), port=self.acceptor.port,
                                 heartbeat_s=30, reset_seq_nums=reset, reconnect_min_s=0.05, reconnect_max_s=0.2,
                                 logout_timeout_s=1.0)
        self.initiator = FixInitiator(config, self.tmp_path / "ems.db", RealClock(asyncio.get_running_loop()),
                                      self.app)
        self.initiator.start()
        return self.initiator

    async def stop(self) -> None:
        if self.initiator is not None:
            await self.initiator.stop()
        if self.acceptor is not None:
            await self.acceptor.stop(timeout_s=1.0)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    pair = Pair(tmp_path)
    await pair.start_venue()
    yield pair
    await pair.stop()


async def test_logs_on_exchanges_messages_and_persists_numbers_across_a_restart(pair: Pair, tmp_path: Path) -> None:
    initiator = pair.start_initiator()
    await until(lambda: initiator.logged_on)
    assert ("logon", SessionId("FIX.4.4:EMS->VENUE")) in pair.app.events
    initiator.send("D", ORDER)
    await until(lambda: len(pair.venue_app.messages) == 1)
    assert pair.acceptor is not None
    pair.acceptor.send(VENUE_SIDE, "8", [(11, "C1"), *REPORT])
    await until(lambda: len(pair.app.messages) == 1)
    assert initiator.sequence_numbers() == (3, 3)
    await initiator.stop()
    assert ("logout", SessionId("FIX.4.4:EMS->VENUE")) in pair.app.events
    store = SessionStore(tmp_path / "ems.db")  # committed before the bytes left: the numbers are on disk
    assert store.seq_nums(SessionId("FIX.4.4:EMS->VENUE")) == (4, 4)  # Logout out and in counted too
    store.close()
    again = pair.start_initiator()
    await until(lambda: again.logged_on)
    assert again.sequence_numbers() == (5, 5)  # went on from 4: no reset, no resend needed


async def test_reconnects_after_a_drop_and_recovers_what_was_sent_meanwhile(pair: Pair) -> None:
    initiator = pair.start_initiator()
    await until(lambda: initiator.logged_on)
    initiator.drop()
    await until(lambda: not initiator.logged_on)
    acceptor = pair.acceptor
    assert acceptor is not None
    await until(lambda: not acceptor.is_logged_on(VENUE_SIDE))
    acceptor.send(VENUE_SIDE, "8", [(11, "C1"), *REPORT])  # stored for resend: we are away
    await until(lambda: initiator.logged_on and len(pair.app.messages) == 1)
    [(_, resent)] = pair.app.messages
    assert resent.get(43) == b"Y" and resent.get(11) == b"C1"
    assert initiator.connects == 2
    assert initiator.sequence_numbers()[1] == acceptor.session(VENUE_SIDE).next_sender_seq


async def test_reset_on_logon_starts_both_sides_at_one(pair: Pair) -> None:
    initiator = pair.start_initiator()
    await until(lambda: initiator.logged_on)
    initiator.send("D", ORDER)
    await until(lambda: len(pair.venue_app.messages) == 1)
    await initiator.stop()
    again = pair.start_initiator(reset=True)
    await until(lambda: again.logged_on)
    assert again.sequence_numbers() == (2, 2)


async def test_a_refused_logon_is_retried_with_backoff_and_never_logs_on(tmp_path: Path) -> None:
    pair = Pair(tmp_path, password="wrong")
    await pair.start_venue()
    try:
        initiator = pair.start_initiator()
        await until(lambda: initiator.connects >= 3)
        assert not initiator.logged_on and not pair.app.events
    finally:
        await pair.stop()


async def test_connects_once_the_venue_comes_up(tmp_path: Path) -> None:
    pair = Pair(tmp_path)
    venue = await pair.start_venue()
    port = venue.port
    await venue.stop(timeout_s=1.0)
    initiator = pair.start_initiator()
    await asyncio.sleep(0.2)
    assert initiator.connects == 0
    await pair.start_venue(port)
    try:
        await until(lambda: initiator.logged_on)
    finally:
        await pair.stop()


class RawServer:
    """A TCP server that answers each connection's first bytes with `answer(logon)` (nothing when None)."""

    def __init__(self, answer: Callable[[FixMessage], bytes | None]) -> None:
        self.answer = answer
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        framer = FixFramer()
        while not (framed := framer.feed(await reader.read(4096))).messages:
            pass
        reply = self.answer(framed.messages[0])
        if reply is not None:
            writer.write(reply)
        try:
            await reader.read()  # until the initiator closes
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


async def initiator_against(tmp_path: Path, server: RawServer, **config: Any) -> tuple[FixInitiator, RecordingApp]:
    port = await server.start()
    app = RecordingApp()
    initiator = FixInitiator(
        InitiatorConfig(SessionConfig("EMS", "VENUE"), port=port, reconnect_min_s=0.05, reconnect_max_s=0.1,
                        **config),
        tmp_path / "ems.db", RealClock(asyncio.get_running_loop()), app)
    initiator.start()
    return initiator, app


async def test_no_logon_answer_times_out_and_is_retried(tmp_path: Path) -> None:
    server = RawServer(lambda logon: None)
    initiator, app = await initiator_against(tmp_path, server, logon_timeout_s=0.1)
    try:
        await until(lambda: server.connections >= 2)
        assert not initiator.logged_on and not app.events
    finally:
        await initiator.stop()
        await server.stop()


@pytest.mark.parametrize(("sender", "target", "msg_type"), [("OTHER", "EMS", "A"), ("VENUE", "EMS", "0")])
async def test_a_logon_answer_from_the_wrong_compids_or_of_another_type_is_not_a_logon(
    tmp_path: Path, sender: str, target: str, msg_type: str
) -> None:
    def answer(logon: FixMessage) -> bytes:
        return frame(msg_type, 1, [(98, 0), (108, 30)] if msg_type == "A" else [], sender=sender, target=target)

    server = RawServer(answer)
    initiator, app = await initiator_against(tmp_path, server)
    try:
        await until(lambda: server.connections >= 2)
        assert not initiator.logged_on and not app.events
    finally:
        await initiator.stop()
        await server.stop()


async def test_the_logon_carries_password_heartbeat_and_reset(tmp_path: Path) -> None:
    seen: list[FixMessage] = []

    def answer(logon: FixMessage) -> bytes:
        seen.append(logon)
        return frame("A", 1, [(98, 0), (108, 7), (141, "Y")], sender="VENUE", target="EMS")

    server = RawServer(answer)
    port = await server.start()
    app = RecordingApp()
    initiator = FixInitiator(
        InitiatorConfig(SessionConfig("EMS", "VENUE", password="pw"), port=port, heartbeat_s=7, reset_seq_nums=True,
                        logout_timeout_s=0.2),
        tmp_path / "ems.db", RealClock(asyncio.get_running_loop()), app)
    initiator.start()
    try:
        await until(lambda: initiator.logged_on)
        [logon] = seen
        assert (logon.get(554), logon.get(108), logon.get(141), logon.get(34)) == (b"pw", b"7", b"Y", b"1")
        assert initiator.sequence_numbers() == (2, 2)
    finally:
        await initiator.stop()
        await server.stop()


async def test_a_burst_of_reports_in_one_read_enters_in_bounded_turns(pair: Pair) -> None:
    ends: list[int] = []  # messages handed over when each turn ended

    @contextlib.contextmanager
    def counted() -> Iterator[None]:
        yield
        ends.append(len(pair.app.messages))

    assert pair.acceptor is not None
    config = InitiatorConfig(SessionConfig("EMS", "VENUE", password="pw"), port=pair.acceptor.port,
                             reconnect_min_s=0.05, reconnect_max_s=0.2, logout_timeout_s=1.0)
    initiator = pair.initiator = FixInitiator(config, pair.tmp_path / "ems.db", RealClock(asyncio.get_running_loop()),
                                              pair.app, unit_of_work=counted, max_messages_per_turn=4)
    initiator.start()
    await until(lambda: initiator.logged_on)
    before = len(ends)
    for n in range(10):  # one turn of the venue: one write, one read on our side
        pair.acceptor.send(VENUE_SIDE, "8", [(11, f"C{n}"), *REPORT])
    await until(lambda: len(pair.app.messages) == 10)
    assert [m.get(11) for _, m in pair.app.messages] == [f"C{n}".encode() for n in range(10)]
    assert ends[before:] == [4, 8, 10]
    pair.acceptor.send(VENUE_SIDE, "8", [(11, "C10"), *REPORT])  # reading resumed once nothing waited
    await until(lambda: len(pair.app.messages) == 11)


def test_an_initiator_config_at_its_bounds_is_accepted() -> None:
    assert [InitiatorConfig(SessionConfig("EMS", "VENUE"), port=port).port for port in (1, 65_535)] == [1, 65_535]
    assert InitiatorConfig(SessionConfig("EMS", "VENUE"), port=9_000, heartbeat_s=1).heartbeat_s == 1
    same = InitiatorConfig(SessionConfig("EMS", "VENUE"), port=9_000, reconnect_min_s=2.0, reconnect_max_s=2.0)
    assert same.reconnect_min_s == same.reconnect_max_s  # a fixed reconnect delay


@pytest.mark.parametrize(("changes", "named"), [
    ({"port": 0}, "port must be 1..65535"), ({"port": 65_536}, "port must be 1..65535"),
    ({"heartbeat_s": 0}, "heartbeat_s must be at least 1"),
    ({"reconnect_min_s": 0.0}, "reconnect delays"),
    ({"reconnect_min_s": 5.0, "reconnect_max_s": 1.0}, "reconnect delays"),
])
def test_an_initiator_config_that_cannot_work_is_refused_naming_what(changes: dict[str, object], named: str) -> None:
    settings: dict[str, object] = {"port": 9_000, **changes}
    with pytest.raises(ValueError, match=named):
        InitiatorConfig(SessionConfig("EMS", "VENUE"), **settings)  # type: ignore[arg-type]

