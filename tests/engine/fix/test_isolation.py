"""Sessions cannot hurt each other: an application failure, a store failure or a peer that stops reading
closes that one connection; the other session keeps trading over its own socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine.clock import NS_PER_S, VirtualClock
from engine.fix import transport as transport_module
from engine.fix.acceptor import FixAcceptor
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import FixMessage
from tests.engine.fix.helpers import RecordingApp, frame, logon_fields
from tests.engine.fix.test_acceptor import Client

OMS1 = SessionId("FIX.4.4:EMS->OMS1")
OMS2 = SessionId("FIX.4.4:EMS->OMS2")
ORDER = [(21, "1"), (38, 100), (40, "1"), (54, "1"), (55, "AAPL"), (60, "20240102-09:30:00")]


class TroubleApp(RecordingApp):
    """Echoes each order as an ExecutionReport; orders with ClOrdID BOOM make it raise, FLOOD make it send a lot."""

    acceptor: FixAcceptor

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        super().on_message(session_id, message)
        cl_ord_id = message.get(11) or b""
        if cl_ord_id == b"BOOM":
            raise RuntimeError("application bug")
        copies = 400 if cl_ord_id == b"FLOOD" else 1
        for _ in range(copies):
            self.acceptor.send(session_id, "8", [(11, cl_ord_id), (58, "x" * (60_000 if copies > 1 else 1))])


@pytest.fixture
async def desk(tmp_path: Path):
    config = AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"), SessionConfig("EMS", "OMS2")))
    app = TroubleApp()
    errors: list[tuple[SessionId, str]] = []
    acc = FixAcceptor(config, tmp_path / "fix.db", VirtualClock(time.time_ns()), app, wall_time_ns=time.time_ns,
                      on_error=lambda sid, reason: errors.append((sid, reason)))
    app.acceptor = acc
    await acc.start()
    one, two = await Client.connect(acc.port), await Client.connect(acc.port)
    one.send(frame("A", 1, logon_fields(password=None), sender="OMS1"))
    two.send(frame("A", 1, logon_fields(password=None), sender="OMS2"))
    await one.receive(1)
    await two.receive(1)
    yield acc, one, two, errors
    one.close()
    two.close()
    await acc.stop(timeout_s=1.0)


async def order_round_trip(client: Client, sender: str, seq: int, cl_ord_id: str) -> FixMessage:
    client.send(frame("D", seq, [(11, cl_ord_id), *ORDER], sender=sender))
    [report] = await client.receive(1)
    return report


async def test_an_application_failure_closes_only_its_own_session(desk):
    acc, one, two, errors = desk
    one.send(frame("D", 2, [(11, "BOOM"), *ORDER], sender="OMS1"))
    [logout] = await one.receive(1)
    assert logout.msg_type == "5" and await one.closed()
    assert [sid for sid, _ in errors] == [OMS1] and "application bug" in errors[0][1]
    report = await order_round_trip(two, "OMS2", 2, "FINE")
    assert report.get(11) == b"FINE" and acc.is_logged_on(OMS2) and not acc.is_logged_on(OMS1)
    assert acc.session(OMS1).next_target_seq == 2  # the order comes again after the next logon


async def test_a_store_failure_closes_only_the_session_whose_rows_fail(desk, monkeypatch):
    acc, one, two, errors = desk
    store = acc.store
    original = store.write_pending

    def failing(conn):  # the ledger refuses any turn holding a row of OMS1's (e.g. "string or blob too big")
        if any(row[0] == OMS1 for row in store._pending):
            raise OSError("disk refused OMS1's row")
        original(conn)

    monkeypatch.setattr(store, "write_pending", failing)
    one.send(frame("D", 2, [(11, "LOST"), *ORDER], sender="OMS1"))
    assert await one.closed()
    assert one.inbox == []  # nothing that was not committed went out
    assert [sid for sid, _ in errors] == [OMS1] and "disk refused" in errors[0][1]
    report = await order_round_trip(two, "OMS2", 2, "FINE")
    assert report.get(11) == b"FINE"
    assert acc.session(OMS1).next_target_seq == 2 and acc.session(OMS1).next_sender_seq == 2
    assert store.seq_nums(OMS2) == (3, 3)


async def test_a_failing_commit_of_another_sessions_rows_closes_that_session_too(desk, monkeypatch):
    acc, one, two, errors = desk
    store = acc.store
    original = store.write_pending
    acc.send(OMS1, "8", [(11, "STAGED"), (58, "a report OMS1 never gets: its row cannot be written")])

    def failing(conn):
        if any(row[0] == OMS1 for row in store._pending):
            raise OSError("disk refused OMS1's row")
        original(conn)

    monkeypatch.setattr(store, "write_pending", failing)
    two.send(frame("D", 2, [(11, "FINE"), *ORDER], sender="OMS2"))  # this read's commit holds OMS1's row too
    assert await one.closed() and one.inbox == []
    assert [sid for sid, _ in errors] == [OMS1]
    [fine] = await two.receive(1)
    assert fine.get(11) == b"FINE"
    report = await order_round_trip(two, "OMS2", 3, "STILL")
    assert report.get(11) == b"STILL" and acc.is_logged_on(OMS2)


async def test_a_peer_that_stops_reading_is_dropped_and_the_other_goes_on(desk, monkeypatch):
    acc, one, two, errors = desk
    monkeypatch.setattr(transport_module, "MAX_WRITE_BUFFER_BYTES", 1 << 20)
    one.send(frame("D", 2, [(11, "FLOOD"), *ORDER], sender="OMS1"))  # ~24 MB of reports it never reads
    for _ in range(500):
        if [sid for sid, _ in errors] == [OMS1]:
            break
        await asyncio.sleep(0.01)
    assert [sid for sid, _ in errors] == [OMS1] and "stopped reading" in errors[0][1]
    report = await order_round_trip(two, "OMS2", 2, "FINE")
    assert report.get(11) == b"FINE" and not acc.is_logged_on(OMS1)


async def test_a_stale_logon_timer_does_not_touch_a_later_session(tmp_path):
    clock = VirtualClock(time.time_ns())
    config = AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"),), logon_timeout_s=3.0)
    acc = FixAcceptor(config, tmp_path / "fix.db", clock, RecordingApp(), wall_time_ns=time.time_ns)
    await acc.start()
    client = await Client.connect(acc.port)
    client.send(frame("A", 1, logon_fields(password=None), sender="OMS1"))
    await client.receive(1)
    clock.advance(3 * NS_PER_S)
    assert acc.is_logged_on(OMS1)
    client.close()
    await acc.stop(timeout_s=1.0)


async def test_a_turn_that_fails_to_commit_closes_the_session_whose_read_it_was(tmp_path):
    trouble: list[str] = []

    @contextmanager
    def turn() -> Iterator[None]:  # the engine's turn: its commit raises after the read was handled
        yield
        if trouble:
            raise OSError(trouble.pop())

    config = AcceptorConfig(sessions=(SessionConfig("EMS", "OMS1"), SessionConfig("EMS", "OMS2")))
    app = TroubleApp()
    errors: list[tuple[SessionId, str]] = []
    acc = FixAcceptor(config, tmp_path / "fix.db", VirtualClock(time.time_ns()), app, wall_time_ns=time.time_ns,
                      unit_of_work=turn, on_error=lambda sid, reason: errors.append((sid, reason)))
    app.acceptor = acc
    await acc.start()
    one, two = await Client.connect(acc.port), await Client.connect(acc.port)
    one.send(frame("A", 1, logon_fields(password=None), sender="OMS1"))
    two.send(frame("A", 1, logon_fields(password=None), sender="OMS2"))
    await one.receive(1)
    await two.receive(1)
    trouble.append("journal commit failed")
    one.send(frame("D", 2, [(11, "LOST"), *ORDER], sender="OMS1"))
    assert await one.closed() and one.inbox == []  # its turn did not commit: nothing of it went out
    assert errors == [(OMS1, "OSError: journal commit failed")]
    assert acc.session(OMS1).next_target_seq == 2  # the order comes again after the next logon
    report = await order_round_trip(two, "OMS2", 2, "FINE")
    assert report.get(11) == b"FINE"
    one.close()
    two.close()
    await acc.stop(timeout_s=1.0)


@pytest.mark.parametrize("per_turn", [0, -1])
def test_a_connection_must_take_at_least_one_message_a_turn(per_turn: int) -> None:
    with pytest.raises(ValueError, match="max_messages_per_turn must be at least 1"):
        transport_module.BatchedConnection(per_turn)  # 0 a turn would never get through a read
    transport_module.BatchedConnection(1)  # one a turn is slow, but it works


class _Transport:
    """Just what `write_or_drop` asks of a transport: a write buffer of a given size, and abort."""

    def __init__(self, waiting: int) -> None:
        self.waiting, self.written, self.aborted = waiting, b"", False

    def write(self, data: bytes) -> None:
        self.written += data

    def get_write_buffer_size(self) -> int:
        return self.waiting

    def abort(self) -> None:
        self.aborted = True


@pytest.mark.parametrize(("waiting", "kept"), [(transport_module.MAX_WRITE_BUFFER_BYTES, True),
                                               (transport_module.MAX_WRITE_BUFFER_BYTES + 1, False)])
def test_a_peer_is_dropped_only_past_the_write_buffer_bound(waiting: int, kept: bool) -> None:
    transport, pending = _Transport(waiting), [b"8=FIX.4.4\x01"]
    assert transport_module.write_or_drop(transport, pending, "peer", None) is kept  # type: ignore[arg-type]
    assert transport.aborted is not kept and transport.written == b"8=FIX.4.4\x01" and pending == []
