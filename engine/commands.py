"""Commands: requests to the engine, named in the imperative. Journaled before they are acted on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.events import AlgoParams
from engine.model import ParentId, Side, TicketId
from engine.quick_init import quick_init_all


@dataclass(frozen=True, slots=True)
class Command:
    ts_ns: int


@dataclass(frozen=True, slots=True)
class SubmitTicket(Command):
    """A trader's (or OMS's) order request; validated by the engine, which answers with a result."""

    request_id: str
    symbol: str
    side: Side
    quantity: int
    limit_price: Decimal | None
    algo: str
    start_ns: int | None
    end_ns: int
    params: AlgoParams = ()
    source: str = "gui"
    account: str = "DESK"
    urgency: str = "MEDIUM"
    allow_cross: bool = True


@dataclass(frozen=True, slots=True)
class CancelTicket(Command):
    ticket_id: TicketId
    reason: str


@dataclass(frozen=True, slots=True)
class AmendTicket(Command):
    ticket_id: TicketId
    quantity: int
    limit_price: Decimal | None = None  # None: the limit stays as it is
    end_ns: int | None = None  # None: the end time stays as it is


@dataclass(frozen=True, slots=True)
class CancelParent(Command):
    parent_id: ParentId
    reason: str = "trader cancel"


@dataclass(frozen=True, slots=True)
class AmendParent(Command):
    parent_id: ParentId
    quantity: int | None = None
    limit_price: Decimal | None = None
    clear_limit: bool = False
    end_ns: int | None = None


@dataclass(frozen=True, slots=True)
class PauseParent(Command):
    parent_id: ParentId


@dataclass(frozen=True, slots=True)
class ResumeParent(Command):
    parent_id: ParentId


@dataclass(frozen=True, slots=True)
class EngageKill(Command):
    reason: str
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class ReleaseKill(Command):
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class KillScope(Command):
    """Kill one scope (desk, account, instrument, parent, venue); the firm-wide kill is `EngageKill`."""

    scope: str
    key: str
    reason: str
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class ReenableScope(Command):
    """Re-enable a killed (or reducing) scope, with the reason; parents stay paused."""

    scope: str
    key: str
    reason: str
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class SetTradingState(Command):
    scope: str
    key: str
    state: str
    reason: str
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class ResumeParents(Command):
    """Resume every paused parent in a scope (after a re-enable)."""

    scope: str
    key: str
    by: str = "trader"


@dataclass(frozen=True, slots=True)
class SessionLost(Command):
    """An order source's session dropped (an OMS over FIX: `fix:<client>`)."""

    source: str


@dataclass(frozen=True, slots=True)
class ChangeRiskLimit(Command):
    """Set a control's value at one scope (None: remove that scope's override) and/or its mode ("": unchanged)."""

    control: str
    scope: str
    key: str
    value: Decimal | None
    mode: str
    by: str
    reason: str


quick_init_all(globals())  # every command above gets the faster constructor (engine/quick_init.py)
