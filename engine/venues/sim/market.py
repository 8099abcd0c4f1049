"""Putting the simulated market together: lit venues sharing one fair value per symbol, plus a dark
midpoint pool referencing the lit NBBO. Deterministic for a given seed and clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.clock import Clock
from engine.model import Instrument, Symbol, VenueId
from engine.venues.base import Venue
from engine.venues.sim.dark import DarkConfig, MidpointPool, nbbo_reference
from engine.venues.sim.fairvalue import FairValue
from engine.venues.sim.flow import FlowConfig
from engine.venues.sim.gateway import Fees
from engine.venues.sim.latency import LatencyModel
from engine.venues.sim.seeding import derive_rng
from engine.venues.sim.venue import SimVenue

DARK_VENUE = VenueId("DARK1")
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
    # A maker-taker venue (rebate for adding) and an inverted one (rebate for taking).
    VenueId("LIT1"): Fees(maker_per_share=Decimal("-0.0020"), taker_per_share=Decimal("0.0030")),
    VenueId("LIT2"): Fees(maker_per_share=Decimal("0.0010"), taker_per_share=Decimal("-0.0005")),
}
DEFAULT_FLOWS: dict[VenueId, FlowConfig] = {
    VenueId("LIT2"): FlowConfig(add_rate_per_s=7.0, trade_rate_per_s=0.7),
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
    md_levels: int = 5
    md_interval_ms: float = 100.0
    start_prices: Mapping[Symbol, Decimal] = field(default_factory=lambda: dict(DEFAULT_START_PRICES))
    volatility: Mapping[Symbol, float] = field(default_factory=lambda: dict(DEFAULT_VOLATILITY))
    default_volatility: float = 0.25
    """Annualized volatility of symbols missing from `volatility`."""
    dark: DarkConfig = field(default_factory=DarkConfig)
    dark_venue: VenueId = DARK_VENUE
    background: bool = True
    """False: empty books and no dark contra (only what tests place by hand)."""


def build_sim_market(
    clock: Clock,
    instruments: Mapping[Symbol, Instrument],
    seed: int,
    *,
    venues: Sequence[str] = ("LIT1", "LIT2"),
    with_dark: bool = True,
    config: SimMarketConfig | None = None,
) -> list[Venue]:
    """Lit venues (and a dark pool, last) ready to `connect`; background flow starts on connect.

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
    lit = [
        SimVenue(
            VenueId(name),
            clock,
            instruments,
            seed=seed,
            fees=config.fees_by_venue.get(VenueId(name), config.fees),
            latency=config.latency,
            md_levels=config.md_levels,
            md_interval_ms=config.md_interval_ms,
            fair_values=fair_values if config.background else None,
            flow=config.flow_by_venue.get(VenueId(name), config.flow),
        )
        for name in venues
    ]
    market: list[Venue] = list(lit)
    if with_dark:
        market.append(
            MidpointPool(
                config.dark_venue,
                clock,
                instruments,
                nbbo_reference([venue.book for venue in lit]),
                seed=seed,
                latency=config.latency,
                config=config.dark if config.background else None,
            )
        )
    return market
