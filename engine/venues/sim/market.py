"""Putting the simulated market together: lit venues sharing one fair value per symbol, a cross-venue
arbitrageur keeping the consolidated market from staying locked or crossed, plus a dark midpoint pool
referencing the lit NBBO. Deterministic for a given seed and clock.

The default market has three lit venues with different economics: LIT1 maker-taker and deepest, LIT2
inverted (pays takers) and mid-sized, LIT3 cheap to take, thin and slow; DARK1 a midpoint pool with a
200-share minimum. `liquidity` thins (or thickens) a symbol's lit flow, `turnover` its trading alone,
`dark_liquidity` its dark contra.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.clock import Clock
from engine.model import Instrument, Symbol, VenueId
from engine.venues.base import Venue
from engine.venues.sim.arbitrage import ArbitrageConfig, Arbitrageur
from engine.venues.sim.dark import DARK_FEES, DarkConfig, MidpointPool, nbbo_reference
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.flow import FlowConfig
from engine.venues.sim.gateway import Fees
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.seeding import derive_rng
from engine.venues.sim.venue import SimVenue

DARK_VENUE = VenueId("DARK1")
DEFAULT_LIT_VENUES = ("LIT1", "LIT2", "LIT3")
DEFAULT_START_PRICES: dict[Symbol, Decimal] = {
    Symbol("AAPL"): Decimal("189.50"),
    Symbol("MSFT"): Decimal("415.20"),
    Symbol("AMZN"): Decimal("178.30"),
    Symbol("NVDA"): Decimal("121.40"),
}
DEFAULT_VOLATILITY: dict[Symbol, float] = {
    Symbol("AAPL"): 0.25,
    Symbol("MSFT"): 0.22,
    Symbol("AMZN"): 0.30,
    Symbol("NVDA"): 0.45,
}
DEFAULT_FEES: dict[VenueId, Fees] = {
    # maker-taker (rebate for adding), inverted (rebate for taking), and a cheap-to-take flat venue
    VenueId("LIT1"): Fees(maker_per_share=Decimal("-0.0020"), taker_per_share=Decimal("0.0030")),
    VenueId("LIT2"): Fees(maker_per_share=Decimal("0.0010"), taker_per_share=Decimal("-0.0005")),
    VenueId("LIT3"): Fees(maker_per_share=Decimal("-0.0005"), taker_per_share=Decimal("0.0010")),
}
DEFAULT_FLOWS: dict[VenueId, FlowConfig] = {
    VenueId("LIT2"): FlowConfig(add_rate_per_s=7.0, trade_rate_per_s=0.7),
    VenueId("LIT3"): FlowConfig(add_rate_per_s=4.0, trade_rate_per_s=0.4, mean_order_lots=1.5),
}
DEFAULT_LATENCIES: dict[VenueId, LatencyModel] = {
    VenueId("LIT1"): LatencyModel(150_000, 100_000),
    VenueId("LIT2"): LatencyModel(250_000, 150_000),
    VenueId("LIT3"): LatencyModel(600_000, 400_000),
    DARK_VENUE: LatencyModel(300_000, 200_000),
}


def default_instruments() -> dict[Symbol, Instrument]:
    """A few liquid US stocks (penny tick, one-share lots) with plausible start prices."""
    return {symbol: Instrument(symbol, Decimal("0.01"), 1) for symbol in DEFAULT_START_PRICES}


@dataclass(frozen=True)
class SimMarketConfig:
    """Everything tunable about the simulated market; defaults give a lively but sane market."""

    flow: FlowConfig = field(default_factory=FlowConfig)
    flow_by_venue: Mapping[VenueId, FlowConfig] = field(default_factory=lambda: dict(DEFAULT_FLOWS))
    fees: Fees = field(default_factory=Fees)
    fees_by_venue: Mapping[VenueId, Fees] = field(default_factory=lambda: dict(DEFAULT_FEES))
    latency: LatencyModel = field(default_factory=LatencyModel)
    latency_by_venue: Mapping[VenueId, LatencyModel] = field(default_factory=lambda: dict(DEFAULT_LATENCIES))
    md_levels: int = 5
    md_interval_ms: float = 100.0
    start_prices: Mapping[Symbol, Decimal] = field(default_factory=lambda: dict(DEFAULT_START_PRICES))
    volatility: Mapping[Symbol, float] = field(default_factory=lambda: dict(DEFAULT_VOLATILITY))
    default_volatility: float = 0.25
    """Annualized volatility of symbols missing from `volatility`."""
    dark: DarkConfig = field(default_factory=lambda: DarkConfig(min_qty=200))
    dark_venue: VenueId = DARK_VENUE
    dark_fees: Fees = DARK_FEES
    liquidity: Mapping[Symbol, float] = field(default_factory=dict)
    """Multiplier of a symbol's lit background rates (passive adds and trades); 1 when missing."""
    turnover: Mapping[Symbol, float] = field(default_factory=dict)
    """A further multiplier of a symbol's marketable (trade) rate alone: below 1, its displayed depth turns over
    more slowly (what makes a name illiquid rather than merely small); 1 when missing."""
    dark_liquidity: Mapping[Symbol, float] = field(default_factory=dict)
    """Multiplier of a symbol's dark contra arrival rate; 1 when missing."""
    arbitrage: ArbitrageConfig | None = field(default_factory=ArbitrageConfig)
    """None: nobody arbitrages the lit venues (locked and crossed markets can last)."""
    background: bool = True
    """False: empty books and no dark contra (only what tests place by hand)."""


def _scaled(flow: FlowConfig, scale: float, turnover: float) -> FlowConfig:
    return dataclasses.replace(flow, add_rate_per_s=flow.add_rate_per_s * scale,
                               trade_rate_per_s=flow.trade_rate_per_s * scale * turnover)


def build_sim_market(
    clock: Clock,
    instruments: Mapping[Symbol, Instrument],
    seed: int,
    *,
    venues: Sequence[str] = DEFAULT_LIT_VENUES,
    with_dark: bool = True,
    config: SimMarketConfig | None = None,
) -> list[Venue]:
    """Lit venues (and a dark pool, last) ready to `connect`; background flow and the arbitrageur start
    with the first venue's connection.

    Raises ValueError naming the symbol when an instrument has no start price in the config.
    """
    config = config or SimMarketConfig()
    if not venues:
        raise ValueError("the simulated market needs at least one lit venue")
    fair_values: dict[Symbol, FairValue] = {}
    for symbol, instrument in instruments.items():
        start = config.start_prices.get(symbol)
        if start is None:
            raise ValueError(f"no start price for {symbol}: add it to SimMarketConfig.start_prices")
        fair_values[symbol] = FairValue(
            instrument.to_ticks(start),
            annual_volatility=config.volatility.get(symbol, config.default_volatility),
            rng=derive_rng(seed, "fair-value", symbol),
            origin_ns=clock.now_ns(),
        )
    lit = []
    for name in venues:
        venue_id = VenueId(name)
        flow = config.flow_by_venue.get(venue_id, config.flow)
        lit.append(SimVenue(
            venue_id,
            clock,
            instruments,
            seed=seed,
            fees=config.fees_by_venue.get(venue_id, config.fees),
            latency=config.latency_by_venue.get(venue_id, config.latency),
            md_levels=config.md_levels,
            md_interval_ms=config.md_interval_ms,
            fair_values=fair_values if config.background else None,
            flow=flow,
            flow_by_symbol={s: _scaled(flow, config.liquidity.get(s, 1.0), config.turnover.get(s, 1.0))
                            for s in {*config.liquidity, *config.turnover} if s in instruments},
        ))
    if config.background and config.arbitrage is not None:
        arbitrageur = Arbitrageur(lit, instruments, clock, derive_rng(seed, "arbitrage"), config.arbitrage)
        arbitrageur.start()
    market: list[Venue] = list(lit)
    if with_dark:
        market.append(
            MidpointPool(
                config.dark_venue,
                clock,
                instruments,
                nbbo_reference([venue.book for venue in lit]),
                seed=seed,
                fees=config.dark_fees,
                latency=config.latency_by_venue.get(config.dark_venue, config.latency),
                config=config.dark if config.background else None,
                contra_scale=config.dark_liquidity,
            )
        )
    return market
