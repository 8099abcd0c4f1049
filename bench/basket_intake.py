"""A basket of ticket rows through `Engine.submit_basket` (one turn, one transaction), for bench.oms_intake."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from app.config import load_config, session_epoch_ns
from app.wiring import build_engine, open_journal
from engine.clock import NS_PER_S, VirtualClock
from engine.model import Side
from engine.ticket_flow import TicketRequest
from engine.venues.sim.market import DEFAULT_START_PRICES

DAY = dt.date(2026, 1, 5)


def basket(rows: int, end_ns: int, seed: int) -> list[TicketRequest]:
    """Limit TWAP rows near the market over the simulated symbols, both sides, seven accounts; no two rows alike
    (the default config's duplicate-order control would ask to confirm them)."""
    rng = random.Random(seed)
    symbols = sorted(DEFAULT_START_PRICES)
    out = []
    for n in range(rows):
        symbol = symbols[n % len(symbols)]
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        offset = Decimal(rng.randrange(1, 20)) / 100
        mid = Decimal(DEFAULT_START_PRICES[symbol])
        price = mid - offset if side is Side.BUY else mid + offset
        quantity = (1 + n // (7 * len(symbols))) * 100  # unique per (account, symbol): no row duplicates another
        out.append(TicketRequest(symbol, side, quantity, price, "TWAP", end_ns,
                                 account=f"ACC{n % 7}", source="basket", client_order_id=f"B{seed}-{n:06d}"))
    return out


def submit_basket_once(rows: int, seed: int) -> float:
    """Rows per second of one `submit_basket` on a fresh engine and journal (the basket built before)."""
    with tempfile.TemporaryDirectory(prefix="ems-basket-", dir="/tmp") as scratch:
        config = load_config(journal_override=str(Path(scratch) / "basket.db"))
        clock = VirtualClock(session_epoch_ns(DAY, config.market.open_s))
        engine = build_engine(config, clock, open_journal(config))
        engine.start()
        clock.advance(5 * NS_PER_S)
        requests = basket(rows, clock.now_ns() + 3600 * NS_PER_S, seed)
        started = time.perf_counter()
        results = engine.submit_basket(requests)
        elapsed = time.perf_counter() - started
        accepted = sum(r.accepted for r in results)
        engine.close()
    if accepted != rows:
        refused = [r.reason for r in results if not r.accepted][:3]
        raise RuntimeError(f"basket: {accepted} of {rows} rows accepted ({refused})")
    return rows / elapsed
