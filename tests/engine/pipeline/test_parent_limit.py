"""No child leaves priced through its parent's limit, whatever the algo asks for or the router places: on the
real engine path (journal, risk, scripted venues), a buy parent limited at 100.00 in a 100.00 / 100.02 market."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.market import MarketView
from engine.model import Instrument, Side, TimeInForce, VenueId
from engine.pipeline.intent import ChildIntent, capped_at_limit
from engine.router import RouteDecision
from engine.routing.policies import ChildOrder
from engine.routing.policy import RoutingConfig
from engine.routing.router import SmartRouter
from engine.routing.venues import VenueFacts
from engine.views import ParentView
from tests.engine.risk.harness import Desk, limits

D = Decimal
MakeDesk = Callable[..., Desk]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[MakeDesk]:
    made: list[Desk] = []

    def make(**kw: object) -> Desk:
        made.append(Desk(tmp_path / f"journal{len(made)}.db", limits(), **kw))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for d in made:
        with contextlib.suppress(Exception):
            d.close()


def sent(d: Desk) -> list[tuple[str, int, Decimal | None, TimeInForce]]:
    return [(o.venue, o.quantity, o.price, o.tif) for o in d.sent()]


def test_capped_at_limit_by_side() -> None:
    assert capped_at_limit(D("100.05"), D("100.00"), Side.BUY) == D("100.00")
    assert capped_at_limit(D("99.95"), D("100.00"), Side.BUY) == D("99.95")
    assert capped_at_limit(D("99.95"), D("100.00"), Side.SELL) == D("100.00")
    assert capped_at_limit(D("100.05"), D("100.00"), Side.SELL) == D("100.05")
    assert capped_at_limit(None, D("100.00"), Side.BUY) == D("100.00")  # a market child takes the limit
    assert capped_at_limit(D("100.05"), None, Side.BUY) == D("100.05")  # no limit: as asked


def test_a_passive_child_asked_through_the_limit_rests_at_the_limit(desk: MakeDesk) -> None:
    d = desk()
    pid = d.parent(1000, limit="100.00")
    assert d.send(pid, 100, "100.05")
    assert sent(d) == [("LIT1", 100, D("100.00"), TimeInForce.DAY)]
    [decided] = d.journaled(ev.ChildDecided)
    assert decided.limit_price == D("100.00")
    assert "the algo asked 100.05: capped at the parent's limit 100.00" in decided.route_note
    sell = d.parent(1000, side=Side.SELL, symbol="MSFT", account="PM2", limit="50.02")
    assert d.send(sell, 100, "49.00")
    assert sent(d)[-1] == ("LIT1", 100, D("50.02"), TimeInForce.DAY)


def test_a_sweep_without_a_price_takes_only_what_the_limit_allows(desk: MakeDesk) -> None:
    d = desk()
    pid = d.parent(1000, limit="100.00")
    assert d.send(pid, 100, None, sweep=True) == []  # the ask is 100.02: nothing within 100.00
    assert d.send(pid, 100, "100.05", sweep=True) == []
    assert sent(d) == []
    wider = d.parent(1000, limit="100.02", account="PM2")
    assert d.send(wider, 100, None, sweep=True)
    assert [(q, p, tif) for _, q, p, tif in sent(d)] == [(100, D("100.02"), TimeInForce.IOC)]


class ThroughTheLimit(SmartRouter):
    """A faulty router: whatever it decides, one IOC 3 cents worse than the intent's price."""

    def decide(self, intent: ChildIntent, parent: ParentView, instrument: Instrument, market: MarketView,
               venues: Sequence[VenueId]) -> tuple[RouteDecision, list[ChildOrder]]:
        assert intent.price is not None
        worse = intent.price + parent.side.sign * D("0.03")
        return RouteDecision("faulty", (), (), "one IOC past the price"), [
            ChildOrder(VenueId("LIT1"), intent.quantity, worse, TimeInForce.IOC)]


def test_a_router_pricing_through_the_limit_is_capped_at_the_last_line(desk: MakeDesk) -> None:
    facts = {VenueId(v): VenueFacts(VenueId(v), False, D("-0.002"), D("0.003"), 0, 100.0) for v in ("LIT1", "LIT2")}
    d = desk(router=lambda clock: ThroughTheLimit(RoutingConfig(), facts, clock))
    pid = d.parent(1000, limit="100.00")
    assert d.send(pid, 100, "99.99")
    assert sent(d) == [("LIT1", 100, D("100.00"), TimeInForce.IOC)]  # 100.02 asked by the router
    [decided] = d.journaled(ev.ChildDecided)
    assert "LIT1 100 at 100.02 capped at the parent's limit 100.00" in decided.route_note
    free = d.parent(1000, account="PM2")  # no limit: the router's price stands
    assert d.send(free, 100, "99.99")
    assert sent(d)[-1] == ("LIT1", 100, D("100.02"), TimeInForce.IOC)


def test_an_intent_for_more_than_the_parent_may_still_send_is_cut_to_its_room(desk: MakeDesk) -> None:
    d = desk()
    pid = d.parent(1000)
    [first] = d.send(pid, 600, "100.00")
    d.venue_of(first).ack(first)
    assert d.send(pid, 600, "100.00")  # 600 out: only 400 may go
    d.send(pid, 600, "100.00", sweep=True)  # nothing left to send
    assert [o.quantity for o in d.sent()] == [600, 400]
    d.venue_of(first).fill(first, 100, "100.00")
    d.venue_of(first).canceled(first)  # 500 come back
    assert d.send(pid, 900, "100.00")
    assert [o.quantity for o in d.sent()] == [600, 400, 500]
