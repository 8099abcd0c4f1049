"""The FixVenue's quiet refusals (engine/venues/fix_venue.py, engine/venues/fix_messages.py), each shown by what
the adapter does over loopback against our own acceptor serving a scripted venue:

- a BusinessMessageReject naming no message, or a session Reject naming a number we never stored (our Logon,
  one beyond anything sent), refuses nothing and keeps the session up; one naming our order refuses that child;
- a session Reject of our order while no listener is attached is only logged (the session stays up);
- the venue's answers to our Logout, after its silence made it degraded, do not report it up again;
- OrderCancelReplaceRequest and OrderStatusRequest carry OrderID (37) once the venue has told it, not before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.clock import NS_PER_S, Clock, RealClock, VirtualClock
from engine.fix.acceptor import FixAcceptor
from engine.fix.codec import FieldValue
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import parse_fields
from engine.fix.initiator import InitiatorConfig
from engine.fix_app.tags import AppTag
from engine.model import ChildId, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.venues import fix_messages as fm
from engine.venues.fix_host import VenueFixHost
from engine.venues.fix_venue import FixVenue
from tests.engine.scripted_venue import ScriptedVenue
from tests.interop.qf_venue_runner import Recorder, until

VENUE = VenueId("LIT9")
HOST_SIDE = SessionId("FIX.4.4:LIT9->EMS")
C1 = ChildId("C1")
HEARTBEAT_S = 30


def order(child: str = "C1") -> ev.ChildSubmitted:
    return ev.ChildSubmitted(0, ChildId(child), ParentId("P1"), VENUE, Symbol("AAPL"), Side.SELL, 300,
                             Decimal("10.01"), OrdType.LIMIT, TimeInForce.DAY)


class Rig:
    """Our acceptor serving a ScriptedVenue (real clock), and a FixVenue (on `clock`) logged on to it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.host_clock = RealClock(asyncio.get_running_loop())
        self.scripted = ScriptedVenue(VENUE, self.host_clock)
        host = VenueFixHost(self.scripted, HOST_SIDE, self._host_send, self.host_clock)
        self.scripted.connect(host)
        self.acceptor = FixAcceptor(AcceptorConfig(sessions=(SessionConfig(VENUE, "EMS"),), logout_timeout_s=1.0),
                                    tmp_path / "venue.db", self.host_clock, host)
        self.recorder = Recorder()
        self.venue: FixVenue | None = None

    def _host_send(self, session_id: SessionId, msg_type: str, fields: list[tuple[int, FieldValue]]) -> None:
        self.acceptor.send(session_id, msg_type, fields)

    async def start(self, clock: Clock | None = None, *, listener: bool = True) -> FixVenue:
        """The FixVenue logged on; without `listener` its initiator is started alone (nobody to report to)."""
        await self.acceptor.start()
        config = InitiatorConfig(SessionConfig("EMS", VENUE), port=self.acceptor.port, heartbeat_s=HEARTBEAT_S,
                                 reconnect_min_s=0.05, reconnect_max_s=0.2, logout_timeout_s=1.0)
        self.venue = venue = FixVenue(VENUE, config, self.tmp_path / "ems.db", clock or self.host_clock,
                                      wall_time_ns=time.time_ns)
        if listener:
            venue.connect(self.recorder)
        else:
            venue.initiator.start()
        await until(lambda: venue.logged_on, 2.0, "logon")
        return venue

    async def submitted(self, venue: FixVenue, child: str = "C1") -> int:
        """Submit `child` and wait until the venue has it; the MsgSeqNum its NewOrderSingle went out with."""
        seq = venue.sequence_numbers()[0]
        venue.submit(order(child))
        await until(lambda: ChildId(child) in self.scripted.submitted, 2.0, "order at the venue")
        return seq

    def up_throughout(self, venue: FixVenue) -> bool:
        """Logged on over the first connection only, the listener told of nothing but that logon."""
        return venue.logged_on and venue.initiator.connects == 1 and [
            (s.connected, s.degraded) for s in self.recorder.status] == [(True, False)]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    if rig.venue is not None:
        await rig.venue.aclose()
    await rig.acceptor.stop(timeout_s=1.0)


async def test_a_business_reject_naming_no_message_refuses_nothing_and_keeps_the_session(rig: Rig) -> None:
    """35=j without RefSeqNum (45) or BusinessRejectRefID (379): logged only (fix_venue `_stored_request`)."""
    venue = await rig.start()
    await rig.submitted(venue)
    rig.acceptor.send(HOST_SIDE, "j", [(AppTag.REF_MSG_TYPE, "D"), (AppTag.BUSINESS_REJECT_REASON, 0),
                                       (AppTag.TEXT, "names nothing")])
    rig.scripted.ack(C1)  # sent after the reject: once it is here, the reject was handled
    await until(lambda: rig.recorder.of("C1"), 2.0, "the ack")
    assert [type(e) for e in rig.recorder.of("C1")] == [ev.ChildAccepted]
    assert rig.up_throughout(venue)


async def test_a_session_reject_of_a_number_we_never_stored_refuses_nothing(rig: Rig) -> None:
    """35=3 naming our Logon (admin: never stored) or a number beyond all we sent is logged only; one naming
    our NewOrderSingle refuses that child (fix_venue `_stored_request`, `if not stored`)."""
    venue = await rig.start()
    seq = await rig.submitted(venue)
    rig.acceptor.send_reject(HOST_SIDE, 1, "about your Logon")
    rig.acceptor.send_reject(HOST_SIDE, 999, "about nothing we sent")
    rig.acceptor.send_reject(HOST_SIDE, seq, "bad order")
    await until(lambda: rig.recorder.of("C1"), 2.0, "the order refused")
    [refused] = rig.recorder.of("C1")
    assert isinstance(refused, ev.ChildRejected) and refused.reason == "session reject: bad order"
    assert rig.up_throughout(venue)


async def test_a_session_reject_of_our_order_with_no_listener_attached_is_only_logged(rig: Rig) -> None:
    """The initiator started without `connect(listener)`: a Reject naming our order has nobody to tell, and the
    session carries on (fix_venue `_refused`, its `self._listener is None` half)."""
    venue = await rig.start(listener=False)
    seq = await rig.submitted(venue)
    rig.acceptor.send_reject(HOST_SIDE, seq, "bad order")
    rig.scripted.ack(C1)
    venue_next = rig.acceptor.session(HOST_SIDE).next_sender_seq
    await until(lambda: venue.sequence_numbers()[1] == venue_next, 2.0, "the reject and the ack handled")
    assert venue.logged_on and venue.initiator.connects == 1


async def test_answers_to_our_logout_from_a_silent_venue_do_not_report_it_up_again(rig: Rig) -> None:
    """The silence watch told while we are logging out (not logged on) changes no status (fix_venue
    `_on_silence`)."""
    clock = VirtualClock(time.time_ns())  # our side's session timers move only when told
    venue = await rig.start(clock)
    clock.advance(int(HEARTBEAT_S * 1.2 + 1) * NS_PER_S)  # silent past HeartBtInt x 1.2: TestRequest, degraded
    degraded = [(True, False), (True, True)]
    assert [(s.connected, s.degraded) for s in rig.recorder.status] == degraded
    await venue.aclose()  # the Logout leaves with the TestRequest: the venue answers both while we log out
    assert [(s.connected, s.degraded) for s in rig.recorder.status] == degraded


async def test_replace_and_status_request_carry_the_order_id_once_the_venue_told_it(rig: Rig) -> None:
    """OrderID (37) on G and H only after the venue's ack named it (fix_messages `replace`, `status_request`)."""
    venue = await rig.start()
    await rig.submitted(venue)
    sent: list[tuple[str, dict[int, bytes]]] = []

    def amend(quantity: int) -> None:
        first = venue.sequence_numbers()[0]
        venue.replace(C1, quantity, Decimal("10.02"))
        venue.request_status([order()])
        stored = venue.initiator.store.outbound(venue.initiator.session.session_id, first, first + 1)
        sent.extend((m.msg_type, dict(parse_fields(m.body))) for m in stored)

    amend(400)  # before the ack: no OrderID known
    rig.scripted.ack(C1)
    await until(lambda: rig.recorder.of("C1", ev.ChildAccepted), 2.0, "the ack")
    amend(500)
    assert [(t, f.get(AppTag.ORDER_ID)) for t, f in sent] == [("G", None), ("H", None), ("G", b"LIT9-C1"),
                                                             ("H", b"LIT9-C1")]
    assert all(f[AppTag.CL_ORD_ID].startswith(b"C1") for _, f in sent)


def test_order_id_is_written_only_when_known() -> None:
    """The builders themselves: 37 present with an OrderID, absent without one."""
    for order_id, expected in (("V1", "V1"), (None, None), ("", None)):
        replace = dict(fm.replace(order(), "C1.2", "C1", order_id, 400, Decimal("10.02"), "t"))
        status = dict(fm.status_request(order(), "C1.2", order_id))
        assert (replace.get(AppTag.ORDER_ID), status.get(AppTag.ORDER_ID)) == (expected, expected)
        assert replace[AppTag.CL_ORD_ID] == status[AppTag.CL_ORD_ID] == "C1.2"
