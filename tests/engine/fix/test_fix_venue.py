"""FixVenue over loopback against our own acceptor serving a scripted venue (engine/venues/fix_host.py):
every report a venue can make crosses FIX both ways and arrives as the event the venue made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.clock import RealClock
from engine.fix.acceptor import FixAcceptor
from engine.fix.codec import FieldValue
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.initiator import InitiatorConfig
from engine.fix.store import SessionStore
from engine.model import ChildId, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues.fix_host import VenueFixHost
from engine.venues.fix_venue import FixVenue
from tests.engine.scripted_venue import ScriptedVenue
from tests.interop.qf_venue_runner import Recorder, until

VENUE = VenueId("LIT9")
HOST_SIDE = SessionId("FIX.4.4:LIT9->EMS")


def order(child: str, quantity: int = 300, price: str | None = "10.01") -> ev.ChildSubmitted:
    return ev.ChildSubmitted(0, ChildId(child), ParentId("P1"), VENUE, Symbol("AAPL"), Side.SELL, quantity,
                             None if price is None else Decimal(price),
                             OrdType.MARKET if price is None else OrdType.LIMIT, TimeInForce.DAY)


class TurnRecorder(Recorder):
    """A listener with the engine's `turn()`: it notes whether each report arrived inside a turn (where the
    engine stages it with the read's sequence numbers, committed together when the turn closes)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.outside_turn: list[ev.VenueOrderEvent] = []

    @contextmanager
    def turn(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def on_order_event(self, event: ev.VenueOrderEvent) -> None:
        super().on_order_event(event)
        if not self.depth:
            self.outside_turn.append(event)


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        loop = asyncio.get_running_loop()
        self.clock = RealClock(loop)
        self.scripted = ScriptedVenue(VENUE, self.clock)
        self.acceptor = FixAcceptor(AcceptorConfig(sessions=(SessionConfig(VENUE, "EMS"),), logout_timeout_s=1.0),
                                    tmp_path / "venue.db", self.clock, self._host())
        self.recorder = TurnRecorder()
        self.venue: FixVenue | None = None

    def _host(self) -> VenueFixHost:
        def send(session_id: SessionId, msg_type: str, fields: list[tuple[int, FieldValue]]) -> None:
            self.acceptor.send(session_id, msg_type, fields)

        host = VenueFixHost(self.scripted, HOST_SIDE, send, self.clock)
        self.scripted.connect(host)
        return host

    def fix_venue(self) -> FixVenue:
        config = InitiatorConfig(SessionConfig("EMS", VENUE), port=self.acceptor.port, reconnect_min_s=0.05,
                                 reconnect_max_s=0.2, logout_timeout_s=1.0)
        self.venue = FixVenue(VENUE, config, self.tmp_path / "ems.db", self.clock, wall_time_ns=time.time_ns)
        return self.venue


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = Rig(tmp_path)
    await rig.acceptor.start()
    venue = rig.fix_venue()
    venue.connect(rig.recorder)
    await until(lambda: venue.logged_on)
    yield rig
    await venue.aclose()
    await rig.acceptor.stop(timeout_s=1.0)


def kinds(recorder: Recorder, child: str) -> list[type]:
    return [type(e) for e in recorder.of(child)]


async def test_every_report_crosses_fix_as_the_venue_made_it(rig: Rig) -> None:
    venue, scripted, rec = rig.venue, rig.scripted, rig.recorder
    assert venue is not None
    venue.submit(order("C1"))
    venue.submit(order("C2", 200, None))
    await until(lambda: "C1" in scripted.submitted and "C2" in scripted.submitted)
    sent = scripted.submitted[ChildId("C1")]
    assert (sent.quantity, sent.price, sent.side, sent.ord_type, sent.tif) == (300, Decimal("10.01"), Side.SELL,
                                                                              OrdType.LIMIT, TimeInForce.DAY)
    assert scripted.submitted[ChildId("C2")].price is None
    scripted.ack(ChildId("C1"))
    scripted.fill(ChildId("C1"), 100, "10.01", fill_id="LIT9-F1")
    venue.replace(ChildId("C1"), 400, Decimal("10.02"))
    await until(lambda: scripted.replaces)
    assert scripted.replaces == [(ChildId("C1"), 400, Decimal("10.02"))]
    scripted._say(ev.ChildReplaced(0, ChildId("C1"), 400, Decimal("10.02")))
    venue.cancel(ChildId("C1"))
    await until(lambda: scripted.cancels)
    scripted.cancel_rejected(ChildId("C1"), "busy")
    scripted.canceled(ChildId("C1"), "venue closed it")
    scripted._say(ev.ChildRejected(0, ChildId("C2"), "no market orders"))
    await until(lambda: len(rec.events) == 6)
    assert kinds(rec, "C1") == [ev.ChildAccepted, ev.ChildFilled, ev.ChildReplaced, ev.ChildCancelRejected,
                                ev.ChildCanceled]
    accepted, fill, replaced, cancel_rejected, canceled = rec.of("C1")
    assert isinstance(accepted, ev.ChildAccepted) and accepted.venue_order_id == "LIT9-C1"
    assert isinstance(fill, ev.ChildFilled)
    assert (fill.fill_id, fill.quantity, fill.price, fill.fee, fill.parent_id, fill.venue) == (
        "LIT9-F1", 100, Decimal("10.01"), Decimal("0.300"), "P1", VENUE)
    assert isinstance(replaced, ev.ChildReplaced) and (replaced.quantity, replaced.price) == (400, Decimal("10.02"))
    assert isinstance(cancel_rejected, ev.ChildCancelRejected) and cancel_rejected.reason == "busy"
    assert isinstance(canceled, ev.ChildCanceled) and canceled.reason == "venue closed it"
    [rejected] = rec.of("C2")
    assert isinstance(rejected, ev.ChildRejected) and rejected.reason == "no market orders"
    assert not rec.outside_turn  # each read ran inside the listener's turn


async def test_status_known_unknown_and_expired(rig: Rig) -> None:
    venue, scripted, rec = rig.venue, rig.scripted, rig.recorder
    assert venue is not None
    venue.submit(order("C1"))
    await until(lambda: "C1" in scripted.submitted)
    scripted.ack(ChildId("C1"))
    venue.request_status([order("C1"), order("C5")])  # C5: the venue's host never saw it
    await until(lambda: scripted.status_requests == [ChildId("C1")] and rec.of("C5"))
    [unknown] = rec.of("C5")
    assert isinstance(unknown, ev.ChildStatusReported) and not unknown.known and unknown.status is None
    scripted.status(ChildId("C1"), known=True, status=OrdStatus.NEW, cum_qty=0, text="working")
    scripted._say(ev.ChildExpired(0, ChildId("C1"), "DAY order expired"))
    await until(lambda: len(rec.of("C1")) == 3)
    _, status, expired = rec.of("C1")
    assert isinstance(status, ev.ChildStatusReported) and (status.known, status.status) == (True, OrdStatus.NEW)
    assert isinstance(expired, ev.ChildExpired)


async def test_requests_while_the_session_is_down_are_refused_and_status_waits_for_the_logon(rig: Rig) -> None:
    venue, scripted, rec = rig.venue, rig.scripted, rig.recorder
    assert venue is not None
    venue.submit(order("C1"))
    await until(lambda: "C1" in scripted.submitted)
    await rig.acceptor.stop(timeout_s=1.0)  # the venue goes away
    await until(lambda: not venue.logged_on)
    assert [s.connected for s in rec.status] == [True, False]
    venue.submit(order("C2"))
    venue.cancel(ChildId("C1"))
    venue.replace(ChildId("C1"), 500, None)
    venue.request_status([order("C1")])
    await until(lambda: len(rec.events) == 3)
    assert kinds(rec, "C2") == [ev.ChildRejected]
    assert kinds(rec, "C1") == [ev.ChildCancelRejected, ev.ChildReplaceRejected]
    assert "not logged on" in str(rec.events[0])
    assert "C2" not in scripted.submitted
    port = rig.acceptor.port
    rig.acceptor = FixAcceptor(AcceptorConfig(sessions=(SessionConfig(VENUE, "EMS"),), port=port,
                                              logout_timeout_s=1.0), rig.tmp_path / "venue.db", rig.clock,
                               rig._host())
    await rig.acceptor.start()
    await until(lambda: venue.logged_on, 5.0)
    await until(lambda: rec.of("C1", ev.ChildStatusReported))  # the new host knows nothing: "unknown"
    assert [s.connected for s in rec.status] == [True, False, True]
    assert len(rec.of("C1", ev.ChildStatusReported)) == 1  # asked once, though both queued and live


async def test_a_read_and_its_sequence_number_are_committed_before_anything_is_sent(rig: Rig) -> None:
    venue, scripted = rig.venue, rig.scripted
    assert venue is not None
    venue.submit(order("C1"))
    await until(lambda: "C1" in scripted.submitted)
    peek = SessionStore(rig.tmp_path / "ems.db")  # another connection sees only committed data
    session_id = venue.initiator.session.session_id
    assert peek.seq_nums(session_id) == venue.sequence_numbers() == (3, 2)  # Logon, D out; Logon in
    assert [m.msg_type for m in peek.outbound(session_id, 1, 9)] == ["D"]
    peek.close()
    scripted.ack(ChildId("C1"))
    await until(lambda: rig.recorder.events)  # the read's handling ended with its commit
    peek = SessionStore(rig.tmp_path / "ems.db")
    assert peek.seq_nums(session_id) == (3, 3)
    peek.close()


async def test_reports_resent_again_after_our_numbers_went_back_are_applied_once(rig: Rig) -> None:
    venue, scripted, rec = rig.venue, rig.scripted, rig.recorder
    assert venue is not None
    venue.submit(order("C1"))
    await until(lambda: "C1" in scripted.submitted)
    scripted.ack(ChildId("C1"))
    scripted.fill(ChildId("C1"), 100, "10.01", fill_id="LIT9-F1")
    await until(lambda: len(rec.events) == 2)
    session = venue.initiator.session
    back_to = session.next_target_seq - 2  # as if the last commit had been lost: the venue resends both
    venue.initiator.store.set_next_target(session.session_id, back_to)
    venue.initiator.store.commit()
    session.reload()
    venue.initiator.drop()
    await until(lambda: not venue.logged_on)
    await until(lambda: venue.logged_on and venue.sequence_numbers()[1] > back_to + 2)
    scripted.canceled(ChildId("C1"))
    await until(lambda: rec.of("C1", ev.ChildCanceled))
    assert kinds(rec, "C1") == [ev.ChildAccepted, ev.ChildFilled, ev.ChildCanceled]
