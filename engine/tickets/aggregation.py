"""Which working block a ticket joins: the mandate rules, configurable per desk.

A ticket joins the oldest open block with the same instrument, side and crossing eligibility whose
mandate is compatible under `AggregationRules`, or starts a new block. Fields that must match exactly
form a hashable key (a dictionary lookup); only the fuzzy rules (limit tolerance, overlapping windows)
scan the few open blocks under one key, oldest first, so the choice is deterministic.

A block's limit is the most restrictive limit of its tickets (lowest for a buy, highest for a sell),
so no ticket is ever worked through its own limit; a block's time window is the intersection of its
tickets' windows under `WindowRule.OVERLAP`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from engine.model import Side
from engine.tickets.model import Ticket

_FAR_PAST = -(2**63)
_FAR_FUTURE = 2**63


class WindowRule(Enum):
    """How tickets' time windows must agree to share a block."""

    EQUAL = "equal"
    """Same start and end (None matches only None)."""
    OVERLAP = "overlap"
    """Windows overlap; the block works the intersection (None is an open bound)."""
    IGNORE = "ignore"
    """Windows do not split blocks; the block keeps its first ticket's window."""


@dataclass(frozen=True, slots=True)
class AggregationRules:
    """Which mandate fields must agree for tickets to be worked together.

    `limit_tolerance_ticks`: 0 = equal limits only; k = every limit in the block within k ticks of
    every other; None = limits never split blocks. `mix_market_and_limit` lets market tickets share a
    block with limit tickets (they then wait for the block's limit too).
    """

    match_algo: bool = True
    match_urgency: bool = True
    match_account: bool = False
    match_source: bool = False
    limit_tolerance_ticks: int | None = 0
    mix_market_and_limit: bool = False
    window: WindowRule = WindowRule.EQUAL

    def __post_init__(self) -> None:
        if self.limit_tolerance_ticks is not None and self.limit_tolerance_ticks < 0:
            raise ValueError(f"limit tolerance must be >= 0 ticks, got {self.limit_tolerance_ticks}")

    @property
    def exact_only(self) -> bool:
        """True when the key alone decides (at most one open block per key)."""
        return self.limit_tolerance_ticks == 0 and self.window is not WindowRule.OVERLAP


class BlockMandate(NamedTuple):
    """The fuzzy part of a block's mandate: its limit range (ticks) and its time window.

    A NamedTuple (one per block, 3x cheaper to build than a frozen dataclass).
    """

    low_limit_ticks: int | None
    high_limit_ticks: int | None
    start_ns: int | None
    end_ns: int | None

    def limit_ticks(self, side: Side) -> int | None:
        """The block's working limit: the most restrictive of its tickets' limits."""
        return self.low_limit_ticks if side is Side.BUY else self.high_limit_ticks


def key_function(rules: AggregationRules, leading: tuple[str, ...] = ()) -> Callable[[Ticket], Hashable]:
    """The exact-match part of the mandate, side and crossing aside (unless `leading` names them).

    Built once per rule set from the fields that must be equal, as the plain tuple expression
    ``lambda t: (t.symbol, t.algo, ...)``: on slots the interpreter's specialised attribute loads
    make that twice as fast as `operator.attrgetter` (one call per ticket on the hot path).
    `leading` ("side", "allow_cross") puts those ticket fields first.
    """
    fields = key_fields(rules, leading)
    # Only the literal field names of `key_fields` go into the source text. The side enters as a bool:
    # hashing an Enum member calls Python-level code.
    terms = ", ".join("t.side is _BUY" if f == "side" else "t." + f for f in fields)
    key: Callable[[Ticket], Hashable] = eval(f"lambda t: ({terms},)", {"_BUY": Side.BUY})
    return key


def key_fields(rules: AggregationRules, leading: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The ticket fields (or expressions) in `key_function`'s key, in order."""
    if not set(leading) <= {"side", "allow_cross"}:
        raise ValueError(f"unexpected leading key fields {leading}")
    fields = [*leading, "symbol"]
    fields += ["algo"] if rules.match_algo else []
    fields += ["urgency"] if rules.match_urgency else []
    fields += ["account"] if rules.match_account else []
    fields += ["source"] if rules.match_source else []
    fields += ["limit_price"] if rules.limit_tolerance_ticks == 0 else []
    fields += ["start_ns", "end_ns"] if rules.window is WindowRule.EQUAL else []
    if rules.limit_tolerance_ticks != 0 and not rules.mix_market_and_limit:
        fields.append("limit_price is None")
    return tuple(fields)


DEFAULT_SIMPLE_KEY = ("side", "allow_cross", "symbol", "algo", "urgency", "limit_price", "start_ns", "end_ns")
"""`key_fields` of the default rules with crossing everywhere: `TicketBook.add_ticket` builds this key inline."""


def mandate_key(ticket: Ticket, rules: AggregationRules, crossable: bool) -> Hashable:
    """The exact-match part of the mandate: tickets with different keys never share a block."""
    return ticket.side, crossable, key_function(rules)(ticket)


def joined_mandate(
    mandate: BlockMandate, limit_ticks: int | None, start_ns: int | None, end_ns: int | None, rules: AggregationRules
) -> BlockMandate | None:
    """The block's mandate once this ticket joins, or None when the ticket is not compatible.

    Only the fuzzy rules are checked here; `mandate_key` has already matched everything else.
    """
    low, high = mandate.low_limit_ticks, mandate.high_limit_ticks
    if limit_ticks is not None:
        low = limit_ticks if low is None else min(low, limit_ticks)
        high = limit_ticks if high is None else max(high, limit_ticks)
        tolerance = rules.limit_tolerance_ticks
        if tolerance is not None and high - low > tolerance:
            return None
    start, end = mandate.start_ns, mandate.end_ns
    if rules.window is WindowRule.OVERLAP:
        start = _later(start, start_ns)
        end = _earlier(end, end_ns)
        if (_FAR_PAST if start is None else start) >= (_FAR_FUTURE if end is None else end):
            return None
    if (low, high, start, end) == (mandate.low_limit_ticks, mandate.high_limit_ticks, mandate.start_ns, mandate.end_ns):
        return mandate
    return BlockMandate(low, high, start, end)


def _later(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)
