"""OMS gateway fixtures: the engine of tests/engine/conftest.py, a fake FIX wire, an OMS message builder."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.fix.codec import FieldValue
from engine.fix.config import SessionId
from engine.fix.framing import FixMessage
from engine.fix_app.oms import OmsApplication
from engine.fix_app.orders import OmsOrderStore
from engine.model import OrdStatus, ParentId
from tests.engine.fix.helpers import message
from tests.engine.scripted_venue import ScriptedVenue

OMS1 = SessionId("FIX.4.4:EMS->OMS1")
OMS2 = SessionId("FIX.4.4:EMS->OMS2")


@dataclass
class Sent:
    session_id: SessionId
    msg_type: str
    pairs: list[tuple[int, FieldValue]]

    def __getitem__(self, tag: int) -> str:
        for t, value in self.pairs:
            if t == tag:
                return value.decode() if isinstance(value, bytes) else str(value)
        raise KeyError(tag)

    def get(self, tag: int) -> str | None:
        try:
            return self[tag]
        except KeyError:
            return None


@dataclass
class FakeWire:
    """Stands in for the FixAcceptor: records what the gateway sends."""

    sent: list[Sent] = field(default_factory=list)
    session_rejects: list[tuple[SessionId, int, str, int | None]] = field(default_factory=list)

    def send(self, session_id: SessionId, msg_type: str, fields: Sequence[tuple[int, FieldValue]]) -> bool:
        self.sent.append(Sent(session_id, msg_type, list(fields)))
        return True

    def send_reject(self, session_id: SessionId, ref_seq_num: int, text: str, *, ref_msg_type: str | None = None,
                    ref_tag: int | None = None, reason: int | None = None) -> bool:
        self.session_rejects.append((session_id, ref_seq_num, text, ref_tag))
        return True

    def take(self) -> list[Sent]:
        sent, self.sent = self.sent, []
        return sent

    def reports(self, cl_ord_id: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.msg_type == "8" and (cl_ord_id is None or s[11] == cl_ord_id)]


class Oms:
    """Builds what an OMS client would send on one session, with its own sequence numbers."""

    def __init__(self, app: OmsApplication, session_id: SessionId) -> None:
        self.app = app
        self.session_id = session_id
        self.client = session_id.rsplit("->", 1)[1]
        self._seq = itertools.count(1)

    def send(self, msg_type: str, fields: Sequence[tuple[int, FieldValue]], *, poss_dup: bool = False) -> None:
        self.app.on_message(self.session_id, self.message(msg_type, fields, poss_dup=poss_dup))

    def message(self, msg_type: str, fields: Sequence[tuple[int, FieldValue]], *, poss_dup: bool = False
                ) -> FixMessage:
        return message(msg_type, next(self._seq), fields, sender=self.client, poss_dup=poss_dup)

    def new_order(self, cl_ord_id: str, quantity: FieldValue = 1000, *, poss_dup: bool = False,
                  tags: dict[int, FieldValue | None] | None = None) -> None:
        """A market TWAP buy of AAPL until 09:40; `tags` overrides fields (None removes one)."""
        fields: dict[int, FieldValue | None] = {11: cl_ord_id, 55: "AAPL", 54: "1", 60: "19700101-09:30:00",
                                                38: quantity, 40: "1", 9100: "TWAP",
                                                126: "19700101-09:40:00"}
        self.send("D", _merged(fields, tags), poss_dup=poss_dup)

    def cancel(self, cl_ord_id: str, orig: str, *, tags: dict[int, FieldValue | None] | None = None) -> None:
        fields: dict[int, FieldValue | None] = {11: cl_ord_id, 41: orig, 55: "AAPL", 54: "1",
                                                60: "19700101-09:30:00"}
        self.send("F", _merged(fields, tags))

    def replace(self, cl_ord_id: str, orig: str, quantity: int, *,
                tags: dict[int, FieldValue | None] | None = None) -> None:
        fields: dict[int, FieldValue | None] = {11: cl_ord_id, 41: orig, 55: "AAPL", 54: "1",
                                                60: "19700101-09:30:00", 38: quantity, 40: "1"}
        self.send("G", _merged(fields, tags))


def _merged(fields: dict[int, FieldValue | None], tags: dict[int, FieldValue | None] | None
            ) -> list[tuple[int, FieldValue]]:
    fields.update(tags or {})
    return [(tag, value) for tag, value in fields.items() if value is not None]


@pytest.fixture
def wire() -> FakeWire:
    return FakeWire()


@pytest.fixture
def orders_path(tmp_path: Path) -> Path:
    return tmp_path / "fix-orders.db"


@pytest.fixture
def app(engine: Engine, wire: FakeWire, orders_path: Path) -> Iterator[OmsApplication]:
    application = OmsApplication(engine, OmsOrderStore(orders_path))
    application.attach(wire)
    yield application
    application.close()


@pytest.fixture
def oms1(app: OmsApplication) -> Oms:
    return Oms(app, OMS1)


@pytest.fixture
def oms2(app: OmsApplication) -> Oms:
    return Oms(app, OMS2)


def fill(engine: Engine, venue: ScriptedVenue, clock: VirtualClock, parent: ParentId, shares: int,
         price: str = "100.00") -> None:
    """Fill `shares` of the parent's working children (acking first), advancing time until it has some."""
    for _ in range(3700):
        for cid in engine.store.live_child_ids(parent):
            if engine.store.child(cid).status is OrdStatus.PENDING_NEW:
                venue.ack(cid)
            take = min(shares, engine.store.child(cid).leaves_qty)
            if take > 0:
                venue.fill(cid, take, price)
                shares -= take
            if shares == 0:
                return
        clock.advance(NS_PER_S)
    raise AssertionError(f"{shares} shares could not be filled")
