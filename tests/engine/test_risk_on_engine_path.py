"""Pre-trade risk on the real engine path: an algo's child that breaches a child limit is journaled as
`RiskBlocked`, never reaches the venue, and pauses its parent.

Each test runs a real `Engine` (virtual clock, scripted venue, journal in a temp dir) with a one-shot
algo that asks for exactly one child, so the child's quantity and price are the test's choice. Every
blocked case has a twin right at the limit that goes out, so a block can only come from the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from engine import events as ev
from engine.algos.base import Algo, AlgoContext
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ParentId, Side
from engine.risk import RiskLimits
from engine.views import ParentView
from tests.engine.conftest import INSTRUMENTS, OPEN_NS
from tests.engine.scripted_venue import ScriptedVenue

HOUR = 3600 * NS_PER_S
MID = Decimal("100.01")  # the scripted book below: 100.00 / 100.02

SendChild = Callable[[AlgoContext, ParentId], object]


def one_shot(send: SendChild) -> type[Algo]:
    """An algo that sends one child (as `send` says) on its first working wake, then does nothing."""

    class OneShot(Algo):
        name = "ONESHOT"

        def __init__(self, parent_id: ParentId, ctx: AlgoContext, params: Mapping[str, str]) -> None:
            super().__init__(parent_id, ctx, params)
            self.sent = False

        def target_qty(self, parent: ParentView, now_ns: int) -> int:
            return parent.quantity

        def evaluate(self, parent: ParentView, now_ns: int) -> None:
            if not self.sent:
                self.sent = True
                send(self.ctx, self.parent_id)

    return OneShot


def passive(quantity: int, price: str) -> SendChild:
    return lambda ctx, pid: ctx.send_passive(pid, quantity, Decimal(price))


def sweep(quantity: int, limit: str) -> SendChild:
    return lambda ctx, pid: ctx.send_aggressive(pid, quantity, Decimal(limit))


class Desk:
    """An engine with given child limits, a book on AAPL (100.00 / 100.02, 1,000 each side) and one venue."""

    def __init__(self, journal_path: Path, limits: RiskLimits, send: SendChild) -> None:
        self.clock = VirtualClock(OPEN_NS)
        self.venue = ScriptedVenue("LIT1", self.clock)
        self.engine = Engine(clock=self.clock, journal=Journal(journal_path), instruments=INSTRUMENTS,
                             venues=[self.venue], risk_limits=limits, algos={"ONESHOT": one_shot(send)})
        self.engine.start()
        self.venue.book("AAPL", "100.00", "100.02")

    def buy(self, quantity: int = 1000) -> ParentId:
        result = self.engine.submit_ticket(symbol="AAPL", side=Side.BUY, quantity=quantity, limit_price=None,
                                           algo="ONESHOT", end_ns=OPEN_NS + HOUR)
        assert result.accepted and result.parent_id is not None, result.reason
        return result.parent_id

    def journaled(self, kind: type[ev.Event]) -> list[ev.Event]:
        return [record for record in self.engine.journal.replay() if isinstance(record, kind)]


MakeDesk = Callable[[RiskLimits, SendChild], Desk]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[MakeDesk]:
    made: list[Desk] = []

    def make(limits: RiskLimits, send: SendChild) -> Desk:
        made.append(Desk(tmp_path / f"journal{len(made)}.db", limits, send))
        return made[-1]

    yield make
    for d in made:
        d.engine.close()


def assert_blocked_and_paused(d: Desk, pid: ParentId, rule: str, *words: str) -> None:
    blocked = d.journaled(ev.RiskBlocked)
    assert len(blocked) == 1, blocked
    event = blocked[0]
    assert isinstance(event, ev.RiskBlocked)
    assert (event.parent_id, event.rule) == (pid, rule)
    assert all(word in event.reason for word in words), event.reason
    assert d.venue.submitted == {}, "a blocked child must not reach the venue"
    assert d.engine.children(pid) == []
    assert d.engine.store.parent(pid).paused
    paused = [e for e in d.journaled(ev.ParentPaused) if isinstance(e, ev.ParentPaused) and e.parent_id == pid]
    assert paused and paused[0].reason == f"risk: {event.reason}"


def assert_sent(d: Desk, pid: ParentId, quantity: int, price: str) -> None:
    assert d.journaled(ev.RiskBlocked) == []
    assert [(o.quantity, o.price) for o in d.venue.submitted.values()] == [(quantity, Decimal(price))]
    assert not d.engine.store.parent(pid).paused


def test_child_over_max_child_qty_is_journaled_blocked_sent_nowhere_and_pauses_the_parent(desk: MakeDesk) -> None:
    limits = RiskLimits(max_child_qty=100)
    at_limit = desk(limits, passive(100, "100.00"))
    assert_sent(at_limit, at_limit.buy(), 100, "100.00")

    over = desk(limits, passive(101, "100.00"))
    pid = over.buy()
    assert_blocked_and_paused(over, pid, "max_child_qty", "101", "100")


def test_sweep_child_over_max_child_qty_is_blocked_before_the_venue(desk: MakeDesk) -> None:
    over = desk(RiskLimits(max_child_qty=100), sweep(150, "100.02"))
    pid = over.buy()
    assert_blocked_and_paused(over, pid, "max_child_qty", "150", "100")


def test_child_over_max_child_notional_is_journaled_blocked_sent_nowhere_and_pauses_the_parent(desk: MakeDesk) -> None:
    limits = RiskLimits(max_child_notional=Decimal("10000"))
    at_limit = desk(limits, passive(100, "100.00"))  # 100 x 100.00 = 10,000.00: exactly the limit
    assert_sent(at_limit, at_limit.buy(), 100, "100.00")

    over = desk(limits, passive(101, "100.00"))  # 10,100.00
    pid = over.buy()
    assert_blocked_and_paused(over, pid, "max_child_notional", "10,100.00", "10,000.00")


def test_child_priced_outside_the_band_is_journaled_blocked_sent_nowhere_and_pauses_the_parent(desk: MakeDesk) -> None:
    limits = RiskLimits(price_band_pct=Decimal("1"))  # band around mid 100.01: +/- 1.0001
    inside = desk(limits, passive(10, "99.01"))  # 1.00 below the mid
    assert_sent(inside, inside.buy(), 10, "99.01")

    outside = desk(limits, passive(10, "99.00"))  # 1.01 below the mid
    pid = outside.buy()
    assert_blocked_and_paused(outside, pid, "price_band", "99.00", "1%", str(MID))
