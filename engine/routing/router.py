"""The smart order router: the child pipeline's routing stage, and the trackers that follow its children.

`decide` (called inside the pipeline's turn) builds a `Situation` from the parent, the consolidated book
and the scorecard, picks the policy (the parent's `routing` parameter, the configured default, or AUTO
by the intent) and returns the policy's `RouteDecision` and children, never more than the parent may
still send. After each turn commits, `on_event` follows the children the decisions listed:

- sequential resting children still unfilled after the timeout are canceled (the algo re-posts and the
  next post goes to the next venue of the rotation); a sequential take that leaves a rest is continued
  at once on the next venue of its ranking, and a dark ping before a sweep is continued lit;
- parallel and split groups cancel their excess the moment their slice is filled;
- a parent with more out than its leaves (it shrank) has its newest children canceled.

The slice a group works and a sequential rest's time are journaled with the decision (`ChildDecided`), so
after a restart `resume` follows the live children again as before.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

from engine import events as ev
from engine.clock import NS_PER_S, Clock, TimerHandle
from engine.events import DecisionReason
from engine.market import MarketView
from engine.model import ChildId, Instrument, OrdStatus, ParentId, Side, TimeInForce, VenueId
from engine.pipeline.intent import ChildIntent, IntentKind
from engine.router import RouteDecision
from engine.routing import policies
from engine.routing.inflight import InFlight, excess_cancels
from engine.routing.outflow import OutflowTracker
from engine.routing.placements import PlacementMemo
from engine.routing.policies import POLICY_TEXT, ChildOrder, Plan, Situation, Stage
from engine.routing.policy import RoutingConfig, RoutingPolicy, policy_of
from engine.routing.ranking import VenueCost, VenueCosts, venue_cost
from engine.routing.scorecard import Scorecard
from engine.routing.scorecard_feed import LEARNED_FROM, ChildLookup, FillLookup, ScorecardFeed
from engine.routing.split import Solver, split
from engine.routing.venues import VenueFacts, lit_and_dark
from engine.views import ChildView, ParentView

RETAKE_PAUSE_NS = NS_PER_S
"""After a split's market part found the touch gone, the next splits of that parent only rest for this long."""
CANCEL_RETRY_NS = NS_PER_S
"""A cancel of ours the venue refused is asked again after this long, while its reason holds..."""
CANCEL_ASKS = 3
"""...at most this many times in all (a refusal that persists is the venue's answer: the trader sees each)."""


class RouterPorts(Protocol):
    """What the router may do after a decision: read a parent, continue a sweep, cancel a child."""

    def parent(self, parent_id: ParentId) -> ParentView: ...

    def send_aggressive(self, parent_id: ParentId, quantity: int, limit: Decimal | None, *,
                        reason: DecisionReason | None = None, target_qty: int | None = None) -> list[ChildId]: ...

    def cancel_child(self, child_id: ChildId, reason: str) -> None: ...


@dataclass(slots=True)
class _Group:
    """The children of one decision."""

    parent_id: ParentId
    plan: Plan
    limit: Decimal | None
    reason: DecisionReason | None
    chained: bool  # continue the rest when every child is done
    children: list[ChildId] = field(default_factory=list)
    live: int = 0
    filled: int = 0


@dataclass(slots=True)
class _Child:
    group: _Group
    order: ChildOrder
    filled: int = 0
    cancel_pending: bool = False
    cancel_reason: str = ""  # why we asked to cancel it ("": we did not)
    cancel_asks: int = 0


class SmartRouter:
    """Sequential, parallel and liquidity-seeking routing over lit and dark venues (see module doc)."""

    def __init__(self, config: RoutingConfig, facts: Mapping[VenueId, VenueFacts], clock: Clock, *,
                 scorecard: Scorecard | None = None, feed: ScorecardFeed | None = None,
                 solver: Solver | None = None) -> None:
        self.config = config
        self.facts = dict(facts)
        self.scorecard = feed.scorecard if feed is not None else (scorecard or Scorecard())
        self.feed = feed
        """Learns the scorecard from the same events the router follows (None: the scorecard stays as given)."""
        self.outflow = OutflowTracker(config.ck_horizon_s, config.ck_history_windows, config.ck_min_windows)
        self._clock = clock
        self._solver = solver or PlacementMemo(random.Random(config.seed), config.ck_iterations)
        self._ports: RouterPorts | None = None
        self._pending: dict[ParentId, deque[tuple[Plan, Decimal | None, DecisionReason | None, bool]]] = {}
        self._binding: dict[ChildId, _Group] = {}
        self._children: dict[ChildId, _Child] = {}
        self._by_parent: dict[ParentId, dict[ChildId, _Child]] = {}
        self._timers: dict[ChildId, TimerHandle] = {}
        self._retries: dict[ChildId, TimerHandle] = {}
        self._tried: dict[ParentId, set[VenueId]] = {}
        self._last_ping: dict[ParentId, int] = {}
        self._missed_take: dict[ParentId, int] = {}
        self._continuing: dict[ParentId, _Group] = {}
        self._down: set[VenueId] = set()
        self.decisions = 0

    def attach(self, ports: RouterPorts, market: MarketView, fills: FillLookup | None = None) -> None:
        """What the router acts through after its decisions, the market its markouts read, and the booked
        executions its scorecard unlearns when a venue busts one."""
        self._ports = ports
        if self.feed is not None:
            self.feed.mid = market.mid
            self.feed.fills = fills
            self.feed.start()

    def catch_up(self, opened: ChildLookup) -> int:
        """After a restart: the scorecard learns what the journal holds past its last snapshot."""
        return self.feed.catch_up(opened) if self.feed is not None else 0

    def resume(self, decisions: Mapping[ChildId, ev.ChildDecided], child: Callable[[ChildId], ChildView]) -> int:
        """After a restart: follow again the live children whose decisions asked for it (the store keeps those,
        `OrderStore.followed_decisions`), as the recovered store has them. A slice already filled (the kill
        came between its last fill and the cancels) has its live rest canceled at once; a sequential rest gets
        what is left of its time, and is re-routed at once when none is. Returns the children followed."""
        now = self._clock.now_ns()
        groups: dict[str, _Group] = {}
        for child_id, decided in decisions.items():
            view = child(child_id)
            if view.status.is_terminal or child_id in self._children:
                continue
            group = groups.get(decided.decision_id)
            if group is None:
                group = groups[decided.decision_id] = _Group(decided.parent_id, _resumed_plan(decided),
                                                             decided.limit_price, decided.reason, chained=False)
                group.filled = sum(child(c).cum_qty for c in decided.child_ids)
            self._track(child_id, ChildOrder(view.venue, view.quantity, view.price or Decimal(0), view.tif), group,
                        rested_ns=now - view.created_ns)
            followed = self._children[child_id]
            followed.filled = view.cum_qty
            followed.cancel_pending = view.status is OrdStatus.PENDING_CANCEL
        for group in groups.values():
            if group.plan.stage is Stage.REST and group.filled >= group.plan.target:
                self._cancel_rest_of_slice(group)
        return sum(group.live for group in groups.values())

    def close(self) -> None:
        """Stop the timers and write the scorecard (blocks until written: call at shutdown)."""
        for timers in (self._timers, self._retries):
            for timer in timers.values():
                timer.cancel()
            timers.clear()
        if self.feed is not None:
            self.feed.close()

    # --- the routing stage ---------------------------------------------------------------------------------

    def decide(self, intent: ChildIntent, parent: ParentView, instrument: Instrument, market: MarketView,
               venues: Sequence[VenueId]) -> tuple[RouteDecision, list[ChildOrder]]:
        """The decision and children for `intent` (within the parent's room); no side effects but memory."""
        self.decisions += 1
        passive = intent.kind is IntentKind.PASSIVE
        policy = policy_of(parent.params, self.config.default_policy)
        if policy is RoutingPolicy.AUTO:
            policy = RoutingPolicy.LIQUIDITY if passive else RoutingPolicy.PARALLEL
        lit, dark = lit_and_dark(self.facts, [v for v in venues if v not in self._down])
        room = max(0, parent.quantity - parent.cum_qty - parent.working_qty)
        s = self._situation(parent, instrument, market, lit, dark, min(intent.quantity, room), room, intent.price)
        continuing = self._continuing.pop(parent.parent_id, None)
        plan = self._plan(s, policy, passive, continuing, parent, market, instrument)
        if plan.children:
            chained = not passive and plan.stage in (Stage.TAKE, Stage.DARK_PING) and (
                bool(plan.next_venues) or plan.stage is Stage.DARK_PING)
            queue = self._pending.setdefault(parent.parent_id, deque())
            queue.append((plan, intent.price, intent.reason, chained))
            if plan.stage is Stage.DARK_PING and passive:
                self._last_ping[parent.parent_id] = self._clock.now_ns()
            group_target, rest_ms = self._follow_terms(plan)
            if group_target or rest_ms:  # journaled with the decision: a restart follows its children again
                return replace(plan.decision, group_target=group_target, rest_timeout_ms=rest_ms), list(plan.children)
        return plan.decision, list(plan.children)

    def _follow_terms(self, plan: Plan) -> tuple[int, int]:
        """What following the plan's children needs: the slice its children work together (several of them,
        resting or split), and a sequential rest's time in ms."""
        grouped = plan.stage in (Stage.REST, Stage.SPLIT) and len(plan.children) > 1
        timed = plan.policy is RoutingPolicy.SEQUENTIAL and plan.stage is Stage.REST
        return plan.target if grouped else 0, round(self._rest_s(plan) * 1000) if timed else 0

    def _rest_s(self, plan: Plan) -> float:
        """How long a sequential rest waits unfilled: the plan's time, else the configured shortest."""
        return plan.timeout_s or self.config.sequential_timeout_s

    def _plan(self, s: Situation, policy: RoutingPolicy, passive: bool, continuing: _Group | None,
              parent: ParentView, market: MarketView, instrument: Instrument) -> Plan:
        if continuing is not None:
            if continuing.plan.stage is Stage.DARK_PING:
                return policies.parallel_take(s, RoutingPolicy.LIQUIDITY)
            return policies.sequential_take(s, continuing.plan.next_venues)
        if policy is RoutingPolicy.SEQUENTIAL:
            if passive:
                rates = self.outflow.rates(parent.symbol, s.lit, parent.side, self._clock.now_ns())
                bounds = (self.config.sequential_timeout_s, self.config.sequential_max_timeout_s)
                return policies.sequential_rest(s, frozenset(self._tried.get(parent.parent_id, ())), rates, bounds)
            return policies.sequential_take(s)
        if policy is RoutingPolicy.PARALLEL:
            if passive:
                return policies.parallel_rest(s, self.config.parallel_overpost, self.config.parallel_venues)
            return policies.parallel_take(s)
        cap = self._dark_cap(s, parent.limit_price if passive else s.price)
        last = self._last_ping.get(parent.parent_id)
        ping_due = not passive or last is None or \
            self._clock.now_ns() - last >= int(self.config.dark_ping_cooldown_s * NS_PER_S)
        ping = policies.dark_ping(s, cap, self.config.dark_max_raise) if ping_due else None
        if ping is not None:
            return ping
        if not passive:
            return policies.parallel_take(s, RoutingPolicy.LIQUIDITY)
        scenarios = self.outflow.scenarios(parent.symbol, [v for v in s.lit if v in s.make_costs], parent.side,
                                           self._clock.now_ns())
        missed = self._missed_take.get(parent.parent_id)
        take = missed is None or self._clock.now_ns() - missed >= RETAKE_PAUSE_NS
        return split(s, scenarios, self.config, instrument.tick_size, self._solver, take=take,
                     take_limit=parent.limit_price)

    def _situation(self, parent: ParentView, instrument: Instrument, market: MarketView, lit: list[VenueId],
                   dark: list[VenueId], quantity: int, room: int, price: Decimal | None) -> Situation:
        card, config, tick = self.scorecard, self.config, instrument.tick_size
        reference = price if price is not None else market.mid(parent.symbol)
        facts = self.facts

        def cost(kind: str) -> Callable[[VenueId], VenueCost]:
            taking = kind == "ioc"
            return lambda venue: venue_cost(facts.get(venue) or VenueFacts(venue), card, kind, quantity, reference,
                                            config, tick, taking=taking)

        make, take = VenueCosts(lit, cost("limit")), VenueCosts(lit, cost("ioc"))
        bids, asks = market.levels(parent.symbol, asks=False), market.levels(parent.symbol, asks=True)
        return Situation(parent.side, quantity, room, price, instrument.lot_size, tuple(bids), tuple(asks),
                         tuple(lit), tuple(dark), self.facts, make, take)

    @staticmethod
    def _dark_cap(s: Situation, limit: Decimal | None) -> Decimal | None:
        """The worst price a dark order accepts: the far touch, within the limit."""
        far = s.far[0].price if s.far else None
        if far is None or limit is None:
            return far
        return min(far, limit) if s.side is Side.BUY else max(far, limit)

    # --- following the children ------------------------------------------------------------------------------

    def on_market_data(self, event: ev.BookUpdated | ev.TradePrinted | ev.Event) -> None:
        if isinstance(event, ev.TradePrinted):
            self.outflow.on_trade(event)
        elif isinstance(event, ev.BookUpdated):
            self.outflow.on_book(event)

    def on_event(self, event: ev.Event) -> None:
        """Every engine event after its turn committed (subscribe it): scorecard first, then the trackers."""
        if type(event) not in _FOLLOWED:
            return
        if self.feed is not None:
            self.feed.on_event(event)
        if isinstance(event, ev.ChildDecided):
            self._bind(event)
        elif isinstance(event, ev.ChildSubmitted):
            group = self._binding.pop(event.child_id, None)
            if group is not None:
                self._track(event.child_id, ChildOrder(event.venue, event.quantity, event.price or Decimal(0),
                                                       event.tif), group)
        elif isinstance(event, ev.ChildFilled):
            self._on_fill(event)
        elif isinstance(event, ev.ChildCanceled | ev.ChildRejected | ev.ChildExpired):
            child = self._children.get(event.child_id)
            if child is not None:
                self._done(event.child_id, child)
        elif isinstance(event, ev.ChildCancelRequested):
            child = self._children.get(event.child_id)
            if child is not None:
                child.cancel_pending = True
        elif isinstance(event, ev.ChildCancelRejected):
            child = self._children.get(event.child_id)
            if child is not None:
                self._cancel_refused(event.child_id, child)
        elif isinstance(event, ev.ParentAmended | ev.TicketAmended):
            self._trim_excess(event.parent_id)
        elif isinstance(event, ev.VenueStatusChanged):  # down or degraded: no new orders there
            (self._down.discard if event.connected and not event.degraded else self._down.add)(event.venue)

    def _bind(self, decided: ev.ChildDecided) -> None:
        """Our plan for a journaled decision; its children are tracked as they are submitted (the sizing stage
        may have resized or dropped some)."""
        queue = self._pending.get(decided.parent_id)
        while queue:
            plan, limit, reason, chained = queue.popleft()
            if plan.decision.note == decided.route_note and plan.decision.policy == decided.policy:
                group = _Group(decided.parent_id, plan, limit, reason, chained)
                for child_id in decided.child_ids:
                    self._binding[child_id] = group
                break
        if queue is not None and not queue:
            del self._pending[decided.parent_id]

    def _track(self, child_id: ChildId, order: ChildOrder, group: _Group, *, rested_ns: int = 0) -> None:
        child = _Child(group, order)
        group.children.append(child_id)
        group.live += 1
        self._children[child_id] = child
        self._by_parent.setdefault(group.parent_id, {})[child_id] = child
        if group.plan.policy is RoutingPolicy.SEQUENTIAL and order.tif is TimeInForce.DAY:
            left = max(0, int(self._rest_s(group.plan) * NS_PER_S) - rested_ns)
            self._timers[child_id] = self._clock.call_later(left, lambda: self._timed_out(child_id))

    def _on_fill(self, fill: ev.ChildFilled) -> None:
        child = self._children.get(fill.child_id)
        if child is None:
            return
        child.filled += fill.quantity
        group = child.group
        group.filled += fill.quantity
        if group.plan.stage in (Stage.REST, Stage.SPLIT) and group.filled >= group.plan.target and group.live > 1:
            self._cancel_rest_of_slice(group)
        if child.filled >= child.order.quantity:
            if group.plan.policy is RoutingPolicy.SEQUENTIAL:
                self._tried.pop(group.parent_id, None)  # that venue worked: start the rotation over
            self._done(fill.child_id, child)
        self._trim_excess(group.parent_id)

    def _cancel_rest_of_slice(self, group: _Group) -> None:
        for other in group.children:
            peer = self._children.get(other)
            if peer is not None and not peer.cancel_pending and peer.filled < peer.order.quantity:
                self._cancel(other, peer, f"{group.plan.policy.value.lower()}: the slice of "
                                          f"{group.plan.target:,} is filled; canceling the excess")

    def _trim_excess(self, parent_id: ParentId) -> None:
        """Cancel our newest children of a parent that has more out than its leaves (it shrank)."""
        ports = self._ports
        mine = self._by_parent.get(parent_id)
        if ports is None or not mine:
            return
        parent = ports.parent(parent_id)
        ours = going = 0
        for c in mine.values():
            leaves = c.order.quantity - c.filled
            ours += leaves
            if c.cancel_pending:
                going += leaves
        room = parent.quantity - max(0, parent.working_qty - ours)
        if parent.cum_qty + ours - going <= room:
            # nothing out above the leaves once what is being canceled goes (every fill asks, mostly while the
            # rest of a filled slice is canceled): `excess_cancels` would choose nothing, so no list is built
            return
        live = [InFlight(cid, c.order.quantity - c.filled, c.cancel_pending) for cid, c in mine.items()]
        for child_id in excess_cancels(room, parent.cum_qty, live):
            self._cancel(child_id, mine[child_id], f"in flight above the leaves of {parent.leaves_qty:,}: "
                                                   "canceling the excess")

    def _done(self, child_id: ChildId, child: _Child) -> None:
        del self._children[child_id]
        mine = self._by_parent.get(child.group.parent_id)
        if mine is not None:
            mine.pop(child_id, None)
            if not mine:
                del self._by_parent[child.group.parent_id]
        for timers in (self._timers, self._retries):
            timer = timers.pop(child_id, None)
            if timer is not None:
                timer.cancel()
        group = child.group
        group.live -= 1
        missed = child.order.tif is TimeInForce.IOC and child.filled < child.order.quantity
        if group.plan.stage is Stage.SPLIT and missed:
            # the touch was gone when the market part arrived (our book is conflated): do not chase it at once
            self._missed_take[group.parent_id] = self._clock.now_ns()
        if group.live == 0 and group.chained:
            self._continue(group)

    def _continue(self, group: _Group) -> None:
        """Send the rest of a sequential take (next venue) or of a dark-first sweep (lit) at once."""
        rest = group.plan.target - group.filled
        ports = self._ports
        if rest <= 0 or ports is None:
            return
        parent = ports.parent(group.parent_id)
        if parent.status.is_terminal or parent.paused or self._clock.now_ns() >= parent.end_ns:
            return
        self._continuing[group.parent_id] = group
        try:
            ports.send_aggressive(group.parent_id, rest, group.limit, reason=group.reason)
        finally:
            self._continuing.pop(group.parent_id, None)

    def _timed_out(self, child_id: ChildId) -> None:
        self._timers.pop(child_id, None)
        child = self._children.get(child_id)
        if child is None or child.cancel_pending:
            return
        tried = self._tried.setdefault(child.group.parent_id, set())
        lit = {v for v, f in self.facts.items() if not f.dark and v not in self._down}
        if lit <= tried | {child.order.venue}:
            tried.clear()  # every venue had its turn: start the rotation over
        tried.add(child.order.venue)
        leaves = child.order.quantity - child.filled
        waited = self._rest_s(child.group.plan)
        self._cancel(child_id, child, f"sequential: {leaves:,} of {child.order.quantity:,} unfilled on "
                                      f"{child.order.venue} after {waited:g} s; "
                                      "re-routing the rest to the next venue")

    def _cancel(self, child_id: ChildId, child: _Child, reason: str, *, again: bool = False) -> None:
        if self._ports is not None and not child.cancel_pending:
            child.cancel_pending = True
            child.cancel_reason = reason
            child.cancel_asks += 1
            self._ports.cancel_child(child_id, f"{reason} (asked again: the venue refused the cancel)" if again
                                     else reason)

    def _cancel_refused(self, child_id: ChildId, child: _Child) -> None:
        """The venue refused a cancel: the child works on. One of ours is asked again a little later (a refusal
        can be passing: a venue throttling requests, a cancel that crossed the order's acknowledgement); not at
        once, which could loop with a venue that refuses at once."""
        child.cancel_pending = False
        if child.cancel_reason and child.cancel_asks < CANCEL_ASKS and child_id not in self._retries:
            self._retries[child_id] = self._clock.call_later(CANCEL_RETRY_NS, lambda: self._ask_again(child_id))

    def _ask_again(self, child_id: ChildId) -> None:
        self._retries.pop(child_id, None)
        child = self._children.get(child_id)
        if child is not None and child.cancel_reason:
            self._cancel(child_id, child, child.cancel_reason, again=True)


_POLICY_OF_TEXT = {text: policy for policy, text in POLICY_TEXT.items()}
_FOLLOWED = LEARNED_FROM | {ev.ChildDecided, ev.ChildSubmitted, ev.ChildFilled, ev.ChildCanceled, ev.ChildRejected,
                            ev.ChildExpired, ev.ChildCancelRequested, ev.ChildCancelRejected, ev.ParentAmended,
                            ev.TicketAmended, ev.VenueStatusChanged}
"""The events `on_event` acts on, its scorecard feed's included (most events are none of these)."""


def _resumed_plan(decided: ev.ChildDecided) -> Plan:
    """What following a recovered decision's children needs of its plan (the slice, the rest time)."""
    policy = _POLICY_OF_TEXT.get(decided.policy, RoutingPolicy.PARALLEL)
    target = decided.group_target or decided.quantity
    return Plan(policy, Stage.REST, RouteDecision(decided.policy, (), (), decided.route_note), (), target,
                timeout_s=decided.rest_timeout_ms / 1000)
