"""`ems headless`: the engine on the simulated market in real time, without a GUI, until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from app.config import AppConfig
from app.wiring import build_engine, market_start_ns, open_journal
from engine.clock import RealClock

log = logging.getLogger(__name__)


async def run_headless(config: AppConfig, *, status_every_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    journal = open_journal(config)
    clock = RealClock(loop, market_start_ns(config, journal), config.market.speed)
    engine = build_engine(config, clock, journal)
    report = engine.recover()
    log.info("journal %s: %d records replayed, %d parents", config.journal_path, report.records, report.parents)
    engine.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=status_every_s)
            except TimeoutError:
                snap = engine.snapshot()
                log.info("events %d, parents %d, children %d, fills %d, kill %s", engine.events_processed,
                         len(snap.parents), len(snap.children), len(snap.fills), snap.kill_engaged)
    finally:
        engine.close()
        log.info("stopped; journal at %s", config.journal_path)
