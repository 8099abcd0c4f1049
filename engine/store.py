"""The order store: the single owner of parent and child order state.

Every change arrives as an event and goes through the state machine (`engine.states`). The store's
records are mutable and private (it is their only writer); readers get frozen views. An event the
state machine refuses leaves the order untouched and comes back as an `IllegalTransition` event.

Fills are the exception: an execution at a venue is a fact, so it is never refused for bookkeeping
reasons. A fill is refused only when it cannot be booked at all — a duplicate (the same venue
and execution id, as a resend brings) or an order this engine never sent. A fill past a child's
leaves, on a child or parent the state machine calls done, or beyond the parent's quantity is
booked and comes back as a `FillAnomaly` event (the engine raises an alert and pauses the parent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from engine import events as ev
from engine.model import ChildId, OrdStatus, ParentId, Side, Symbol, within_limit
from engine.risk.state import RiskState
from engine.states import IllegalTransitionError, Trigger, next_state
from engine.views import ChildView, FillView, ParentView

_PRICE_PLACES = Decimal("0.000001")


class InvariantBroken(Exception):
    """The store was asked to do something that can never be right (a programming error)."""


class UnknownOrder(Exception):
    """A venue reported on an order id this engine never sent."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id}: unknown to this engine")
        self.order_id = order_id


class _Order:
    """Fields and bookkeeping shared by parents and children."""

    __slots__ = ("created_ns", "cum_qty", "notional", "prior", "quantity", "status", "text", "updated_ns")

    def __init__(self, quantity: int, ts_ns: int) -> None:
        self.quantity = quantity
        self.status = OrdStatus.PENDING_NEW
        self.prior: OrdStatus | None = None
        self.cum_qty = 0
        self.notional = Decimal(0)
        self.created_ns = ts_ns
        self.updated_ns = ts_ns
        self.text = ""

    @property
    def leaves_qty(self) -> int:
        return 0 if self.status.is_terminal else max(0, self.quantity - self.cum_qty)

    @property
    def avg_price(self) -> Decimal | None:
        if not self.cum_qty:
            return None
        return (self.notional / self.cum_qty).quantize(_PRICE_PLACES)


class _Parent(_Order):
    __slots__ = ("accepted", "children", "end_ns", "limit_price", "live", "netted", "paused", "tickets")

    def __init__(self, accepted: ev.ParentAccepted) -> None:
        super().__init__(accepted.quantity, accepted.ts_ns)
        self.accepted = accepted
        self.limit_price = accepted.limit_price
        self.end_ns = accepted.end_ns
        self.children: list[ChildId] = []
        self.live: dict[ChildId, _Child] = {}  # children not yet in a terminal state, oldest first
        self.paused = False
        self.tickets = 0
        self.netted = 0


class _Child(_Order):
    __slots__ = ("parent", "price", "submitted")

    def __init__(self, submitted: ev.ChildSubmitted, parent: _Parent) -> None:
        super().__init__(submitted.quantity, submitted.ts_ns)
        self.submitted = submitted
        self.parent = parent
        self.price = submitted.price


_CACHES = frozenset({"_views"})
"""Attributes of the store that are not its state (not checkpointed)."""


class OrderStore:
    """Parents, children and fills, changed only by `apply(event)`."""

    def __init__(self) -> None:
        self._parents: dict[ParentId, _Parent] = {}
        self._children: dict[ChildId, _Child] = {}
        self._live_children: dict[ChildId, _Child] = {}
        self._live_parents: dict[ParentId, _Parent] = {}  # not in a terminal state (few, beside the day's many)
        self._followed: dict[ChildId, ev.ChildDecided] = {}  # live children's decisions that the router follows
        self._fills: list[FillView] = []
        self._fill_at: dict[tuple[str, str], int] = {}  # (venue, execution id), unique per venue: where in _fills
        self.kill_engaged = False
        self.kill_reason = ""
        self.risk = RiskState()  # positions and trading states (engine/risk/state.py): checkpointed with the store
        self._views: dict[ParentId, ParentView] = {}  # built since the last event applied (not state: a cache)

    # --- applying events ------------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> list[ev.Event]:
        """Apply one event; returns follow-on events: `IllegalTransition` when it was refused (nothing
        changed), `FillAnomaly` when a fill was booked against the order's state (empty when clean)."""
        handler = _HANDLERS.get(type(event))
        if handler is None:
            return []
        self._views.clear()  # an algo's wake asks for its parent's view several times between two events
        try:
            follow_ups = handler(self, event)
        except IllegalTransitionError as err:
            return [
                ev.IllegalTransition(
                    event.ts_ns, err.order_id, err.state, err.trigger.name, type(event).__name__, str(err)
                )
            ]
        except UnknownOrder as err:
            return [ev.IllegalTransition(event.ts_ns, err.order_id, None, "", type(event).__name__, str(err))]
        return follow_ups or []

    def _transition(self, order_id: str, order: _Order, trigger: Trigger, ts_ns: int) -> None:
        new = next_state(
            order_id, order.status, trigger, cum_qty=order.cum_qty, quantity=order.quantity, prior=order.prior
        )
        if new in (OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE) and order.status != new:
            order.prior = order.status
        self._set_status(order_id, order, new)
        order.updated_ns = ts_ns

    def _set_status(self, order_id: str, order: _Order, new: OrdStatus) -> None:
        """Every status change goes here: it keeps the index of live parents."""
        order.status = new
        if isinstance(order, _Parent):
            if new.is_live:
                self._live_parents.setdefault(ParentId(order_id), order)
            else:
                self._live_parents.pop(ParentId(order_id), None)

    def _on_parent_accepted(self, e: ev.ParentAccepted) -> None:
        if e.parent_id in self._parents:
            raise InvariantBroken(f"parent {e.parent_id} accepted twice")
        parent = _Parent(e)
        self._parents[e.parent_id] = parent
        self._transition(e.parent_id, parent, Trigger.ACCEPTED, e.ts_ns)

    def _on_parent_amended(self, e: ev.ParentAmended) -> None:
        parent = self._parent(e.parent_id)
        if e.quantity < parent.cum_qty:
            raise InvariantBroken(f"parent {e.parent_id} amended to {e.quantity} below filled {parent.cum_qty}")
        self._check(e.parent_id, parent, Trigger.AMENDED)
        parent.quantity = e.quantity
        parent.limit_price = e.limit_price
        parent.end_ns = e.end_ns
        self._transition(e.parent_id, parent, Trigger.AMENDED, e.ts_ns)

    def _on_parent_cancel_requested(self, e: ev.ParentCancelRequested) -> None:
        parent = self._parent(e.parent_id)
        self._transition(e.parent_id, parent, Trigger.CANCEL_REQUESTED, e.ts_ns)
        parent.text = e.reason

    def _on_parent_canceled(self, e: ev.ParentCanceled) -> None:
        parent = self._parent(e.parent_id)
        self._transition(e.parent_id, parent, Trigger.CANCELED, e.ts_ns)
        parent.text = e.reason

    def _on_parent_expired(self, e: ev.ParentExpired) -> None:
        parent = self._parent(e.parent_id)
        self._transition(e.parent_id, parent, Trigger.EXPIRED, e.ts_ns)
        parent.text = e.reason

    def _on_parent_paused(self, e: ev.ParentPaused) -> None:
        parent = self._parent(e.parent_id)
        parent.paused = True
        parent.text = f"paused: {e.reason}"
        parent.updated_ns = e.ts_ns

    def _on_parent_resumed(self, e: ev.ParentResumed) -> None:
        parent = self._parent(e.parent_id)
        parent.paused = False
        parent.text = ""
        parent.updated_ns = e.ts_ns

    def _on_child_decided(self, e: ev.ChildDecided) -> None:
        if e.group_target or e.rest_timeout_ms:  # kept while its children live: a restart follows them again
            for child_id in e.child_ids:
                self._followed[child_id] = e

    def _on_child_submitted(self, e: ev.ChildSubmitted) -> None:
        if e.child_id in self._children:
            raise InvariantBroken(f"child {e.child_id} submitted twice")
        parent = self._parent(e.parent_id)
        child = _Child(e, parent)
        self._children[e.child_id] = child
        self._live_children[e.child_id] = child
        parent.children.append(e.child_id)
        parent.live[e.child_id] = child

    def _on_child_accepted(self, e: ev.ChildAccepted) -> None:
        self._child_transition(e.child_id, Trigger.ACCEPTED, e.ts_ns)

    def _on_child_rejected(self, e: ev.ChildRejected) -> None:
        self._child_transition(e.child_id, Trigger.REJECTED, e.ts_ns, e.reason)

    def _on_child_cancel_requested(self, e: ev.ChildCancelRequested) -> None:
        self._child_transition(e.child_id, Trigger.CANCEL_REQUESTED, e.ts_ns)

    def _on_child_canceled(self, e: ev.ChildCanceled) -> None:
        self._child_transition(e.child_id, Trigger.CANCELED, e.ts_ns, e.reason)

    def _on_child_cancel_rejected(self, e: ev.ChildCancelRejected) -> None:
        self._child_transition(e.child_id, Trigger.CANCEL_REJECTED, e.ts_ns, e.reason)

    def _on_child_replace_requested(self, e: ev.ChildReplaceRequested) -> None:
        self._child_transition(e.child_id, Trigger.REPLACE_REQUESTED, e.ts_ns)

    def _on_child_replace_rejected(self, e: ev.ChildReplaceRejected) -> None:
        self._child_transition(e.child_id, Trigger.REPLACE_REJECTED, e.ts_ns, e.reason)

    def _on_child_expired(self, e: ev.ChildExpired) -> None:
        self._child_transition(e.child_id, Trigger.EXPIRED, e.ts_ns, e.reason)

    def _on_child_replaced(self, e: ev.ChildReplaced) -> None:
        child = self._child(e.child_id)
        self._check(e.child_id, child, Trigger.REPLACED)
        child.quantity = max(e.quantity, child.cum_qty)
        child.price = e.price
        self._transition(e.child_id, child, Trigger.REPLACED, e.ts_ns)
        self._retire_if_done(e.child_id, child)

    def _on_child_filled(self, e: ev.ChildFilled) -> list[ev.Event]:
        child = self._child(e.child_id)
        key = (e.venue, e.fill_id)
        if key in self._fill_at:
            raise IllegalTransitionError(e.child_id, child.status, Trigger.FILL,
                                         f"duplicate fill {e.fill_id} from {e.venue}")
        if e.quantity <= 0:
            raise IllegalTransitionError(e.child_id, child.status, Trigger.FILL, f"fill of {e.quantity} shares")
        order = child.submitted
        if e.side is not order.side or e.symbol != order.symbol:  # not our order's execution: never booked
            raise IllegalTransitionError(e.child_id, child.status, Trigger.FILL,
                                         f"fill {e.fill_id} is a {e.side.name} of {e.symbol}; the child is a "
                                         f"{order.side.name} of {order.symbol}")
        parent = self._parent(order.parent_id)
        anomalies = [
            *self._book_fill(e.child_id, child, e, "child"),
            *self._book_fill(parent.accepted.parent_id, parent, e, "parent"),
        ]
        if child.cum_qty > child.quantity:
            anomalies.append(f"child {e.child_id} filled {child.cum_qty} of {child.quantity} (overfill)")
        if not (within_limit(e.price, order.price, order.side) or within_limit(e.price, child.price, order.side)):
            anomalies.append(f"child {e.child_id} filled at {e.price}, through its limit {child.price}")
        if parent.cum_qty > parent.quantity:  # a fill raced a parent amend down: keep the fact, flag it
            parent.text = f"OVERFILLED by {parent.cum_qty - parent.quantity}"
            anomalies.append(f"parent {parent.accepted.parent_id} filled {parent.cum_qty} of {parent.quantity} "
                             "(overfill)")
        self._retire_if_done(e.child_id, child)
        self._fill_at[key] = len(self._fills)
        self.risk.on_fill(e)
        self._fills.append(
            FillView(e.fill_id, e.child_id, e.parent_id, e.venue, e.symbol, e.side, e.quantity, e.price, e.fee,
                     e.liquidity, e.ts_ns)
        )
        if not anomalies:
            return []
        return [ev.FillAnomaly(e.ts_ns, e.fill_id, e.venue, e.child_id, parent.accepted.parent_id, e.quantity,
                               "; ".join(anomalies))]

    def _on_child_fill_busted(self, e: ev.ChildFillBusted) -> None:
        """Take a busted execution's shares and notional off its child and parent (their states stay: a
        done order is not reopened; a partly filled one with nothing left filled is NEW again) and off the
        firm's position. Refused when the execution is not booked, is another child's, or is busted already.
        Its execution id stays known, so a resend of the original is still refused as a duplicate."""
        child = self._child(e.child_id)
        index = self._fill_index(e.venue, e.fill_id)
        problem = ("no such execution is booked" if index is None
                   else f"it is child {self._fills[index].child_id}'s" if self._fills[index].child_id != e.child_id
                   else "it is busted already" if self._fills[index].busted else "")
        if index is None or problem:
            raise IllegalTransitionError(e.child_id, child.status, Trigger.FILL,
                                         f"bust {e.bust_id} of execution {e.fill_id} from {e.venue}: {problem}")
        fill = self._fills[index]
        parent = child.parent
        for order_id, order in ((str(e.child_id), child), (str(fill.parent_id), parent)):
            order.cum_qty -= fill.quantity
            order.notional -= fill.price * fill.quantity
            order.updated_ns = e.ts_ns
            if order.status is OrdStatus.PARTIALLY_FILLED and order.cum_qty == 0:
                self._set_status(order_id, order, OrdStatus.NEW)
        self._fills[index] = replace(fill, busted=True)
        self.risk.on_bust(fill)

    def _fill_index(self, venue: str, fill_id: str) -> int | None:
        """Where a booked execution is in the day's fills."""
        return self._fill_at.get((venue, fill_id))

    def booked_fill(self, venue: str, fill_id: str) -> FillView | None:
        """A booked execution as it stands (busted or not)."""
        index = self._fill_index(venue, fill_id)
        return None if index is None else self._fills[index]

    def _book_fill(self, order_id: str, order: _Order, e: ev.ChildFilled, what: str) -> list[str]:
        """Add the fill's quantity and notional; move the state by the table where it allows a fill, else
        keep the state and say why (the fill is booked all the same)."""
        order.cum_qty += e.quantity
        order.notional += e.price * e.quantity
        order.updated_ns = e.ts_ns
        try:
            new = next_state(order_id, order.status, Trigger.FILL, cum_qty=order.cum_qty, quantity=order.quantity,
                             prior=order.prior)
        except IllegalTransitionError:
            return [f"{what} {order_id} filled while {order.status.name}"]
        self._set_status(order_id, order, new)
        return []

    def _on_ticket_joined(self, e: ev.TicketJoined) -> None:
        self._parent(e.parent_id).tickets += 1
        self.risk.apply(e)

    def _on_risk_record(self, e: ev.Event) -> None:
        self.risk.apply(e)

    def _on_tickets_crossed(self, e: ev.TicketsCrossed) -> None:
        for parent_id, shares in (*e.buys, *e.sells):
            self._parent(parent_id).netted += shares

    def _on_kill_engaged(self, e: ev.KillEngaged) -> None:
        self.kill_engaged = True
        self.kill_reason = e.reason

    def _on_kill_released(self, e: ev.KillReleased) -> None:
        self.kill_engaged = False
        self.kill_reason = ""

    def _child_transition(self, child_id: ChildId, trigger: Trigger, ts_ns: int, text: str = "") -> None:
        child = self._child(child_id)
        self._transition(child_id, child, trigger, ts_ns)
        if text:
            child.text = text
        self._retire_if_done(child_id, child)

    def _retire_if_done(self, child_id: ChildId, child: _Child) -> None:
        if child.status.is_terminal:
            self._live_children.pop(child_id, None)
            self._followed.pop(child_id, None)
            child.parent.live.pop(child_id, None)

    def _check(self, order_id: str, order: _Order, trigger: Trigger) -> None:
        """Raise before mutating quantities if the pair is not in the table at all."""
        next_state(order_id, order.status, trigger, cum_qty=order.cum_qty, quantity=order.quantity,
                   prior=order.prior)

    def _parent(self, parent_id: ParentId) -> _Parent:
        try:
            return self._parents[parent_id]
        except KeyError:
            raise InvariantBroken(f"unknown parent {parent_id}") from None

    def _child(self, child_id: ChildId) -> _Child:
        child = self._children.get(child_id)
        if child is None:
            raise UnknownOrder(child_id)
        return child

    # --- checkpoints (engine/checkpoint.py) -----------------------------------------------------------

    def export_state(self) -> dict[str, object]:
        """Every attribute, by name (to checkpoint between turns; nothing is copied). The order records are
        the store's own classes; a checkpoint carries them as they are."""
        return {name: value for name, value in vars(self).items() if name not in _CACHES}

    def import_state(self, state: Mapping[str, object]) -> None:
        """Take what `export_state` gave, into this empty store; raises KeyError, changing nothing, when its
        fields are not this store's."""
        fields = set(vars(self)) - _CACHES
        if set(state) != fields:
            raise KeyError(f"order store state has fields {sorted(state)}, this store {sorted(fields)}")
        vars(self).update(state)
        self._views.clear()

    # --- reading ----------------------------------------------------------------------------------------

    def has_parent(self, parent_id: str) -> bool:
        return parent_id in self._parents

    def has_child(self, child_id: str) -> bool:
        return child_id in self._children

    def has_fill(self, venue: str, fill_id: str) -> bool:
        """Whether the execution `fill_id` of `venue` is booked (execution ids are unique per venue)."""
        return (venue, fill_id) in self._fill_at

    def parent(self, parent_id: ParentId) -> ParentView:
        """The parent as it stands (one view per parent between two events: views are immutable)."""
        view = self._views.get(parent_id)
        if view is None:
            view = self._views[parent_id] = self._parent_view(parent_id, self._parent(parent_id))
        return view

    def parent_status(self, parent_id: ParentId) -> OrdStatus:
        """The parent's status alone (no view built)."""
        return self._parent(parent_id).status

    def parent_filled(self, parent_id: ParentId) -> int:
        """The parent's filled quantity alone (no view built: asked on every fill)."""
        return self._parent(parent_id).cum_qty

    def parent_symbol(self, parent_id: ParentId) -> Symbol:
        """The parent's instrument alone (no view built: algos ask on every wake)."""
        return self._parent(parent_id).accepted.symbol

    def child(self, child_id: ChildId) -> ChildView:
        return self._child_view(child_id, self._child(child_id))

    def child_status(self, child_id: ChildId) -> OrdStatus:
        """The child's status alone (no view built, no average price worked out: asked on every child event)."""
        return self._child(child_id).status

    def child_parent(self, child_id: ChildId) -> ParentId:
        """The parent a child works for (no view built)."""
        return self._child(child_id).submitted.parent_id

    def parent_ids(self) -> list[ParentId]:
        """Every parent id, in the order they were accepted (no views built)."""
        return list(self._parents)

    def child_ids(self) -> list[ChildId]:
        """Every child id, in the order they were submitted (no views built)."""
        return list(self._children)

    def submitted(self, child_id: ChildId) -> ev.ChildSubmitted:
        """The order as it was sent (what a venue status request names)."""
        return self._child(child_id).submitted

    def parents(self) -> list[ParentView]:
        return [self._parent_view(pid, p) for pid, p in self._parents.items()]

    def children(self, parent_id: ParentId | None = None) -> list[ChildView]:
        ids: Iterable[ChildId] = self._children if parent_id is None else self._parent(parent_id).children
        return [self._child_view(cid, self._children[cid]) for cid in ids]

    def fills(self) -> list[FillView]:
        return list(self._fills)

    def fills_since(self, count: int) -> list[FillView]:
        """Fills after the first `count` (what a viewer that has seen `count` has not seen yet)."""
        return self._fills[count:]

    @property
    def fill_count(self) -> int:
        return len(self._fills)

    def live_parent_ids(self) -> list[ParentId]:
        """Parents not in a terminal state, oldest first (from an index: not a walk over the day's parents)."""
        return list(self._live_parents)

    def live_parent_states(self, symbol: Symbol) -> list[tuple[ParentId, OrdStatus, bool, int]]:
        """(parent, status, paused, quantity out at venues and not yet filled) of each live parent of
        `symbol`: what netting needs, without building a view per parent."""
        return [(pid, p.status, p.paused, _out_at_venues(p))
                for pid, p in self._live_parents.items() if p.accepted.symbol == symbol]

    def live_child_ids(self, parent_id: ParentId | None = None) -> list[ChildId]:
        return list(self._live_children if parent_id is None else self._parent(parent_id).live)

    def followed_decisions(self) -> dict[ChildId, ev.ChildDecided]:
        """The decision each live child was sent under, for the children the router follows after they are sent
        (a slice worked by several children, a rest with a time limit): what a restart hands back to it."""
        return dict(self._followed)

    def working_qty(self, parent_id: ParentId) -> int:
        """Quantity out at venues and not yet filled (what could still fill)."""
        return _out_at_venues(self._parent(parent_id))

    def _parent_view(self, pid: ParentId, p: _Parent) -> ParentView:
        a = p.accepted
        return ParentView(
            pid, a.symbol, a.side, p.quantity, p.limit_price, a.algo, a.params, a.start_ns, p.end_ns, p.status,
            p.cum_qty, p.leaves_qty, p.avg_price, a.arrival_mid,
            self.working_qty(pid), len(p.children), p.paused, p.created_ns, p.updated_ns, p.text, p.tickets,
            p.netted,
        )

    def _child_view(self, cid: ChildId, c: _Child) -> ChildView:
        s = c.submitted
        return ChildView(
            cid, s.parent_id, s.venue, s.symbol, s.side, c.quantity, c.price, s.ord_type, s.tif, c.status,
            c.cum_qty, c.leaves_qty, c.avg_price, c.created_ns, c.updated_ns, c.text,
        )

    def parent_side(self, parent_id: ParentId) -> Side:
        return self._parent(parent_id).accepted.side


def _out_at_venues(parent: _Parent) -> int:
    """What a parent's live children have out at venues and not yet filled."""
    return sum(c.quantity - c.cum_qty for c in parent.live.values())

_HANDLERS: dict[type[ev.Event], Callable[[OrderStore, Any], list[ev.Event] | None]] = {
    ev.ParentAccepted: OrderStore._on_parent_accepted,
    ev.ParentAmended: OrderStore._on_parent_amended,
    ev.ParentCancelRequested: OrderStore._on_parent_cancel_requested,
    ev.ParentCanceled: OrderStore._on_parent_canceled,
    ev.ParentExpired: OrderStore._on_parent_expired,
    ev.ParentPaused: OrderStore._on_parent_paused,
    ev.ParentResumed: OrderStore._on_parent_resumed,
    ev.ChildDecided: OrderStore._on_child_decided,
    ev.ChildSubmitted: OrderStore._on_child_submitted,
    ev.ChildAccepted: OrderStore._on_child_accepted,
    ev.ChildRejected: OrderStore._on_child_rejected,
    ev.ChildFilled: OrderStore._on_child_filled,
    ev.ChildFillBusted: OrderStore._on_child_fill_busted,
    ev.ChildCancelRequested: OrderStore._on_child_cancel_requested,
    ev.ChildCanceled: OrderStore._on_child_canceled,
    ev.ChildCancelRejected: OrderStore._on_child_cancel_rejected,
    ev.ChildReplaceRequested: OrderStore._on_child_replace_requested,
    ev.ChildReplaced: OrderStore._on_child_replaced,
    ev.ChildReplaceRejected: OrderStore._on_child_replace_rejected,
    ev.ChildExpired: OrderStore._on_child_expired,
    ev.TicketJoined: OrderStore._on_ticket_joined,
    ev.TicketsCrossed: OrderStore._on_tickets_crossed,
    ev.KillEngaged: OrderStore._on_kill_engaged,
    ev.KillReleased: OrderStore._on_kill_released,
    **dict.fromkeys(RiskState.RECORDS, OrderStore._on_risk_record),
}
