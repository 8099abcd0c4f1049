"""Events: immutable facts, named in the past tense.

Order events are journaled before they take effect; market data events (books, prints) are not
journaled: they are observations, not state. Every event carries the engine clock time `ts_ns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from engine.model import (
    ChildId,
    FillId,
    Liquidity,
    OrdStatus,
    OrdType,
    ParentId,
    Side,
    Symbol,
    TicketId,
    TimeInForce,
    VenueId,
)
from engine.quick_init import quick_init_all

PriceLevel = tuple[Decimal, int]
"""(price, displayed size) of one book level."""

AlgoParams = tuple[tuple[str, str], ...]
"""Algo parameters as sorted (name, value) string pairs: hashable, journal-friendly."""


@dataclass(frozen=True, slots=True)
class Event:
    ts_ns: int


# --- parent orders ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParentAccepted(Event):
    parent_id: ParentId
    symbol: Symbol
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    start_ns: int
    end_ns: int
    arrival_mid: Decimal | None
    params: AlgoParams = ()


# --- tickets (client orders) ------------------------------------------------------------------------
# Each of these is also the record of one TicketBook call, so replaying them rebuilds the book.


@dataclass(frozen=True, slots=True)
class TicketAccepted(Event):
    ticket_id: TicketId
    account: str
    source: str
    client_order_id: str
    symbol: Symbol
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    urgency: str
    start_ns: int | None  # None: from the moment it joins
    end_ns: int
    params: AlgoParams
    allow_cross: bool
    arrival_seq: int


@dataclass(frozen=True, slots=True)
class TicketRejected(Event):
    request_id: str
    source: str
    client_order_id: str
    symbol: str
    side: Side | None
    quantity: int | None
    reason: str
    field: str


@dataclass(frozen=True, slots=True)
class TicketJoined(Event):
    """The ticket is worked by this parent (new, or raised by the ticket's quantity)."""

    ticket_id: TicketId
    parent_id: ParentId
    new_parent: bool
    parent_quantity: int


@dataclass(frozen=True, slots=True)
class TicketAmended(Event):
    """A ticket's quantity changed (an amend, or a cancel down to what is already allocated)."""

    ticket_id: TicketId
    parent_id: ParentId
    old_quantity: int
    new_quantity: int
    canceled: bool
    parent_quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class TicketMandateChanged(Event):
    """A ticket's limit price and/or end time changed; its parent now works to them."""

    ticket_id: TicketId
    parent_id: ParentId
    old_limit: Decimal | None
    new_limit: Decimal | None
    old_end_ns: int | None
    new_end_ns: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class TicketCutPending(Event):
    """A cancel (quantity None) or size-down of a ticket that must wait: its parent has shares out at venues
    that the cut would leave without a ticket. The working children are canceled; the cut is applied
    (TicketAmended) or refused (CommandRejected) once the venues have confirmed, and fills until then
    are allocated to the ticket as it stands."""

    ticket_id: TicketId
    parent_id: ParentId
    quantity: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ParentTermsSet(Event):
    """The trader's working limit and end time for a parent (None: not set), within its tickets' mandate."""

    parent_id: ParentId
    limit_price: Decimal | None
    end_ns: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class TicketsCrossed(Event):
    """Opposing parents matched internally at the consolidated mid; only the net goes to market."""

    cross_id: str
    symbol: Symbol
    quantity: int
    price: Decimal
    bid: Decimal
    ask: Decimal
    buys: tuple[tuple[ParentId, int], ...]
    sells: tuple[tuple[ParentId, int], ...]
    working: tuple[tuple[ParentId, int], ...]  # what was live at venues then (not crossable)


@dataclass(frozen=True, slots=True)
class TicketsAllocated(Event):
    """One execution of a parent (a market fill or its share of a cross) split over its tickets."""

    parent_id: ParentId
    execution_ref: str  # the fill id, or the cross id
    quantity: int
    price: Decimal
    ticket_ids: tuple[TicketId, ...]
    quantities: tuple[int, ...]
    kind: str  # "fill" (a market fill), "cross" (a share of an internal cross), "close" (remainder at close)


@dataclass(frozen=True, slots=True)
class BlockReconciled(Event):
    """A finished parent's tickets checked: allocations sum to executions, average prices agree."""

    parent_id: ParentId
    executed: int
    avg_price: Decimal | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParentAmended(Event):
    parent_id: ParentId
    quantity: int
    limit_price: Decimal | None
    end_ns: int


@dataclass(frozen=True, slots=True)
class ParentCancelRequested(Event):
    parent_id: ParentId
    reason: str


@dataclass(frozen=True, slots=True)
class ParentCanceled(Event):
    parent_id: ParentId
    reason: str


@dataclass(frozen=True, slots=True)
class ParentExpired(Event):
    parent_id: ParentId
    reason: str


@dataclass(frozen=True, slots=True)
class ParentPaused(Event):
    parent_id: ParentId
    reason: str


@dataclass(frozen=True, slots=True)
class ParentResumed(Event):
    parent_id: ParentId


# --- child orders ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildSubmitted(Event):
    """A child order leaves the engine for a venue (status PENDING_NEW)."""

    child_id: ChildId
    parent_id: ParentId
    venue: VenueId
    symbol: Symbol
    side: Side
    quantity: int
    price: Decimal | None
    ord_type: OrdType
    tif: TimeInForce


class DecisionReason(Enum):
    """Why an algo sent a child: the audit trail's answer to "why was this order sent"."""

    PASSIVE_SLICE = "passive slice"  # the schedule's next slice, resting on our side
    REPEG = "re-peg"  # a passive child re-posted at the touch after its price went stale
    CATCH_UP_SWEEP = "catch-up sweep"  # behind the schedule beyond its tolerance: take liquidity
    FINAL_SWEEP = "final sweep"  # inside the final slice of an algo that must complete
    AMEND = "amend"  # the first child after the parent was amended (the schedule re-planned)
    RESUME = "resume"  # the first child after a pause
    RECOVERY = "recovery"  # the first child of a parent that came back after a restart


VenueRank = tuple[VenueId, Decimal | None, int, int, float | None]
"""One venue in a routing decision, best first: (venue, its best price on the side the policy looked at,
displayed size it could use, quantity routed there, the policy's score; None: it showed no price)."""


@dataclass(frozen=True, slots=True)
class ChildDecided(Event):
    """Why the children listed were sent: the algo's intent and where it stood against its schedule, the
    consolidated market it saw, and the router's decision. Journaled in the same turn as the children,
    just before them; a decision whose first child pre-trade risk stopped names the rule (`risk_rule`) and
    lists only what went out. Every ChildSubmitted is listed by exactly one ChildDecided. What the router
    follows once they are out (`group_target`, `rest_timeout_ms`) is here too: the store keeps it while the
    children live, so after a restart the router follows them as before."""

    decision_id: str
    parent_id: ParentId
    algo: str
    reason: DecisionReason
    kind: str  # "passive" (rest at a price) or "sweep" (take displayed liquidity up to a limit)
    quantity: int  # what the algo asked for
    limit_price: Decimal | None  # the intent's price: the passive price, or the sweep's limit (None: none)
    target_qty: int | None  # the schedule's target at that moment (None: the caller gave none)
    filled_qty: int  # done at that moment
    working_qty: int  # out at venues at that moment
    bid: Decimal | None  # consolidated top of book when it decided
    ask: Decimal | None
    bid_size: int
    ask_size: int
    policy: str  # the routing policy and its ranking key
    ranking: tuple[VenueRank, ...]
    route_note: str  # what the router decided, in words
    child_ids: tuple[ChildId, ...]
    risk_rule: str = ""  # the pre-trade control that stopped the next child ("": none did)
    group_target: int = 0  # the children work one slice: once this much has filled the rest are canceled (0: none)
    rest_timeout_ms: int = 0  # a resting child is canceled and re-routed if unfilled after this long (0: not timed)


@dataclass(frozen=True, slots=True)
class ChildAccepted(Event):
    child_id: ChildId
    venue_order_id: str


@dataclass(frozen=True, slots=True)
class ChildRejected(Event):
    child_id: ChildId
    reason: str


@dataclass(frozen=True, slots=True)
class ChildFilled(Event):
    fill_id: FillId
    child_id: ChildId
    parent_id: ParentId
    venue: VenueId
    symbol: Symbol
    side: Side
    quantity: int
    price: Decimal
    fee: Decimal
    liquidity: Liquidity


@dataclass(frozen=True, slots=True)
class ChildFillBusted(Event):
    """A venue canceled (busted) an execution it had reported: FIX ExecType H (Trade Cancel), `bust_id` its
    ExecID, `fill_id` the ExecRefID naming the execution. The store takes the booked fill's shares off the
    child and the parent and off the firm's position; the tickets keep their allocations (the desk stands
    behind what the OMS was told), and the parent is paused for the trader."""

    bust_id: str
    fill_id: FillId
    child_id: ChildId
    venue: VenueId
    text: str


@dataclass(frozen=True, slots=True)
class ChildCancelRequested(Event):
    child_id: ChildId
    reason: str


@dataclass(frozen=True, slots=True)
class ChildCanceled(Event):
    """The venue removed the order's remaining quantity (solicited, IOC remainder, or unsolicited)."""

    child_id: ChildId
    reason: str


@dataclass(frozen=True, slots=True)
class ChildCancelRejected(Event):
    child_id: ChildId
    reason: str


@dataclass(frozen=True, slots=True)
class ChildReplaceRequested(Event):
    child_id: ChildId
    quantity: int
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class ChildReplaced(Event):
    child_id: ChildId
    quantity: int
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class ChildReplaceRejected(Event):
    child_id: ChildId
    reason: str


@dataclass(frozen=True, slots=True)
class ChildExpired(Event):
    child_id: ChildId
    reason: str


# --- risk and kill -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskBlocked(Event):
    """A pre-trade control stopped a child (or a new parent) before it reached a venue."""

    parent_id: str
    rule: str
    reason: str
    scope: str = ""  # where the limit applies: firm, desk, account, instrument, venue, parent ("": not said)
    key: str = ""  # which one of that scope (an account, a symbol, a venue ...)
    value: str = ""  # what was measured, as text (exact decimals)
    limit: str = ""  # the limit it was held against


@dataclass(frozen=True, slots=True)
class KillEngaged(Event):
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class KillReleased(Event):
    by: str


class RiskScope(Enum):
    """Where a trading state, a kill or a limit applies."""

    FIRM = "firm"
    DESK = "desk"
    ACCOUNT = "account"
    INSTRUMENT = "instrument"
    PARENT = "parent"
    VENUE = "venue"


class TradingState(Enum):
    """ACTIVE: trading; REDUCING: only orders that reduce the position; HALTED: nothing new (killed)."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


@dataclass(frozen=True, slots=True)
class TradingStateChanged(Event):
    """A scope's trading state changed (a kill, a re-enable, a move to REDUCING), by whom and why."""

    scope: RiskScope
    key: str  # "" for the firm
    state: TradingState
    reason: str
    by: str
    automatic: bool = False  # set by a risk trigger (loss limit, reject rate, message storm, disconnect)


@dataclass(frozen=True, slots=True)
class ScopeKilled(Event):
    """What a kill did: the parents it paused and the child orders it canceled (new orders in scope are blocked
    until the scope is re-enabled)."""

    scope: RiskScope
    key: str
    reason: str
    by: str
    parents_paused: tuple[ParentId, ...]
    children_canceled: tuple[ChildId, ...]
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class RiskWarned(Event):
    """A soft control was breached: the order needs (or got) a confirmation, or went on with a warning."""

    target: str  # the parent, or the ticket as it was entered
    rule: str
    scope: str
    key: str
    value: str
    limit: str
    reason: str
    outcome: str  # "needs confirmation", "confirmed by <user>", "accepted with a warning"


@dataclass(frozen=True, slots=True)
class RiskChecksPassed(Event):
    """How many pre-trade checks passed since the last such record (passes are counted, not journaled one by one)."""

    since_ns: int
    tickets: int
    children: int


@dataclass(frozen=True, slots=True)
class RiskLimitChanged(Event):
    """A permitted user changed a control's value at one scope and/or its mode (`Engine.set_limit`); the
    configuration file's values stay the base and these apply on top, in journal order, after a restart."""

    control: str
    scope: str  # "firm", "instrument", "account", "desk" or "venue"
    key: str  # "" for the firm
    old_value: Decimal | None  # None: no value at that scope (a removed or absent override)
    new_value: Decimal | None
    old_mode: str  # "hard", "soft" or "off"
    new_mode: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class VenueOrdersAtRisk(Event):
    """A venue's session dropped with these children live there: they are canceled on reconnect unless the
    venue reports them closed first."""

    venue: VenueId
    child_ids: tuple[ChildId, ...]


@dataclass(frozen=True, slots=True)
class CommandRejected(Event):
    """A command the engine refused (cancel of a filled parent, amend below filled, ...)."""

    command: str
    target: str
    reason: str


# --- errors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IllegalTransition(Event):
    """An order event that the state machine refused; the order was left unchanged."""

    order_id: str
    state: OrdStatus | None
    trigger: str
    event_type: str
    detail: str


@dataclass(frozen=True, slots=True)
class FillAnomaly(Event):
    """A real execution booked against its order's state (past the child's leaves, on an order already
    done, beyond the parent's quantity). The fill stands; the engine alerts and pauses the parent."""

    fill_id: FillId
    venue: VenueId
    child_id: ChildId
    parent_id: ParentId
    quantity: int
    detail: str


@dataclass(frozen=True, slots=True)
class ReportRefused(Event):
    """A venue report the order store could not apply (a duplicate execution id, an order this engine
    never sent, a state the order cannot take). Journaled for the audit trail and applied nowhere:
    no allocation, no OMS report, no algo reaction."""

    venue: str
    order_id: str
    report_type: str
    report: str  # the report as the journal would have encoded it
    reason: str


@dataclass(frozen=True, slots=True)
class AlertRaised(Event):
    """Something a trader must see: severity 'info', 'warning' or 'error'; `parent_id` when it concerns one."""

    severity: str
    source: str
    parent_id: str
    text: str


@dataclass(frozen=True, slots=True)
class AlertsAcknowledged(Event):
    """The trader acknowledged alerts (the alerts panel): those named in `keys` (the panel's own keys) and,
    when `through_ns` is set, every alert raised at or before it. Journaled, so a restart shows them as the
    trader left them."""

    by: str
    through_ns: int
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChildStatusReported(Event):
    """A venue's answer to an order status request (after a restart): whether it knows the child and,
    if so, its state and executed quantity. Fills it reports arrive as ChildFilled before it."""

    child_id: ChildId
    venue: VenueId
    known: bool
    status: OrdStatus | None
    cum_qty: int
    text: str


@dataclass(frozen=True, slots=True)
class RestartRecovered(Event):
    """What came back after a restart, for the trader's restart notice."""

    records: int
    from_checkpoint: bool
    parents: tuple[tuple[ParentId, str], ...]  # every parent live after recovery, with its state
    children_live: tuple[ChildId, ...]  # children a venue still works
    children_closed: tuple[tuple[ChildId, str], ...]  # closed on the venue's answer, with why
    seconds: float


# --- market data (observed, not journaled) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookUpdated(Event):
    venue: VenueId
    symbol: Symbol
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]


@dataclass(frozen=True, slots=True)
class TradePrinted(Event):
    venue: VenueId
    symbol: Symbol
    price: Decimal
    quantity: int
    aggressor: Side | None


@dataclass(frozen=True, slots=True)
class VenueStatusChanged(Event):
    """A venue's session: up (`connected`), degraded (connected, but silent: a TestRequest is out; the router
    sends no new orders there) or down (not connected: its live orders are at risk)."""

    venue: VenueId
    connected: bool
    detail: str
    degraded: bool = False


@dataclass(frozen=True, slots=True)
class AlgoProgress(Event):
    """Where an algo stands against its schedule; statistics (bps) are floats, money is Decimal."""

    parent_id: ParentId
    target_qty: int
    filled_qty: int
    working_qty: int
    market_volume: int
    market_vwap: Decimal | None
    arrival_mid: Decimal | None
    avg_price: Decimal | None
    slippage_bps: float | None


ChildEvent = (
    ChildSubmitted
    | ChildAccepted
    | ChildRejected
    | ChildFilled
    | ChildCancelRequested
    | ChildCanceled
    | ChildCancelRejected
    | ChildReplaceRequested
    | ChildReplaced
    | ChildReplaceRejected
    | ChildExpired
)
VenueOrderEvent = (
    ChildAccepted | ChildRejected | ChildFilled | ChildFillBusted | ChildCanceled | ChildCancelRejected | ChildReplaced
    | ChildReplaceRejected | ChildExpired | ChildStatusReported
)
"""What a venue reports about one of our child orders."""
MarketEvent = BookUpdated | TradePrinted


quick_init_all(globals())  # every record above gets the faster constructor (engine/quick_init.py)
