"""TCA metrics as pure functions: one order (a parent or a ticket) and its market tape in, numbers out.

Sign convention, everywhere: positive = better than the benchmark (a buy below it, a sell above it), in
money and in basis points. Money is Decimal; bps, shares of volume and percentages are floats.

Implementation shortfall against the arrival mid P0 for Q ordered, F filled for notional N, s = +1 buy / -1
sell, Pd the mid when the order first went to market, Pend the mid when it stopped working:
    delay       = s (P0 - Pd) F            the market's move before we acted
    execution   = s (Pd F - N)             impact and timing while working
    opportunity = s (P0 - Pend) (Q - F)    the move on what was never filled
    fees        = -sum(fees)
    total       = delay + execution + opportunity + fees;  bps = money / (Q P0) x 10,000
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.clock import NS_PER_S
from engine.model import Side
from engine.tca.tape import Tape

BPS = Decimal(10_000)
MARKOUTS_S = (1, 5, 60)


@dataclass(frozen=True, slots=True)
class Execution:
    """One execution of the order under review (a fill, or its share of a fill or of a cross)."""

    ts_ns: int
    quantity: int
    price: Decimal
    fee: Decimal
    venue: str
    order_type: str
    child_id: str
    quote_bid: Decimal | None = None  # the market its child decided on (used when the tape has no quote)
    quote_ask: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChildLine:
    """A child order for the child table."""

    child_id: str
    ts_ns: int
    venue: str
    order_type: str
    quantity: int
    price: Decimal | None
    reason: str
    done_ns: int
    executions: tuple[Execution, ...]


@dataclass(frozen=True, slots=True)
class OrderUnderReview:
    """What TCA needs of one order (built from the journal by `engine.tca.report`, or by hand in tests)."""

    order_id: str
    kind: str  # "parent" or "ticket"
    symbol: str
    side: Side
    quantity: int  # ordered (as finally amended)
    arrival_ns: int
    arrival_mid: Decimal | None
    start_ns: int  # when it could start working
    done_ns: int  # when it stopped working (filled, canceled, expired, or the end of the journal)
    executions: tuple[Execution, ...]
    release_ns: int | None = None  # when it first went to market (its first child decision)
    release_mid: Decimal | None = None  # the mid then
    schedule: tuple[tuple[int, int], ...] = ()  # (time, the schedule's target then), in time order
    children: tuple[ChildLine, ...] = ()


def signed_bps(side: Side, benchmark: Decimal | None, price: Decimal | None) -> float | None:
    """Performance of `price` against `benchmark` in bps, positive = better (bought below / sold above)."""
    if benchmark is None or price is None or not benchmark:
        return None
    return float((benchmark - price) * side.sign / benchmark * BPS)


def weighted(values: Sequence[tuple[int, float | None]]) -> float | None:
    """Size-weighted mean of (quantity, value) pairs, skipping missing values; None when none is known."""
    known = [(q, v) for q, v in values if v is not None]
    total = sum(q for q, _ in known)
    return None if not total else sum(q * v for q, v in known) / total


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Implementation shortfall against arrival, in money (positive = better than arrival) and bps of Q x P0."""

    paper_notional: Decimal
    delay: Decimal
    execution: Decimal
    opportunity: Decimal | None  # None: the mid when it stopped is unknown
    fees: Decimal
    release_mid_source: str

    @property
    def total(self) -> Decimal | None:
        if self.opportunity is None:
            return None
        return self.delay + self.execution + self.opportunity + self.fees

    def bps(self, money: Decimal | None) -> float | None:
        if money is None or not self.paper_notional:
            return None
        return float(money / self.paper_notional * BPS)


@dataclass(frozen=True, slots=True)
class Benchmarks:
    """Prices the execution is compared with; None when the data to compute one is missing."""

    arrival_mid: Decimal | None
    interval_vwap: Decimal | None
    day_vwap: Decimal | None
    close: Decimal | None
    close_ns: int | None
    end_mid: Decimal | None
    market_volume: int | None  # traded in the order's interval (None: no tape)


@dataclass(frozen=True, slots=True)
class ScheduleSplit:
    """Arrival slippage on the filled shares split into the schedule's part (what a perfect execution of the
    same schedule, each increment at the market VWAP of its interval, would have got) and execution's."""

    schedule_price: Decimal
    schedule_bps: float
    execution_bps: float


@dataclass(frozen=True, slots=True)
class OrderTca:
    order: OrderUnderReview
    filled: int
    avg_price: Decimal | None
    notional: Decimal
    fees: Decimal
    benchmarks: Benchmarks
    shortfall: Shortfall | None  # None: no arrival mid
    participation: float | None
    spread_capture_bps: float | None
    spread_capture_pct: float | None
    markouts_bps: tuple[tuple[int, float | None, int], ...]  # (seconds, size-weighted bps, executions measured)
    schedule: ScheduleSplit | None

    def vs(self, benchmark: Decimal | None) -> float | None:
        return signed_bps(self.order.side, benchmark, self.avg_price)


def average_price(executions: Sequence[Execution]) -> Decimal | None:
    """Size-weighted average price (exact)."""
    filled = sum(e.quantity for e in executions)
    return None if not filled else sum((e.price * e.quantity for e in executions), Decimal(0)) / filled


def shortfall(order: OrderUnderReview, end_mid: Decimal | None) -> Shortfall | None:
    """The implementation-shortfall decomposition (module docstring); None without an arrival mid."""
    p0 = order.arrival_mid
    if p0 is None:
        return None
    s = order.side.sign
    filled = sum(e.quantity for e in order.executions)
    notional = sum((e.price * e.quantity for e in order.executions), Decimal(0))
    release, source = (order.release_mid, "mid at the first child decision") if order.release_mid is not None \
        else (p0, "no child decision: taken as the arrival mid (no delay)")
    unfilled = max(0, order.quantity - filled)
    opportunity = None if end_mid is None and unfilled else s * (p0 - (end_mid or p0)) * unfilled
    return Shortfall(
        paper_notional=p0 * order.quantity,
        delay=s * (p0 - release) * filled,
        execution=s * (release * filled - notional),
        opportunity=opportunity,
        fees=-sum((e.fee for e in order.executions), Decimal(0)),
        release_mid_source=source,
    )


def market_quote(execution: Execution, tape: Tape | None) -> tuple[Decimal, Decimal] | None:
    """(bid, ask) just before the execution: the tape's, else the quote its child's decision saw."""
    point = tape.quote_at(execution.ts_ns, strict=True) if tape else None
    if point is not None and point.bid is not None and point.ask is not None:
        return point.bid, point.ask
    if execution.quote_bid is not None and execution.quote_ask is not None:
        return execution.quote_bid, execution.quote_ask
    return None


def spread_capture(side: Side, execution: Execution, tape: Tape | None) -> tuple[float, float | None] | None:
    """(bps of the mid, % of the half spread) captured: +100% at our side's touch, -100% at the far touch."""
    quote = market_quote(execution, tape)
    if quote is None:
        return None
    bid, ask = quote
    mid = (bid + ask) / 2
    edge = (mid - execution.price) * side.sign
    half = (ask - bid) / 2
    return float(edge / mid * BPS), (float(edge / half * 100) if half > 0 else None)


def markout(side: Side, execution: Execution, tape: Tape | None, seconds: int) -> float | None:
    """Mid `seconds` after the execution against its price, bps, positive = the market moved our way."""
    later = execution.ts_ns + seconds * NS_PER_S
    if not tape or not tape.covers(later):
        return None
    mid = tape.mid_at(later)
    return None if mid is None else float((mid - execution.price) * side.sign / execution.price * BPS)


def schedule_split(order: OrderUnderReview, tape: Tape | None, avg: Decimal | None) -> ScheduleSplit | None:
    """The schedule's share of the arrival slippage and execution's share (see `ScheduleSplit`)."""
    filled = sum(e.quantity for e in order.executions)
    if not tape or avg is None or order.arrival_mid is None or not order.schedule or not filled:
        return None
    points = [(order.start_ns, 0), *order.schedule]
    cost = Decimal(0)
    done = 0
    for (t0, _), (t1, target) in itertools.pairwise(points):
        step = min(target, filled) - done  # a target that falls back (an amend down) buys nothing
        if step <= 0:
            continue
        price = tape.vwap(t0, t1) or tape.mid_at(t1)
        if price is None:
            return None
        cost += price * step
        done += step
    if done < filled:
        return None  # the schedule stated never reached what was filled
    p0, s = order.arrival_mid, order.side.sign
    schedule_price = cost / filled
    return ScheduleSplit(schedule_price, float(s * (p0 - schedule_price) / p0 * BPS),
                         float(s * (schedule_price - avg) / p0 * BPS))


def analyse(order: OrderUnderReview, tape: Tape | None, day_start_ns: int, day_end_ns: int) -> OrderTca:
    """Every metric of one order against its symbol's tape for the day [day_start, day_end]."""
    executions = order.executions
    side = order.side
    filled = sum(e.quantity for e in executions)
    avg = average_price(executions)
    end_mid = tape.mid_at(order.done_ns) if tape else None
    close = tape.last_trade(day_end_ns) if tape else None
    volume = tape.volume(order.start_ns, order.done_ns) if tape else None
    benchmarks = Benchmarks(
        arrival_mid=order.arrival_mid,
        interval_vwap=tape.vwap(order.start_ns, order.done_ns) if tape else None,
        day_vwap=tape.vwap(day_start_ns - 1, day_end_ns) if tape else None,
        close=None if close is None else close[1],
        close_ns=None if close is None else close[0],
        end_mid=end_mid,
        market_volume=volume,
    )
    captures = [(e.quantity, spread_capture(side, e, tape)) for e in executions]
    markouts = []
    for seconds in MARKOUTS_S:
        values = [(e.quantity, markout(side, e, tape, seconds)) for e in executions]
        markouts.append((seconds, weighted(values), sum(v is not None for _, v in values)))
    return OrderTca(
        order=order, filled=filled, avg_price=avg,
        notional=sum((e.price * e.quantity for e in executions), Decimal(0)),
        fees=sum((e.fee for e in executions), Decimal(0)),
        benchmarks=benchmarks,
        shortfall=shortfall(order, end_mid),
        participation=filled / volume if volume else None,
        spread_capture_bps=weighted([(q, c[0] if c else None) for q, c in captures]),
        spread_capture_pct=weighted([(q, c[1] if c else None) for q, c in captures]),
        markouts_bps=tuple(markouts),
        schedule=schedule_split(order, tape, avg),
    )


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Executions grouped by venue or order type."""

    name: str
    executions: int
    quantity: int
    share: float  # of the order's filled quantity
    avg_price: Decimal
    vs_arrival_bps: float | None
    vs_interval_vwap_bps: float | None
    fees: Decimal
    spread_capture_bps: float | None


def breakdown(tca: OrderTca, tape: Tape | None, key: Callable[[Execution], str]) -> list[Breakdown]:
    """The order's executions grouped by `key` (venue, order type), largest first."""
    groups: dict[str, list[Execution]] = {}
    for execution in tca.order.executions:
        groups.setdefault(key(execution), []).append(execution)
    side = tca.order.side
    rows = []
    for name, group in groups.items():
        quantity = sum(e.quantity for e in group)
        avg = average_price(group)
        assert avg is not None
        captures = [(e.quantity, (spread_capture(side, e, tape) or (None, None))[0]) for e in group]
        rows.append(Breakdown(name, len(group), quantity, quantity / tca.filled if tca.filled else 0.0, avg,
                              signed_bps(side, tca.benchmarks.arrival_mid, avg),
                              signed_bps(side, tca.benchmarks.interval_vwap, avg),
                              sum((e.fee for e in group), Decimal(0)), weighted(captures)))
    return sorted(rows, key=lambda r: (-r.quantity, r.name))


def child_benchmark(child: ChildLine, tape: Tape | None) -> tuple[Decimal | None, str]:
    """A child's benchmark: the market VWAP over its life, or the mid when it was sent if nothing traded then."""
    if tape:
        vwap = tape.vwap(child.ts_ns, max(child.done_ns, child.ts_ns))
        if vwap is not None:
            return vwap, "VWAP"
        mid = tape.mid_at(child.ts_ns)
        if mid is not None:
            return mid, "mid"
    return None, ""
