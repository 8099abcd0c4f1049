"""Builds a running engine from configuration: journal, simulated venues, instruments, risk."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from pathlib import Path

from app.config import AppConfig, session_epoch_ns
from engine.clock import NS_PER_S, Clock, RealClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Instrument, Symbol, VenueId
from engine.routing.router import SmartRouter
from engine.routing.scorecard import Scorecard
from engine.routing.scorecard_feed import ScorecardFeed, clock_day
from engine.routing.scorecard_store import ScorecardStore
from engine.routing.venues import VenueFacts
from engine.tca.tape_recorder import record_market_tape
from engine.venues.base import Venue
from engine.venues.fix_venue import FixVenue
from engine.venues.sim.market import build_sim_market, default_instruments
from engine.venues.sim.profiles import VenueProfile, market_config, parse_venues
from engine.venues.split_venue import SplitVenue

log = logging.getLogger(__name__)


def open_journal(config: AppConfig) -> Journal:
    return Journal(config.journal_path, synchronous=config.synchronous)


def market_start_ns(config: AppConfig, journal: Journal, day: dt.date | None = None) -> int:
    """Where market time starts: the configured open, or just after the journal's last record."""
    start = session_epoch_ns(day or dt.date.today(), config.market.open_s)
    last = journal.last_ts_ns()
    return start if last is None or last < start else last + NS_PER_S


def build_engine(
    config: AppConfig, clock: Clock, journal: Journal, instruments: Mapping[Symbol, Instrument] | None = None
) -> Engine:
    """An engine on the embedded simulated market, not yet started (call recover() then start())."""
    tradable = dict(instruments or default_instruments())
    venues = fix_venues(config, clock, journal, build_sim_market(
        clock, tradable, config.market.seed, venues=config.market.lit_venues, with_dark=config.market.dark_pool,
        config=market_config(venue_profiles(config)),
    ))
    engine = Engine(clock=clock, journal=journal, instruments=tradable, venues=venues, risk_config=config.risk_config,
                    aggregation=config.aggregation, crossing=config.crossing,
                    checkpoint_on_close=config.checkpoint_on_close,
                    checkpoint_every_records=config.checkpoint_every_records,
                    router=build_router(config, clock, journal), child_sizing=config.child_sizing)
    record_market_tape(engine)  # the market as the engine saw it, for TCA (engine/tca/tape_recorder.py)
    return engine


def fix_venues(config: AppConfig, clock: Clock, journal: Journal, venues: list[Venue]) -> list[Venue]:
    """Venues named in `[fix_venues]` take orders over FIX (their session store on the journal's ledger);
    their market data stays the in-process simulator's."""
    addresses = config.fix_venues.addresses
    if addresses and not isinstance(clock, RealClock):  # `ems demo`, tests in virtual time: no sockets
        log.warning("[fix_venues] ignored: venues over FIX need the real-time clock; using in-process venues")
        return venues
    return [SplitVenue(venue, FixVenue(venue.venue_id, config.fix_venues.initiator(venue.venue_id), journal.ledger,
                                       clock, wall_time_ns=time.time_ns))
            if venue.venue_id in addresses else venue for venue in venues]


def venue_profiles(config: AppConfig) -> dict[VenueId, VenueProfile]:
    """The configured venues' fees, latency and depth (the built-in profiles when the config has none)."""
    return config.venues or parse_venues({}, config.market.lit_venues, config.market.dark_pool)


def scorecard_path(config: AppConfig) -> Path:
    """The venue scorecard's own file: `[routing] scorecard_path`, else beside the journal."""
    configured = config.routing.scorecard_path
    return Path(configured) if configured else config.journal_path.parent / "venue_scorecard.db"


def build_router(config: AppConfig, clock: Clock, journal: Journal | None = None) -> SmartRouter:
    """The smart order router with its venue scorecard, past days loaded now (before the loop runs) from its
    own file; today's sums are written back by a background thread, each snapshot with how far into
    `journal` it reaches (a restart folds the rest: `Engine.recover`)."""
    facts = {venue: VenueFacts(venue, p.dark, p.maker_fee, p.taker_fee, p.min_qty, float(p.latency_us))
             for venue, p in venue_profiles(config).items()}
    store = ScorecardStore(scorecard_path(config))
    history, today = store.load(clock_day(clock.now_ns()), config.routing.scorecard_half_life_days,
                                config.routing.scorecard_max_days)
    feed = ScorecardFeed(Scorecard(dict(history), dict(today)), clock, store=store,
                         flush_s=config.routing.scorecard_flush_s, journal=journal)
    return SmartRouter(config.routing, facts, clock, feed=feed)
