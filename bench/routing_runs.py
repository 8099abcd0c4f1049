"""One routing benchmark run: a parent worked by the router alone on the simulated market, in virtual time.

The parent is a buy of a multiple of the displayed ask depth (all lit venues, within 4 ticks of the touch)
at arrival, to be done by its end. `RoutingBenchAlgo` works it in slices of a quarter of that depth: for
`patience` seconds it asks the router to rest the next slice at the near touch whenever nothing rests
(re-pegging stale children), then takes what is left every second up to the far touch + `limit_ticks`,
and in the last `FINAL_S` seconds at any price (whatever is still unfilled at the end counts at the end
mid; the simulated fair value has no permanent impact, so leaving shares undone would otherwise be free).
Only the routing policy differs between runs of the same (symbol, size, seed); each run has its own
market (same seed, same background flow) and a fresh scorecard.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.algos.base import Algo, ParamSpec
from engine.algos.registry import ALGOS
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Instrument, OrdStatus, ParentId, Side, Symbol, TimeInForce, VenueId
from engine.risk import RiskLimits
from engine.routing.cont_kukanov import Placement, PlacementProblem
from engine.routing.policy import POLICY_NAMES, RoutingConfig
from engine.routing.router import SmartRouter
from engine.routing.venues import VenueFacts
from engine.venues.sim.market import DEFAULT_START_PRICES, DEFAULT_VOLATILITY, SimMarketConfig, build_sim_market
from engine.venues.sim.profile import NS_PER_DAY, SESSION_OPEN_NS
from engine.venues.sim.profiles import VenueProfile, parse_venues
from engine.views import ParentView

OPEN_NS = 20_454 * NS_PER_DAY + SESSION_OPEN_NS + 90 * 60 * NS_PER_S  # 2026-01-02 11:00: past the opening rush
WARM_UP_S = 180  # books and outflow history (the Cont-Kukanov windows)
FINAL_S = 15  # the last seconds of a parent, when what is left is taken at any price
LIQUID, ILLIQUID = Symbol("AAPL"), Symbol("ILLQ")
BENCH_LIMITS = RiskLimits(max_child_qty=10_000_000, max_child_notional=Decimal("1e10"),
                          max_parent_notional=Decimal("1e11"))
"""Routing is measured here, not pre-trade risk: a large parent's single child must not be stopped."""


@dataclass(frozen=True, slots=True)
class Bucket:
    symbol: Symbol
    size_x_depth: float  # parent size as a multiple of the displayed ask depth at arrival
    patience_s: int
    urgent_s: int
    limit_ticks: int


ILLIQUID_LIT, ILLIQUID_TURNOVER, ILLIQUID_DARK = 0.3, 0.2, 0.5
"""The illiquid name: 0.3x the lit flow of a liquid one, trading 0.2x as often again (its displayed depth
turns over ~17x more slowly), and 0.5x the dark contra (block interest fades less than lit trading)."""


def market_config(symbol: Symbol) -> SimMarketConfig:
    """The default market, plus the illiquid name (see ILLIQUID_*)."""
    return SimMarketConfig(
        start_prices={**DEFAULT_START_PRICES, ILLIQUID: Decimal("42.10")},
        volatility={**DEFAULT_VOLATILITY, ILLIQUID: 0.35},
        liquidity={ILLIQUID: ILLIQUID_LIT}, turnover={ILLIQUID: ILLIQUID_TURNOVER},
        dark_liquidity={ILLIQUID: ILLIQUID_DARK},
    )


def venue_facts(profiles: Mapping[VenueId, VenueProfile]) -> dict[VenueId, VenueFacts]:
    return {v: VenueFacts(v, p.dark, p.maker_fee, p.taker_fee, p.min_qty, float(p.latency_us))
            for v, p in profiles.items()}


class RoutingBenchAlgo(Algo):
    """Rest at the near touch (re-pegging) for `patience_seconds`, then take the rest up to the limit."""

    name = "ROUTEBENCH"
    params_spec = (
        ParamSpec("routing", "Routing", str, "", choices=POLICY_NAMES, optional=True),
        ParamSpec("patience_seconds", "Patience (s)", int, "120", minimum=0),
        ParamSpec("repeg_seconds", "Re-peg after (s)", int, "5", minimum=0),
        ParamSpec("slice_qty", "Slice", int, "0", minimum=0),
        ParamSpec("limit_ticks", "Take up to the far touch + ticks", int, "5", minimum=0),
    )

    def __init__(self, parent_id: ParentId, ctx: Any, params: Mapping[str, str]) -> None:
        super().__init__(parent_id, ctx, params)
        self._next_sweep_ns = 0

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        return parent.quantity

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        if now_ns >= parent.end_ns:
            return
        live = self.ctx.live_children(self.parent_id)
        room = parent.quantity - parent.cum_qty - sum(c.leaves_qty for c in live)
        resting = [c for c in live if c.tif is TimeInForce.DAY and c.status is not OrdStatus.PENDING_CANCEL]
        if now_ns >= parent.start_ns + self.param_int("patience_seconds") * NS_PER_S:
            for child in resting:
                self.ctx.cancel_child(child.child_id, "bench: patience over, taking the rest")
            quote = self.ctx.quote_of(self.parent_id)
            if room > 0 and now_ns >= self._next_sweep_ns and quote.ask is not None:
                self._next_sweep_ns = now_ns + NS_PER_S
                final = now_ns >= parent.end_ns - FINAL_S * NS_PER_S
                limit = None if final else quote.ask + Decimal("0.01") * self.param_int("limit_ticks")
                self.ctx.send_aggressive(self.parent_id, room, limit)
            return
        quote = self.ctx.quote_of(self.parent_id)
        if quote.bid is None:
            return
        price = quote.bid
        repeg_ns = self.param_int("repeg_seconds") * NS_PER_S
        for child in resting:
            if child.price != price and now_ns - child.created_ns >= repeg_ns:
                self.ctx.cancel_child(child.child_id, "bench: re-peg")
        if room > 0 and not resting and not any(c.status is OrdStatus.PENDING_CANCEL for c in live):
            self.ctx.send_passive(self.parent_id, min(room, self.param_int("slice_qty") or room), price)


class _Markouts:
    """The engine's mid when each of our fills arrives and 5 s after it (a clock timer per fill)."""

    def __init__(self, engine: Engine, parent: ParentId) -> None:
        self.engine, self.parent = engine, parent
        self.bps_shares = 0.0
        self.shares = 0
        self.at_fill: list[tuple[int, Decimal, Decimal]] = []
        """(quantity, price, mid when it arrived) of each fill, for `cost_parts`."""

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.ChildFilled) and event.parent_id == self.parent:
            mid = self.engine.market.mid(event.symbol)
            self.at_fill.append((event.quantity, event.price, event.price if mid is None else mid))
            self.engine.clock.call_at(event.ts_ns + 5 * NS_PER_S, lambda: self._take(event))

    def _take(self, fill: ev.ChildFilled) -> None:
        mid = self.engine.market.mid(fill.symbol)
        if mid is not None:
            self.bps_shares += float((mid - fill.price) * fill.side.sign / fill.price) * 10_000 * fill.quantity
            self.shares += fill.quantity


def cost_parts(fills: Sequence[tuple[int, Decimal, Decimal]], arrival: Decimal, sign: int) -> tuple[float, float]:
    """The cost vs arrival of (quantity, price, mid when the fill arrived) fills, in bps of the arrival mid,
    as two parts that add up to it: *timing*, where the mid stood when the fills came (mid - arrival), and
    *vs mid*, what each fill paid against that mid (price - mid). Two routings of one parent on the same
    market that differ in timing filled at other moments; in vs mid, at other prices for the moment.
    (0.0, 0.0) without fills."""
    filled = sum(q for q, _, _ in fills)
    if not filled:
        return 0.0, 0.0
    scale = sign * 10_000 / (filled * arrival)
    timing = sum((mid - arrival) * q for q, _, mid in fills) * scale
    vs_mid = sum((price - mid) * q for q, price, mid in fills) * scale
    return float(timing), float(vs_mid)


def run(bucket: Bucket, policy: str, seed: int,
        solver: Callable[[PlacementProblem], Placement] | None = None) -> dict[str, Any]:
    """One parent under one policy; the figures of the BENCH.md row plus what explains them."""
    symbol = bucket.symbol
    instruments = {symbol: Instrument(symbol, Decimal("0.01"), 1)}
    clock = VirtualClock(OPEN_NS)
    venues = build_sim_market(clock, instruments, seed, config=market_config(symbol))
    profiles = parse_venues({}, ["LIT1", "LIT2", "LIT3"], True)
    router = SmartRouter(RoutingConfig(seed=seed), venue_facts(profiles), clock, solver=solver)
    with tempfile.TemporaryDirectory(prefix="ems-bench-routing-") as scratch:
        engine = Engine(clock=clock, journal=Journal(Path(scratch) / "j.db"), instruments=instruments, venues=venues,
                        algos={**ALGOS, RoutingBenchAlgo.name: RoutingBenchAlgo}, router=router,
                        risk_limits=BENCH_LIMITS)
        engine.start()
        clock.advance(WARM_UP_S * NS_PER_S)
        asks = engine.market.levels(symbol, asks=True)
        depth = sum(level.size for level in asks if level.price <= asks[0].price + Decimal("0.04"))
        quantity = max(100, round(bucket.size_x_depth * depth / 100) * 100)
        start = clock.now_ns()
        end = start + (bucket.patience_s + bucket.urgent_s) * NS_PER_S
        result = engine.submit_ticket(symbol=symbol, side=Side.BUY, quantity=quantity, limit_price=None,
                                      algo=RoutingBenchAlgo.name, end_ns=end,
                                      params={"routing": policy, "patience_seconds": str(bucket.patience_s),
                                              "slice_qty": str(max(100, depth // 400 * 100)),
                                              "limit_ticks": str(bucket.limit_ticks)})
        assert result.parent_id is not None, result.reason
        parent_id = result.parent_id
        markouts = _Markouts(engine, parent_id)
        engine.subscribe(markouts)
        clock.run_until(end + 6 * NS_PER_S)
        parent = engine.store.parent(parent_id)
        fills = [f for f in engine.store.fills() if f.parent_id == parent_id]
        end_mid = engine.market.mid(symbol)
        children = engine.store.children(parent_id)
        engine.close()
    arrival = parent.arrival_mid
    assert arrival is not None and end_mid is not None
    filled = sum(f.quantity for f in fills)
    notional = sum(f.price * f.quantity for f in fills)
    fees = sum(f.fee for f in fills)
    price_cost = float((notional / filled - arrival) / arrival) * 10_000 if filled else None
    shortfall = float((notional + (quantity - filled) * end_mid - quantity * arrival) / (quantity * arrival)) * 10_000
    fees_bps = float(fees / notional) * 10_000 if filled else 0.0
    timing, vs_mid = cost_parts(markouts.at_fill, arrival, Side.BUY.sign)
    dark = sum(f.quantity for f in fills if f.venue == "DARK1")
    complete = filled == quantity
    return {
        "symbol": symbol, "size_x_depth": bucket.size_x_depth, "policy": policy, "seed": seed,
        "quantity": quantity, "displayed_depth": depth, "filled": filled,
        "cost_vs_arrival_bps": price_cost, "timing_bps": timing, "vs_mid_bps": vs_mid, "fees_bps": fees_bps,
        "shortfall_bps": shortfall, "all_in_bps": shortfall + fees_bps * filled / quantity,
        "seconds_to_complete": (max(f.ts_ns for f in fills) - start) / NS_PER_S if complete else None,
        "fill_rate": filled / quantity, "dark_share": dark / filled if filled else 0.0,
        "markout_5s_bps": markouts.bps_shares / markouts.shares if markouts.shares else None,
        "children": len(children), "venues": sorted({c.venue for c in children}),
    }


def fixed_split(market_share: float, weights: tuple[float, ...]) -> Callable[[PlacementProblem], Placement]:
    """A solver that ignores the optimisation: `market_share` now, the rest by fixed weights over LIT1..3."""
    from engine.routing.cont_kukanov import fixed_placement

    def solver(problem: PlacementProblem) -> Placement:
        return fixed_placement(problem, market_share, weights[:problem.venues])

    return solver


