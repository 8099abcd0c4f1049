"""`ems venues --config FILE`: the simulated venues named in `[fix_venues]`, each a FIX 4.4 acceptor on its
configured address, each in a process of its own, until SIGTERM/SIGINT.

Each venue process builds the whole simulated market (same seed, instruments and profiles as the EMS,
so the dark pool has its lit reference) and serves one venue over FIX (engine/venues/fix_host.py): the
session is `<venue name> <- <fix_venues.sender_comp_id>`, its store `<store_dir>/<venue>.db`, so sequence
numbers survive a restart (the simulator's orders do not: after a restart it answers a status request
with "unknown order", as the in-process simulator does). Market data is not sent: the EMS runs its own.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.config import AppConfig, default_data_dir, load_config, session_epoch_ns
from app.wiring import venue_profiles
from engine.clock import RealClock
from engine.fix.acceptor import FixAcceptor
from engine.fix.codec import FieldValue
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.model import VenueId
from engine.venues.fix_host import VenueFixHost
from engine.venues.sim.market import build_sim_market, default_instruments
from engine.venues.sim.profiles import market_config

log = logging.getLogger(__name__)


def add_venues_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    venues = sub.add_parser("venues", help="serve the simulated venues of [fix_venues] over FIX, one process each")
    venues.add_argument("--config", dest="venues_config", required=True, help="TOML configuration file")
    venues.add_argument("--serve", metavar="VENUE", help=argparse.SUPPRESS)  # one venue, in this process


def run_venues(args: argparse.Namespace) -> int:
    config = load_config(args.venues_config)
    if not config.fix_venues.addresses:
        print("ems venues: [fix_venues] names no venue", file=sys.stderr)
        return 2
    if args.serve:
        asyncio.run(serve(config, VenueId(args.serve)))
        return 0
    return supervise(config, args.venues_config, getattr(args, "log_level", "INFO"))


def supervise(config: AppConfig, config_path: str, log_level: str = "INFO") -> int:
    """One process per venue; stop them all on SIGTERM/SIGINT (or when one of them dies)."""
    children = {
        venue: subprocess.Popen([sys.executable, "-m", "app.main", "--log-level", log_level, "venues",
                                 "--config", config_path, "--serve", venue])
        for venue in config.fix_venues.addresses
    }
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.1)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for venue, child in children.items():
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                log.warning("venue %s did not stop; killing it", venue)
                child.kill()
    failed = [venue for venue, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
    return 1 if failed and not stopping else 0


async def serve(config: AppConfig, venue_id: VenueId) -> None:
    """Serve one simulated venue over FIX until SIGTERM/SIGINT."""
    loop = asyncio.get_running_loop()
    fix = config.fix_venues
    host, port = fix.addresses[venue_id]
    clock = RealClock(loop, session_epoch_ns(dt.date.today(), config.market.open_s), config.market.speed)
    instruments = default_instruments()
    market = build_sim_market(clock, instruments, config.market.seed, venues=config.market.lit_venues,
                              with_dark=config.market.dark_pool, config=market_config(venue_profiles(config)))
    store_dir = Path(fix.store_dir) if fix.store_dir else default_data_dir() / "fix_venues"
    store_dir.mkdir(parents=True, exist_ok=True)
    session = SessionConfig(venue_id, fix.sender_comp_id)
    acceptor_box: list[FixAcceptor] = []

    def send(session_id: SessionId, msg_type: str, fields: list[tuple[int, FieldValue]]) -> None:
        acceptor_box[0].send(session_id, msg_type, fields)

    served = next(v for v in market if v.venue_id == venue_id)
    host_app = VenueFixHost(served, session.session_id, send, clock)
    acceptor = FixAcceptor(AcceptorConfig(sessions=(session,), host=host, port=port), store_dir / f"{venue_id}.db",
                           clock, host_app, wall_time_ns=time.time_ns)
    acceptor_box.append(acceptor)
    for venue in market:  # the others only feed the market (background flow, the dark pool's reference)
        venue.connect(host_app if venue is served else _Silent())
    await acceptor.start()
    sys.stdout.write(f"ems venues: {venue_id} on {host}:{acceptor.port} (pid {os.getpid()})\n")  # one write
    sys.stdout.flush()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await acceptor.stop(timeout_s=1.0)
    for venue in market:
        venue.close()


class _Silent:
    """Listener of the venues a process does not serve."""

    def on_order_event(self, event: object) -> None:
        pass

    def on_market_data(self, event: object) -> None:
        pass

    def on_venue_status(self, event: object) -> None:
        pass
