"""`ems demo`: a scripted, deterministic session in virtual time, summarized as JSON.

A few parents work under TWAP on the simulated market; the summary reports per parent what was
filled, at what average price, against the market VWAP over the parent's own window.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.config import AppConfig, load_config
from app.wiring import build_engine, market_start_ns, open_journal
from engine.clock import NS_PER_S, VirtualClock
from engine.events import Event, TradePrinted
from engine.model import ParentId, Side

DEMO_DAY = dt.date(2026, 1, 5)
WARM_UP_S = 5


@dataclass(frozen=True, slots=True)
class DemoOrder:
    symbol: str
    side: Side
    quantity: int


SCRIPT = (
    DemoOrder("AAPL", Side.BUY, 3_000),
    DemoOrder("MSFT", Side.SELL, 2_000),
    DemoOrder("AMZN", Side.BUY, 1_500),
)


class _WindowVwap:
    """Market volume and VWAP per symbol over a time window, from the trade prints."""

    def __init__(self, start_ns: int, end_ns: int) -> None:
        self.start_ns, self.end_ns = start_ns, end_ns
        self.volume: dict[str, int] = {}
        self.notional: dict[str, Decimal] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, TradePrinted) and self.start_ns <= event.ts_ns <= self.end_ns:
            self.volume[event.symbol] = self.volume.get(event.symbol, 0) + event.quantity
            self.notional[event.symbol] = self.notional.get(event.symbol, Decimal(0)) + event.price * event.quantity

    def vwap(self, symbol: str) -> Decimal | None:
        volume = self.volume.get(symbol, 0)
        return (self.notional[symbol] / volume).quantize(Decimal("0.0001")) if volume else None


def run_demo(seconds: int, seed: int, db: str | None = None, config: AppConfig | None = None) -> dict[str, Any]:
    if seconds < 2 * WARM_UP_S:
        raise ValueError(f"--seconds must be at least {2 * WARM_UP_S}, got {seconds}")
    with tempfile.TemporaryDirectory(prefix="ems-demo-") as scratch:
        journal_path = db or str(Path(scratch) / "demo.db")
        base = config or load_config()
        cfg = replace(base, journal_path=Path(journal_path), market=replace(base.market, seed=seed))
        return _run(cfg, seconds, seed, keep_journal=db is not None)


def _run(config: AppConfig, seconds: int, seed: int, *, keep_journal: bool) -> dict[str, Any]:
    journal = open_journal(config)
    open_ns = market_start_ns(config, journal, DEMO_DAY)  # a rerun on the same journal starts after it
    clock = VirtualClock(open_ns)
    engine = build_engine(config, clock, journal)
    engine.recover()
    engine.start()
    clock.advance(WARM_UP_S * NS_PER_S)  # let the background market build books
    start_ns = clock.now_ns()
    end_ns = open_ns + seconds * NS_PER_S - NS_PER_S
    window = _WindowVwap(start_ns, end_ns)
    engine.subscribe(window, market=True)
    slice_s = str(max(1, (end_ns - start_ns) // NS_PER_S // 20))
    parents: list[ParentId] = []
    for order in SCRIPT:
        result = engine.submit_ticket(symbol=order.symbol, side=order.side, quantity=order.quantity,
                                      limit_price=None, algo="TWAP", end_ns=end_ns,
                                      params={"slice_seconds": slice_s, "cross_interval_seconds": "1"})
        if result.parent_id is None:
            raise RuntimeError(f"demo ticket rejected: {result.reason}")
        parents.append(result.parent_id)
    wall = time.perf_counter()
    clock.run_until(open_ns + seconds * NS_PER_S)
    wall = time.perf_counter() - wall
    snapshot = engine.snapshot()
    summary = {
        "seed": seed,
        "seconds": seconds,
        "journal": str(config.journal_path) if keep_journal else None,
        "journal_records": journal.count(),
        "parents": [_parent_summary(engine.store.parent(pid), window, engine) for pid in parents],
        "children": len(snapshot.children),
        "fills": len(snapshot.fills),
        "events_processed": engine.events_processed,
        "wall_seconds": round(wall, 3),
    }
    engine.close()
    return summary


def _parent_summary(parent: Any, window: _WindowVwap, engine: Any) -> dict[str, Any]:
    vwap = window.vwap(parent.symbol)
    slip = None
    if vwap is not None and parent.avg_price is not None:
        slip = round(float((vwap - parent.avg_price) * parent.side.sign / vwap * 10_000), 2)
    return {
        "parent_id": parent.parent_id,
        "symbol": parent.symbol,
        "side": parent.side.name,
        "quantity": parent.quantity,
        "filled": parent.cum_qty,
        "avg_price": None if parent.avg_price is None else str(parent.avg_price),
        "status": parent.status.name,
        "children": parent.children,
        "fills": sum(1 for f in engine.store.fills() if f.parent_id == parent.parent_id),
        "market_volume": window.volume.get(parent.symbol, 0),
        "market_vwap": None if vwap is None else str(vwap),
        "slippage_vs_vwap_bps": slip,
    }
