"""`ems headless`: the engine on the simulated market in real time, without a GUI, until SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time

from app.config import AppConfig
from app.wiring import build_engine, market_start_ns, open_journal
from engine.clock import RealClock
from engine.fix_app import start_oms_gateway

log = logging.getLogger(__name__)


async def run_headless(config: AppConfig, *, status_every_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    journal = open_journal(config)
    clock = RealClock(loop, market_start_ns(config, journal), config.market.speed)
    engine = build_engine(config, clock, journal)
    report = engine.recover()
    gc.freeze()  # what recovery built lives all day: out of the collector's working set (app/gc_policy.py)
    log.info("journal %s: %d records replayed, %d parents", config.journal_path, report.records, report.parents)
    engine.start()
    gateway = await start_oms_gateway(
        config.raw.get("fix", {}), engine, wall_time_ns=time.time_ns,
        session_close_s=config.market.close_s,
    )
    if gateway is not None:
        log.info("FIX acceptor listening on port %d", gateway.port)
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
        if gateway is not None:
            await gateway.stop()
        engine.close()
        log.info("stopped; journal at %s", config.journal_path)
