"""The order state machine: FIX 4.4 OrdStatus transitions as an explicit table.

`(state, trigger) -> outcome` where the outcome is a new state or a rule resolved against the
order's quantities (a fill is partial or complete; a cancel reject returns to the prior state).
A pair missing from the table raises `IllegalTransitionError` carrying the order id and both states.
Parents and children share the table; AMENDED is only ever raised for parents (an internal amend
needs no venue round trip), the *_REQUESTED/REPLACED/REJECTED triggers mostly for children.
"""

from __future__ import annotations

from enum import Enum, auto

from engine.model import OrdStatus


class Trigger(Enum):
    ACCEPTED = auto()
    REJECTED = auto()
    FILL = auto()
    CANCEL_REQUESTED = auto()
    CANCELED = auto()
    CANCEL_REJECTED = auto()
    REPLACE_REQUESTED = auto()
    REPLACED = auto()
    REPLACE_REJECTED = auto()
    AMENDED = auto()
    EXPIRED = auto()


class Rule(Enum):
    """Outcomes that depend on the order, not only on the pair."""

    BY_FILL = auto()  # NEW / PARTIALLY_FILLED / FILLED from cum vs order quantity
    FILL_WHILE_PENDING = auto()  # stay pending unless the fill completes the order -> FILLED
    PRIOR = auto()  # back to the state before the pending request
    STAY = auto()  # the event is legal and informative but changes no state


class IllegalTransitionError(Exception):
    """An event that the state machine refuses for an order in its current state."""

    def __init__(self, order_id: str, state: OrdStatus, trigger: Trigger, detail: str = "") -> None:
        reason = detail or f"{trigger.name} is not allowed in state {state.name}"
        super().__init__(f"order {order_id}: {reason}")
        self.order_id = order_id
        self.state = state
        self.trigger = trigger


S = OrdStatus
T = Trigger
Outcome = OrdStatus | Rule

_LIVE_AT_VENUE: dict[Trigger, Outcome] = {
    T.FILL: Rule.BY_FILL,
    T.CANCEL_REQUESTED: S.PENDING_CANCEL,
    T.REPLACE_REQUESTED: S.PENDING_REPLACE,
    T.AMENDED: Rule.BY_FILL,
    T.CANCELED: S.CANCELED,  # unsolicited cancel (venue-side, IOC remainder)
    T.EXPIRED: S.EXPIRED,
}

ORDER_STATE_TABLE: dict[tuple[OrdStatus, Trigger], Outcome] = {
    # Awaiting the venue's acknowledgement. IOC orders may fill or cancel before (or without) an ack.
    (S.PENDING_NEW, T.ACCEPTED): S.NEW,
    (S.PENDING_NEW, T.REJECTED): S.REJECTED,
    (S.PENDING_NEW, T.FILL): Rule.BY_FILL,
    (S.PENDING_NEW, T.CANCELED): S.CANCELED,
    (S.PENDING_NEW, T.EXPIRED): S.EXPIRED,
    (S.PENDING_NEW, T.CANCEL_REQUESTED): S.PENDING_CANCEL,  # cancel before the ack: legal in FIX
    **{(S.NEW, trig): out for trig, out in _LIVE_AT_VENUE.items()},
    **{(S.PARTIALLY_FILLED, trig): out for trig, out in _LIVE_AT_VENUE.items()},
    # A cancel is in flight: fills still arrive (they raced the cancel); a reject restores the prior state.
    (S.PENDING_CANCEL, T.CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, T.FILL): Rule.FILL_WHILE_PENDING,
    (S.PENDING_CANCEL, T.CANCEL_REJECTED): Rule.PRIOR,
    (S.PENDING_CANCEL, T.ACCEPTED): Rule.STAY,  # late ack of an order we already asked to cancel
    (S.PENDING_CANCEL, T.REJECTED): S.REJECTED,  # the order itself was rejected after our cancel left
    (S.PENDING_CANCEL, T.EXPIRED): S.EXPIRED,
    (S.PENDING_CANCEL, T.CANCEL_REQUESTED): Rule.STAY,  # a repeated cancel (kill after trader cancel)
    (S.PENDING_CANCEL, T.REPLACE_REJECTED): Rule.STAY,  # a replace that crossed with our cancel
    # A replace is in flight.
    (S.PENDING_REPLACE, T.REPLACED): Rule.BY_FILL,
    (S.PENDING_REPLACE, T.REPLACE_REJECTED): Rule.PRIOR,
    (S.PENDING_REPLACE, T.FILL): Rule.FILL_WHILE_PENDING,
    (S.PENDING_REPLACE, T.CANCELED): S.CANCELED,
    (S.PENDING_REPLACE, T.EXPIRED): S.EXPIRED,
    (S.PENDING_REPLACE, T.ACCEPTED): Rule.STAY,
    (S.PENDING_REPLACE, T.CANCEL_REQUESTED): S.PENDING_CANCEL,
    # Too late to cancel/replace: the order filled (or was canceled) while the request travelled.
    (S.FILLED, T.CANCEL_REJECTED): Rule.STAY,
    (S.FILLED, T.REPLACE_REJECTED): Rule.STAY,
    (S.CANCELED, T.CANCEL_REJECTED): Rule.STAY,
    (S.CANCELED, T.REPLACE_REJECTED): Rule.STAY,
    (S.EXPIRED, T.CANCEL_REJECTED): Rule.STAY,
    (S.EXPIRED, T.REPLACE_REJECTED): Rule.STAY,
    (S.REJECTED, T.CANCEL_REJECTED): Rule.STAY,  # a cancel that crossed the venue's reject of the order
    (S.REJECTED, T.REPLACE_REJECTED): Rule.STAY,
}


def next_state(
    order_id: str,
    state: OrdStatus,
    trigger: Trigger,
    *,
    cum_qty: int,
    quantity: int,
    prior: OrdStatus | None,
) -> OrdStatus:
    """The state after `trigger`, with quantities already updated by the event being applied."""
    outcome = ORDER_STATE_TABLE.get((state, trigger))
    if outcome is None:
        raise IllegalTransitionError(order_id, state, trigger)
    if isinstance(outcome, OrdStatus):
        return outcome
    if outcome is Rule.STAY:
        return state
    if outcome is Rule.BY_FILL:
        return _by_fill(cum_qty, quantity)
    if outcome is Rule.FILL_WHILE_PENDING:
        return S.FILLED if cum_qty >= quantity else state
    # Rule.PRIOR: the state before the pending request, re-derived if fills arrived meanwhile.
    if prior is None or prior.is_terminal:
        return _by_fill(cum_qty, quantity)
    return _by_fill(cum_qty, quantity) if prior in (S.NEW, S.PARTIALLY_FILLED) else prior


def _by_fill(cum_qty: int, quantity: int) -> OrdStatus:
    # quantity 0 with nothing filled: a parent whose tickets were all crossed internally is done
    if cum_qty >= quantity:
        return S.FILLED
    return S.NEW if cum_qty <= 0 else S.PARTIALLY_FILLED
