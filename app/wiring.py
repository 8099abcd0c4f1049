"""Builds a running engine from configuration: journal, simulated venues, instruments, risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.config import AppConfig, session_epoch_ns
from engine.clock import NS_PER_S, Clock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Instrument, Symbol
from engine.venues.sim.market import build_sim_market, default_instruments


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
    venues = build_sim_market(
        clock, tradable, config.market.seed, venues=config.market.lit_venues, with_dark=config.market.dark_pool
    )
    return Engine(clock=clock, journal=journal, instruments=tradable, venues=venues, risk_limits=config.risk,
                  aggregation=config.aggregation, crossing=config.crossing,
                  checkpoint_on_close=config.checkpoint_on_close,
                  checkpoint_every_records=config.checkpoint_every_records)
