"""In flight never exceeds the parent's leaves: the router's children against a model of the store and
the venues, under any interleaving of intents, partial fills, cancels and cancel acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import events as ev
from engine.clock import VirtualClock
from engine.events import DecisionReason
from engine.model import ChildId, FillId, Liquidity, ParentId, Side
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.routing.inflight import InFlight, excess, excess_cancels, room
from engine.routing.policy import RoutingConfig
from engine.routing.router import SmartRouter
from engine.views import ParentView
from tests.engine.routing.helpers import AAPL, FACTS, INSTRUMENT, P1, VENUES, journal, parent, standard_market


@dataclass
class ModelChild:
    quantity: int
    filled: int = 0
    venue_done: bool = False  # the venue has ended it (filled, IOC rest or cancel acknowledged)
    cancel_requested: bool = False


@dataclass
class World:
    """The store and the venues as the router cannot see them; ports the router acts through."""

    policy: str
    quantity: int
    router: SmartRouter = field(init=False)
    children: dict[ChildId, ModelChild] = field(default_factory=dict)
    next_id: int = 1
    cum: int = 0

    def __post_init__(self) -> None:
        self.clock = VirtualClock(1_000_000_000_000)
        self.market = standard_market()
        self.router = SmartRouter(RoutingConfig(), FACTS, self.clock)
        self.router.attach(self, self.market)  # type: ignore[arg-type]

    # --- ports ---
    def parent(self, parent_id: ParentId) -> ParentView:
        working = sum(c.quantity - c.filled for c in self.children.values() if not c.venue_done)
        return replace(parent(self.quantity, routing=self.policy), cum_qty=self.cum,
                       leaves_qty=self.quantity - self.cum, working_qty=working)

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None, *,
                        reason: DecisionReason | None = None, target_qty: int | None = None) -> list[ChildId]:
        return self.send(ChildIntent(parent_id, IntentKind.SWEEP, quantity, limit, reason))

    def cancel_child(self, child_id: ChildId, reason: str) -> None:
        self.children[child_id].cancel_requested = True
        self.router.on_event(ev.ChildCancelRequested(0, child_id, reason))

    # --- the pipeline and the venues ---
    def send(self, intent: ChildIntent) -> list[ChildId]:
        decision, orders = self.router.decide(intent, self.parent(P1), INSTRUMENT, self.market, VENUES)
        if not orders:
            return []
        first = self.next_id

        class Counter:
            next_id = first

        ids = journal(self.router, decision.policy, decision.note, orders, Counter)  # type: ignore[arg-type]
        self.next_id = Counter.next_id
        for child_id, order in zip(ids, orders, strict=True):
            self.children[child_id] = ModelChild(order.quantity)
        return ids

    def live(self) -> list[ChildId]:
        return [cid for cid, c in self.children.items() if not c.venue_done]

    def fill(self, pick: int, share: float) -> None:
        live = self.live()
        if not live:
            return
        child_id = live[pick % len(live)]
        child = self.children[child_id]
        quantity = max(1, int((child.quantity - child.filled) * share))
        child.filled += quantity
        self.cum += quantity
        child.venue_done = child.filled == child.quantity
        self.router.on_event(ev.ChildFilled(0, FillId(f"F{self.cum}"), child_id, P1, VENUES[0], AAPL, Side.BUY,
                                            quantity, Decimal("190.01"), Decimal(0), Liquidity.REMOVED))

    def end(self, pick: int, acknowledged_only: bool) -> None:
        """The venue ends a child's rest: an IOC's remainder, or an acknowledged cancel."""
        live = [c for c in self.live() if self.children[c].cancel_requested or not acknowledged_only]
        if live:
            child_id = live[pick % len(live)]
            self.children[child_id].venue_done = True
            self.router.on_event(ev.ChildCanceled(0, child_id, "canceled"))

    def in_flight(self) -> int:
        return sum(c.quantity - c.filled for c in self.children.values() if not c.venue_done)


OPS = st.lists(st.one_of(
    st.tuples(st.just("passive"), st.integers(1, 4_000)),
    st.tuples(st.just("sweep"), st.integers(1, 4_000)),
    st.tuples(st.just("fill"), st.integers(0, 50), st.floats(0.0, 1.0)),
    st.tuples(st.just("ack"), st.integers(0, 50)),
    st.tuples(st.just("end"), st.integers(0, 50)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("shrink"), st.floats(0.0, 1.0)),
), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(policy=st.sampled_from(["PARALLEL", "SEQUENTIAL", "LIQUIDITY"]), quantity=st.integers(100, 3_000), ops=OPS)
def test_in_flight_never_exceeds_the_parents_leaves(policy: str, quantity: int, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    world = World(policy, quantity)
    for op in ops:
        kind = op[0]
        if kind in ("passive", "sweep"):
            intent_kind = IntentKind.PASSIVE if kind == "passive" else IntentKind.SWEEP
            price = Decimal("190.00") if kind == "passive" else Decimal("190.02")
            world.send(ChildIntent(P1, intent_kind, op[1], price, None))
        elif kind == "fill":
            world.fill(op[1], op[2])
        elif kind == "ack":
            world.end(op[1], acknowledged_only=True)
        elif kind == "end":
            world.end(op[1], acknowledged_only=False)
        elif kind == "shrink":  # the parent shrinks (a ticket cut): what stays out must fit its leaves at once
            world.quantity = max(world.cum, world.cum + int((world.quantity - world.cum) * op[1]))
            world.router.on_event(ev.ParentAmended(0, P1, world.quantity, None, 0))
            kept = sum(c.quantity - c.filled for c in world.children.values()
                       if not c.venue_done and not c.cancel_requested)
            assert world.cum + kept <= world.quantity
        else:
            live = world.live()
            if live:
                world.cancel_child(live[op[1] % len(live)], "algo cancel")
        assert world.cum + world.in_flight() <= quantity
        assert world.cum <= quantity


def test_parallel_excess_is_canceled_at_once_when_the_parent_shrinks() -> None:
    world = World("PARALLEL", 3_000)
    world.send(ChildIntent(P1, IntentKind.PASSIVE, 1_000, Decimal("190.00"), None))
    assert world.in_flight() == 2_000  # the slice of 1,000 over-posted twice across venues
    world.quantity = 1_200
    world.router.on_event(ev.ParentAmended(0, P1, 1_200, None, 0))
    requested = [c for c in world.children.values() if c.cancel_requested]
    kept = sum(c.quantity for c in world.children.values() if not c.cancel_requested)
    assert requested and kept <= 1_200
    assert next(iter(world.children.values())).cancel_requested is False  # newest go first


def test_room_and_excess_count_pending_cancels_as_still_in_flight() -> None:
    children = [InFlight(ChildId("A"), 300, False), InFlight(ChildId("B"), 200, True),
                InFlight(ChildId("C"), 400, False)]
    assert room(1_000, 100, 900) == 0 and room(1_000, 0, 300) == 700
    assert excess(800, 100, children) == 200
    # B's pending cancel covers the excess once acknowledged: nothing more to cancel
    assert excess_cancels(800, 100, children) == []
    assert excess_cancels(500, 100, children) == [ChildId("C")]
