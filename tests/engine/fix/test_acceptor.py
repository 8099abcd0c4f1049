"""FixAcceptor over real loopback sockets: logon gate, routing per session, batching, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import NS_PER_S, VirtualClock
from engine.fix.acceptor import FixAcceptor, UnknownSession
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import FixFramer, FixMessage
from engine.fix.store import SessionStore
from tests.engine.fix.helpers import RecordingApp, frame, logon_fields

START = 1_704_187_800 * NS_PER_S
OMS1 = SessionId("FIX.4.4:EMS->OMS1")
OMS2 = SessionId("FIX.4.4:EMS->OMS2")
ORDER = [(11, "C1"), (55, "AAPL"), (54, 1), (60, "20240102-09:30:00"), (38, 100), (40, 1)]
TIMEOUT = 5.0


class EchoApp(RecordingApp):
    """Answers each NewOrderSingle with an ExecutionReport New on the same session."""

    acceptor: FixAcceptor

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        super().on_message(session_id, message)
        if message.msg_type == "D":
            self.acceptor.send(session_id, "8", [(11, message.get(11) or b""), (150, "0"), (39, "0")])


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.framer = FixFramer()
        self.inbox: list[FixMessage] = []

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    def send(self, *frames: bytes) -> None:
        self.writer.write(b"".join(frames))

    async def receive(self, count: int = 1) -> list[FixMessage]:
        async def fill() -> None:
            while len(self.inbox) < count:
                data = await self.reader.read(65536)
                assert data, f"connection closed with {len(self.inbox)}/{count} messages"
                self.inbox.extend(self.framer.feed(data).messages)

        await asyncio.wait_for(fill(), TIMEOUT)
        out, self.inbox = self.inbox[:count], self.inbox[count:]
        return out

    async def closed(self) -> bool:
        async def drain() -> None:
            while data := await self.reader.read(65536):
                self.inbox.extend(self.framer.feed(data).messages)

        await asyncio.wait_for(drain(), TIMEOUT)
        return True

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def acceptor(tmp_path: Path):
    config = AcceptorConfig(
        sessions=(SessionConfig("EMS", "OMS1", password="secret"), SessionConfig("EMS", "OMS2")),
        logon_timeout_s=1.0,
    )
    app = EchoApp()
    acc = FixAcceptor(config, tmp_path / "fix.db", VirtualClock(START), app, wall_time_ns=time.time_ns)
    app.acceptor = acc
    await acc.start()
    yield acc, app
    await acc.stop(timeout_s=1.0)


def _logon(sender: str = "OMS1", password: str | None = "secret", seq: int = 1) -> bytes:
    return frame("A", seq, logon_fields(password=password), sender=sender)


async def test_listens_on_loopback_on_an_ephemeral_port(acceptor):
    acc, _ = acceptor
    assert acc.config.host == "127.0.0.1" and acc.port > 0


async def test_logon_and_order_round_trip(acceptor):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    client.send(_logon(), frame("D", 2, ORDER, sender="OMS1"))
    logon, report = await client.receive(2)
    assert logon.msg_type == "A"
    assert report.msg_type == "8" and report.get(11) == b"C1" and report.get_int(34) == 2
    assert app.events == [("logon", OMS1)] and [m.get(11) for _, m in app.messages] == [b"C1"]
    assert acc.is_logged_on(OMS1) and not acc.is_logged_on(OMS2)
    client.close()


async def test_two_sessions_get_their_own_answers(acceptor):
    acc, _ = acceptor
    one, two = await Client.connect(acc.port), await Client.connect(acc.port)
    one.send(_logon("OMS1"), frame("D", 2, [(11, "A1"), *ORDER[1:]], sender="OMS1"))
    two.send(_logon("OMS2", password=None), frame("D", 2, [(11, "B1"), *ORDER[1:]], sender="OMS2"))
    _, report_one = await one.receive(2)
    _, report_two = await two.receive(2)
    assert (report_one.get(11), report_one.get(56)) == (b"A1", b"OMS1")
    assert (report_two.get(11), report_two.get(56)) == (b"B1", b"OMS2")
    one.close()
    two.close()


@pytest.mark.parametrize(
    "logon",
    [
        _logon(sender="INTRUDER"),
        frame("A", 1, logon_fields(), sender="OMS1", target="NOT_EMS"),
        frame("A", 1, logon_fields(), begin_string="FIX.4.2"),
        frame("A", 1, logon_fields(), sending_time="20010101-00:00:00"),  # SendingTime accuracy
        frame("A", 1, [(98, 0), (108, "x30"), (554, "secret")]),  # fails validation: nothing to reject it in
        frame("A", 1, logon_fields())[:-4] + b"000\x01",  # garbled (bad CheckSum)
    ],
    ids=["stranger", "wrong-target", "begin-string", "sending-time", "invalid", "garbled"],
)
async def test_a_bad_logon_is_disconnected_without_a_word(acceptor, logon):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    client.send(logon)
    assert await client.closed()
    assert client.inbox == [] and app.events == []


async def test_a_wrong_password_is_answered_with_a_logout_naming_it(acceptor):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    client.send(_logon(password="guess"))
    [logout] = await client.receive(1)
    assert logout.msg_type == "5" and "wrong Password (554)" in (logout.get_str(58) or "")
    assert await client.closed()
    assert app.events == []


async def test_stranger_leaves_no_trace_in_the_store(acceptor, tmp_path):
    acc, _ = acceptor
    client = await Client.connect(acc.port)
    client.send(_logon(sender="INTRUDER"))
    await client.closed()
    assert SessionStore(tmp_path / "fix.db").seq_nums(SessionId("FIX.4.4:EMS->INTRUDER")) == (1, 1)
    assert set(acc.session_ids) == {OMS1, OMS2}


async def test_first_message_other_than_logon_is_dropped(acceptor):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    client.send(frame("D", 1, ORDER))
    assert await client.closed()
    assert client.inbox == [] and app.messages == []


async def test_second_connection_for_a_live_session_is_refused(acceptor):
    acc, _ = acceptor
    first = await Client.connect(acc.port)
    first.send(_logon())
    await first.receive(1)
    second = await Client.connect(acc.port)
    second.send(_logon(seq=2))
    assert await second.closed()
    assert second.inbox == [] and acc.is_logged_on(OMS1)
    first.send(frame("1", 2, [(112, "still here")], sender="OMS1"))
    [heartbeat] = await first.receive(1)
    assert heartbeat.get(112) == b"still here"
    first.close()


async def test_garbled_frame_is_dropped_without_consuming_a_sequence_number(acceptor):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    good = frame("D", 2, ORDER, sender="OMS1")
    garbled = good[:-4] + b"000\x01" if not good.endswith(b"000\x01") else good[:-4] + b"001\x01"
    client.send(_logon(), garbled, good)
    _, report = await client.receive(2)
    assert report.msg_type == "8" and app.seqs() == [2]
    client.close()


async def test_send_to_offline_session_is_stored_and_unknown_session_raises(acceptor):
    acc, _ = acceptor
    assert acc.send(OMS2, "8", [(11, "X")]) is False
    with pytest.raises(UnknownSession):
        acc.send(SessionId("FIX.4.4:EMS->NOBODY"), "8", [])
    client = await Client.connect(acc.port)
    client.send(_logon("OMS2", password=None))
    [logon] = await client.receive(1)
    assert logon.get_int(34) == 2  # the stored report took number 1
    client.send(frame("2", 2, [(7, 1), (16, 0)], sender="OMS2"))
    [resent] = await client.receive(1)
    assert resent.get(11) == b"X" and resent.get(43) == b"Y" and resent.get_int(34) == 1
    client.close()


async def test_stop_logs_clients_out(acceptor):
    acc, app = acceptor
    client = await Client.connect(acc.port)
    client.send(_logon())
    await client.receive(1)

    async def answer_logout() -> None:
        [logout] = await client.receive(1)
        assert logout.msg_type == "5"
        client.send(frame("5", 2, sender="OMS1"))

    answering = asyncio.create_task(answer_logout())
    await acc.stop(timeout_s=TIMEOUT)
    await answering
    assert app.events == [("logon", OMS1), ("logout", OMS1)]


async def test_connection_without_logon_is_closed_after_the_logon_timeout(tmp_path):
    clock = VirtualClock(START)
    config = AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), logon_timeout_s=3.0)
    acc = FixAcceptor(config, tmp_path / "fix.db", clock, RecordingApp())
    await acc.start()
    client = await Client.connect(acc.port)
    for _ in range(500):  # the server accepts on a later loop turn (real socket)
        if acc.connection_count:
            break
        await asyncio.sleep(0.01)
    clock.advance(3 * NS_PER_S)
    assert await client.closed()
    await acc.stop()


async def test_state_is_committed_before_the_reply_is_on_the_wire(acceptor, tmp_path):
    acc, _ = acceptor
    client = await Client.connect(acc.port)
    client.send(_logon(), frame("D", 2, ORDER, sender="OMS1"))
    await client.receive(2)
    peek = SessionStore(tmp_path / "fix.db")  # another connection sees only committed data
    assert peek.seq_nums(OMS1) == (3, 3)
    assert [m.seq_num for m in peek.outbound(OMS1, 1, 9)] == [2]
    client.close()


class _CountedTurns:
    """A unit of work that records how many messages the app had seen when each turn ended."""

    def __init__(self, app: RecordingApp) -> None:
        self.app = app
        self.ends: list[int] = []

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        yield
        self.ends.append(len(self.app.messages))


async def _bounded_acceptor(tmp_path: Path, *sessions: SessionConfig) -> tuple[FixAcceptor, EchoApp, _CountedTurns]:
    """A started acceptor whose reads enter in turns of at most 4 messages, its turns counted."""
    app = EchoApp()
    turns = _CountedTurns(app)
    acc = FixAcceptor(AcceptorConfig(sessions=sessions, logon_timeout_s=1.0), tmp_path / "fix.db", VirtualClock(START),
                      app, wall_time_ns=time.time_ns, unit_of_work=turns, max_messages_per_turn=4)
    app.acceptor = acc
    await acc.start()
    return acc, app, turns


async def test_a_burst_in_one_read_enters_in_bounded_turns_with_the_loop_running_between_them(tmp_path):
    acc, app, turns = await _bounded_acceptor(tmp_path, SessionConfig("EMS", "OMS1", password="secret"))
    between: list[int] = []  # messages handed over when a callback scheduled during the first turn ran

    original = app.on_message

    def on_message(session_id: SessionId, message: FixMessage) -> None:
        original(session_id, message)
        if len(app.messages) == 1:
            asyncio.get_running_loop().call_soon(lambda: between.append(len(app.messages)))

    app.on_message = on_message  # type: ignore[method-assign]
    client = await Client.connect(acc.port)
    await asyncio.sleep(0)
    orders = [frame("D", 2 + n, [(11, f"C{n}"), *ORDER[1:]], sender="OMS1") for n in range(10)]
    client.send(_logon(), *orders)  # one write: one read on our side (11 messages, far below a socket buffer)
    answers = await client.receive(11)
    assert [m.get(11) for m in answers[1:]] == [f"C{n}".encode() for n in range(10)]  # all, in order
    assert [m.get_int(34) for m in answers] == list(range(1, 12))
    assert turns.ends == [3, 7, 10]  # the Logon and 3 orders, then 4, then 3: never more than 4 a turn
    assert between == [3]  # the loop ran other work after the first turn, before the second
    assert acc.store.seq_nums(OMS1) == (12, 12)
    client.send(*[frame("D", 12 + n, [(11, f"D{n}"), *ORDER[1:]], sender="OMS1") for n in range(5)])
    later = await client.receive(5)  # reading resumed once nothing waited
    assert [m.get(11) for m in later] == [f"D{n}".encode() for n in range(5)]
    assert turns.ends[3:] == [14, 15]
    client.close()
    await acc.stop(timeout_s=1.0)


async def test_another_sessions_order_that_arrives_during_a_burst_turn_goes_before_the_bursts_next_turn(tmp_path):
    acc, app, turns = await _bounded_acceptor(tmp_path, SessionConfig("EMS", "OMS1", password="secret"),
                                              SessionConfig("EMS", "OMS2"))
    other = await Client.connect(acc.port)
    other.send(_logon("OMS2", password=None))
    await other.receive(1)
    lone = frame("D", 2, [(11, "LONE"), *ORDER[1:]], sender="OMS2")
    original = app.on_message

    def on_message(session_id: SessionId, message: FixMessage) -> None:
        original(session_id, message)
        if message.get(11) == b"C0":
            other.send(lone)  # on the wire at once (an empty buffer is written through): ready at the next poll

    app.on_message = on_message  # type: ignore[method-assign]
    burst = await Client.connect(acc.port)
    await asyncio.sleep(0)
    burst.send(_logon(), *[frame("D", 2 + n, [(11, f"C{n}"), *ORDER[1:]], sender="OMS1") for n in range(10)])
    await burst.receive(11)
    await other.receive(1)
    handed = [m.get(11) for _, m in app.messages]
    assert handed.index(b"LONE") == 3, handed  # right after the burst's first turn (its Logon and 3 orders)
    assert turns.ends[-4:] == [3, 4, 8, 11]
    burst.close()
    other.close()
    await acc.stop(timeout_s=1.0)
