"""A small world for router tests: a market view fed by hand, parents as the store would show them, and
ports that record what the router asks for (and can route a continuation straight back through it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from engine import events as ev
from engine.clock import VirtualClock
from engine.events import DecisionReason
from engine.market import MarketView
from engine.model import ChildId, Instrument, OrdStatus, OrdType, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.routing.policies import ChildOrder
from engine.routing.policy import RoutingConfig
from engine.routing.router import SmartRouter
from engine.routing.venues import VenueFacts
from engine.views import ParentView

S = 1_000_000_000
AAPL = Symbol("AAPL")
INSTRUMENT = Instrument(AAPL, Decimal("0.01"), 1)
LIT1, LIT2, LIT3, DARK1 = (VenueId(v) for v in ("LIT1", "LIT2", "LIT3", "DARK1"))
VENUES = [LIT1, LIT2, LIT3, DARK1]
FACTS = {
    LIT1: VenueFacts(LIT1, False, Decimal("-0.0020"), Decimal("0.0030"), 0, 150.0),
    LIT2: VenueFacts(LIT2, False, Decimal("0.0010"), Decimal("-0.0005"), 0, 250.0),
    LIT3: VenueFacts(LIT3, False, Decimal("-0.0005"), Decimal("0.0010"), 0, 600.0),
    DARK1: VenueFacts(DARK1, True, Decimal("0.0010"), Decimal("0.0010"), 200, 300.0),
}
P1 = ParentId("P1")

Level = tuple[str, int]


def book(market: MarketView, venue: VenueId, bids: Sequence[Level], asks: Sequence[Level], ts: int = 0) -> None:
    market.on_book(ev.BookUpdated(ts, venue, AAPL, tuple((Decimal(p), q) for p, q in bids),
                                  tuple((Decimal(p), q) for p, q in asks)))


def standard_market() -> MarketView:
    """190.00 / 190.01 on every lit venue, LIT1 deepest, LIT3 thinnest."""
    market = MarketView()
    book(market, LIT1, [("190.00", 900), ("189.99", 900)], [("190.01", 800), ("190.02", 900)])
    book(market, LIT2, [("190.00", 500), ("189.99", 500)], [("190.01", 400), ("190.02", 500)])
    book(market, LIT3, [("190.00", 200), ("189.99", 300)], [("190.01", 300), ("190.02", 300)])
    return market


def parent(quantity: int = 1_000, *, cum: int = 0, working: int = 0, side: Side = Side.BUY,
           routing: str | None = None, limit: str | None = None) -> ParentView:
    params = (("routing", routing),) if routing else ()
    return ParentView(P1, AAPL, side, quantity, None if limit is None else Decimal(limit), "TWAP", params, 0,
                      3_600 * S, OrdStatus.NEW, cum, quantity - cum, None, None, working, 0, False, 0, 0, "")


def passive(quantity: int, price: str = "190.00") -> ChildIntent:
    return ChildIntent(P1, IntentKind.PASSIVE, quantity, Decimal(price), DecisionReason.PASSIVE_SLICE)


def sweep(quantity: int, limit: str | None = "190.02") -> ChildIntent:
    return ChildIntent(P1, IntentKind.SWEEP, quantity, None if limit is None else Decimal(limit),
                       DecisionReason.CATCH_UP_SWEEP)


@dataclass
class Ports:
    """Records cancels; a continuation is routed back through the router and 'submitted' at once."""

    router: SmartRouter
    market: MarketView
    view: ParentView
    cancels: list[tuple[ChildId, str]] = field(default_factory=list)
    continued: list[list[ChildOrder]] = field(default_factory=list)
    next_id: int = 100

    def parent(self, parent_id: ParentId) -> ParentView:
        return self.view

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None, *,
                        reason: DecisionReason | None = None, target_qty: int | None = None) -> list[ChildId]:
        intent = ChildIntent(parent_id, IntentKind.SWEEP, quantity, limit, reason)
        decision, children = self.router.decide(intent, self.view, INSTRUMENT, self.market, VENUES)
        self.continued.append(children)
        return journal(self.router, decision.policy, decision.note, children, self)

    def cancel_child(self, child_id: ChildId, reason: str) -> None:
        self.cancels.append((child_id, reason))


def journal(router: SmartRouter, policy: str, note: str, children: Sequence[ChildOrder], ports: Ports,
            ts: int = 0) -> list[ChildId]:
    """What the pipeline journals for a decision (ChildDecided, then each ChildSubmitted), told to the router."""
    ids = []
    for _ in children:
        ids.append(ChildId(f"C{ports.next_id}"))
        ports.next_id += 1
    router.on_event(ev.ChildDecided(ts, "D", P1, "TWAP", DecisionReason.PASSIVE_SLICE, "passive", 0, None, None, 0,
                                    0, None, None, 0, 0, policy, (), note, tuple(ids)))
    for child_id, child in zip(ids, children, strict=True):
        router.on_event(ev.ChildSubmitted(ts, child_id, P1, child.venue, AAPL, Side.BUY, child.quantity, child.price,
                                          OrdType.LIMIT, child.tif))
    return ids


def make_router(config: RoutingConfig | None = None, view: ParentView | None = None,
                market: MarketView | None = None) -> tuple[SmartRouter, Ports, VirtualClock]:
    clock = VirtualClock(1_000 * S)
    router = SmartRouter(config or RoutingConfig(), FACTS, clock)
    ports = Ports(router, market or standard_market(), view or parent())
    router.attach(ports, ports.market)
    return router, ports, clock


def route(router: SmartRouter, ports: Ports, intent: ChildIntent) -> tuple[ev.ChildDecided | None, list[ChildOrder],
                                                                           list[ChildId]]:
    decision, children = router.decide(intent, ports.view, INSTRUMENT, ports.market, VENUES)
    ids = journal(router, decision.policy, decision.note, children, ports) if children else []
    return None, children, ids


def with_working(view: ParentView, working: int, cum: int | None = None) -> ParentView:
    cum = view.cum_qty if cum is None else cum
    return replace(view, working_qty=working, cum_qty=cum, leaves_qty=view.quantity - cum)


IOC, DAY = TimeInForce.IOC, TimeInForce.DAY
