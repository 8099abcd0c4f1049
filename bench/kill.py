"""Kill switch latency and pre-trade check cost, on the real engine (journal on disk, one turn per command).

`python -m bench.kill [--json FILE] [--repeats N] [--children N]`

Each repeat builds an engine on four recording venues (they keep every request and the wall time it reached
them) with every pre-trade control on (limits set wide, so none blocks: the cost is of checking, not of
refusing), enters 25 parents on 10 instruments and sweeps until `--children` (1,000) children work across the
venues, each acknowledged. Measured:

- kill to every cancel sent: from the `Engine.kill` call until the last venue received its cancel (the turn
  journals the kill, the pauses and every cancel request in one transaction, then sends); p50 and max over the
  repeats; also an instrument-scope kill of a tenth of the children;
- pre-trade check per child: the risk stage of every intent (its `ChildBatch`, made once per intent, and each
  routed child's `check`) divided by the children it checked, while the children were built; p50 / p99.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import emit, parser, table
from engine import events as ev
from engine.algos.base import Algo
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, Instrument, Side, Symbol, VenueId
from engine.pipeline.pipeline import ChildPipeline
from engine.risk.config import Control, Mode, RiskConfig
from engine.venues.base import Venue, VenueListener
from engine.views import ParentView

VENUES = ("LIT1", "LIT2", "LIT3", "LIT4")
SYMBOLS = tuple(f"S{i:02d}" for i in range(10))
PARENTS = 25
OPEN_NS = (9 * 3600 + 30 * 60) * NS_PER_S
WIDE = Decimal(10) ** 12


class Idle(Algo):
    """Sends nothing by itself: the benchmark drives its children."""

    name = "IDLE"

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        return 0

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        return None


class RecordingVenue(Venue):
    """Keeps each order and answers nothing but an acknowledgement; records when each cancel arrived."""

    def __init__(self, venue_id: str, clock: VirtualClock) -> None:
        self.venue_id = VenueId(venue_id)
        self.clock = clock
        self.listener: VenueListener | None = None
        self.cancel_times: list[float] = []
        self.orders = 0

    def connect(self, listener: VenueListener) -> None:
        self.listener = listener
        listener.on_venue_status(ev.VenueStatusChanged(self.clock.now_ns(), self.venue_id, True, "bench"))

    def submit(self, order: ev.ChildSubmitted) -> None:
        self.orders += 1
        assert self.listener is not None
        self.listener.on_order_event(ev.ChildAccepted(self.clock.now_ns(), order.child_id, f"V{order.child_id}"))

    def cancel(self, child_id: ChildId) -> None:
        self.cancel_times.append(time.perf_counter())

    def replace(self, child_id: ChildId, quantity: int, price: Decimal | None) -> None:
        return None

    def request_status(self, orders: Sequence[ev.ChildSubmitted]) -> None:
        return None

    def book(self, symbol: str) -> None:
        assert self.listener is not None
        levels = tuple((Decimal("100.00") + Decimal(i) / 100, 100) for i in range(1, 6))
        self.listener.on_market_data(ev.BookUpdated(self.clock.now_ns(), self.venue_id, Symbol(symbol),
                                                    ((Decimal("100.00"), 500),), levels))


def every_control() -> RiskConfig:
    """Every control on, hard, with limits no order here reaches (each check runs to its end)."""
    wide = Control(Mode.HARD, WIDE, window_ns=NS_PER_S)
    names = ("max_order_qty", "max_order_notional", "max_child_qty", "max_child_notional", "price_collar",
             "child_price_band", "max_position", "max_gross", "daily_notional", "credit", "max_open_tickets",
             "max_open_children", "ticket_rate", "child_rate", "message_rate", "duplicate_order",
             "repeated_execution", "self_match", "restricted", "adv", "loss_limit", "reject_rate", "message_storm")
    controls: dict[str, Any] = dict.fromkeys(names, wide)
    controls["price_collar"] = controls["child_price_band"] = Control(Mode.HARD, Decimal(50), ticks=5)
    controls["reject_rate"] = Control(Mode.HARD, Decimal(100), window_ns=NS_PER_S, min_orders=10**9)
    controls["duplicate_order"] = Control(Mode.SOFT, None, window_ns=NS_PER_S)
    instruments = {s: WIDE for s in SYMBOLS}
    controls["max_position"] = Control(Mode.HARD, WIDE, instrument=instruments)
    controls["daily_notional"] = Control(Mode.HARD, WIDE, instrument=instruments)
    return RiskConfig(**controls, restricted_symbols=frozenset({"XYZ"}),
                      adv_shares={s: 10**12 for s in SYMBOLS}, desks={"PM1": "EQ"})


def build(path: Path, children: int) -> tuple[Engine, list[RecordingVenue], list[float]]:
    """An engine with `children` working children; the per-child pre-trade check costs (us) seen building it."""
    clock = VirtualClock(OPEN_NS)
    venues = [RecordingVenue(v, clock) for v in VENUES]
    instruments = {Symbol(s): Instrument(Symbol(s), Decimal("0.01"), 1) for s in SYMBOLS}
    engine = Engine(clock=clock, journal=Journal(path), instruments=instruments, venues=venues,
                    risk_config=every_control(), algos={"IDLE": Idle})
    engine.start()
    for venue in venues:
        for symbol in SYMBOLS:
            venue.book(symbol)
    costs = _timed_pre_trade()
    parents = []
    for i in range(PARENTS):
        result = engine.submit_ticket(symbol=SYMBOLS[i % len(SYMBOLS)], side=Side.BUY, quantity=1_000_000,
                                      limit_price=None, algo="IDLE", end_ns=OPEN_NS + 3600 * NS_PER_S,
                                      account=f"PM{i % 3 + 1}")
        assert result.accepted and result.parent_id is not None, result.reason
        parents.append(result.parent_id)
    while len(engine.store.live_child_ids()) < children:
        for parent_id in parents:
            if len(engine.store.live_child_ids()) >= children:
                break
            algo = engine.algo(parent_id)
            assert algo is not None
            algo.ctx.send_aggressive(parent_id, 400, Decimal("100.05"))  # 100 at each of the four venues
            clock.advance(NS_PER_S // 50)
    _timed_pre_trade.samples = None  # type: ignore[attr-defined]
    assert not [e for e in engine.journal.replay() if isinstance(e, ev.RiskBlocked)], "a control blocked"
    return engine, venues, costs


def _timed_pre_trade() -> list[float]:
    """Time the pipeline's risk stage (ChildPipeline._pre_trade) per child it checks."""
    samples: list[float] = []
    original = _ORIGINAL

    def timed(self: ChildPipeline, parent: Any, routed: list[Any]) -> Any:
        start = time.perf_counter_ns()
        result = original(self, parent, routed)
        if routed:
            per_child = (time.perf_counter_ns() - start) / 1000 / len(routed)
            samples.extend([per_child] * len(routed))
        return result

    ChildPipeline._pre_trade = timed  # type: ignore[method-assign]
    return samples


_ORIGINAL = ChildPipeline._pre_trade


def one_run(children: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine, venues, costs = build(Path(tmp) / "firm.db", children)
        ChildPipeline._pre_trade = _ORIGINAL  # type: ignore[method-assign]
        working = len(engine.store.live_child_ids())
        firm_ms = _kill(engine, venues, working, ev.RiskScope.FIRM, "")
        engine.close()
        engine, venues, _ = build(Path(tmp) / "scoped.db", children)
        ChildPipeline._pre_trade = _ORIGINAL  # type: ignore[method-assign]
        scoped = sum(engine.store.child(c).symbol == SYMBOLS[0] for c in engine.store.live_child_ids())
        scoped_ms = _kill(engine, venues, scoped, ev.RiskScope.INSTRUMENT, SYMBOLS[0])
        engine.close()
    costs.sort()
    return {"working_children": working, "kill_ms": firm_ms, "scoped_kill_ms": scoped_ms,
            "scoped_children": scoped, "check_us_p50": costs[len(costs) // 2],
            "check_us_p99": costs[min(len(costs) - 1, int(len(costs) * 0.99))], "checks": len(costs)}


def _kill(engine: Engine, venues: list[RecordingVenue], expected: int, scope: ev.RiskScope, key: str) -> float:
    """Milliseconds from the kill command until the last of its cancels reached a venue."""
    start = time.perf_counter()
    assert engine.kill("bench", scope=scope, key=key).ok
    elapsed = (max(t for v in venues for t in v.cancel_times) - start) * 1000
    assert sum(len(v.cancel_times) for v in venues) == expected
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--children", type=int, default=1000)
    args = p.parse_args(argv)
    runs = [one_run(args.children) for _ in range(max(3, args.repeats))]
    kills = [r["kill_ms"] for r in runs]
    figures = {
        "working_children": int(runs[0]["working_children"]),
        "kill_to_all_cancels_sent_ms_p50": round(statistics.median(kills), 2),
        "kill_to_all_cancels_sent_ms_max": round(max(kills), 2),
        "pretrade_check_us_p50": round(statistics.median(r["check_us_p50"] for r in runs), 2),
        "pretrade_check_us_p99": round(statistics.median(r["check_us_p99"] for r in runs), 2),
        "scoped_kill_ms_p50": round(statistics.median(r["scoped_kill_ms"] for r in runs), 2),
        "scoped_kill_children": int(runs[0]["scoped_children"]),
        "checks_per_run": int(runs[0]["checks"]),
        "runs": runs,
    }
    print(table([
        ("working children", f"{figures['working_children']:,}"),
        ("kill -> all cancels sent p50", f"{figures['kill_to_all_cancels_sent_ms_p50']:.2f} ms"),
        ("kill -> all cancels sent max", f"{figures['kill_to_all_cancels_sent_ms_max']:.2f} ms"),
        (f"instrument kill ({figures['scoped_kill_children']} children) p50",
         f"{figures['scoped_kill_ms_p50']:.2f} ms"),
        ("pre-trade check per child p50", f"{figures['pretrade_check_us_p50']:.2f} us"),
        ("pre-trade check per child p99", f"{figures['pretrade_check_us_p99']:.2f} us"),
    ]))
    emit(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
