"""A risk test desk: a real `Engine` (virtual clock, journal in a temp dir) on two scripted venues, an algo that
sends only what the test tells it to (`send`), and a `RiskConfig` with every control off unless the test turns
it on (`limits(...)`), so a block can only come from the control under test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.algos.base import Algo
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import ChildId, Instrument, ParentId, Side, Symbol
from engine.recovery import RecoveryReport
from engine.results import SubmitResult
from engine.risk.config import Control, Mode, RiskConfig
from engine.routing.router import SmartRouter
from engine.views import ParentView
from tests.engine.scripted_venue import ScriptedVenue

OPEN_NS = (9 * 3600 + 30 * 60) * NS_PER_S
HOUR = 3600 * NS_PER_S
INSTRUMENTS = {
    Symbol("AAPL"): Instrument(Symbol("AAPL"), Decimal("0.01"), 1),
    Symbol("MSFT"): Instrument(Symbol("MSFT"), Decimal("0.01"), 1),
}
OFF = Control()


def off() -> RiskConfig:
    """Every control off (the default config turns the original five on)."""
    base = RiskConfig()
    return replace(base, **{name: OFF for name in ("max_order_qty", "max_order_notional", "max_child_qty",
                                                   "max_child_notional", "child_price_band")})


def control(mode: str = "hard", firm: int | str | None = None, **scoped: Any) -> Control:
    """A control; scoped tables and settings as keywords (instrument={...}, window_s=1, ticks=2 ...)."""
    window = scoped.pop("window_s", 0)
    tables = {k: {name: Decimal(str(v)) for name, v in scoped.pop(k, {}).items()}
              for k in ("instrument", "account", "desk", "venue")}
    return Control(Mode(mode), None if firm is None else Decimal(str(firm)), window_ns=int(window * NS_PER_S),
                   **tables, **scoped)


def limits(**controls: Any) -> RiskConfig:
    return replace(off(), **controls)


class Idle(Algo):
    """Sends nothing by itself: the test drives its children through `Desk.send`."""

    name = "IDLE"

    def target_qty(self, parent: ParentView, now_ns: int) -> int:
        return 0

    def evaluate(self, parent: ParentView, now_ns: int) -> None:
        return None


class Desk:
    """The engine, its venues (LIT1, LIT2; AAPL 100.00 / 100.02 and MSFT 50.00 / 50.02 on both); the plain
    best-price router unless a smart one is given (`router`, made with the desk's clock)."""

    def __init__(self, path: Path, config: RiskConfig, *, start: bool = True,
                 router: Callable[[VirtualClock], SmartRouter] | None = None) -> None:
        self.path = path
        self.config = config
        self.clock = VirtualClock(OPEN_NS)
        self.lit1 = ScriptedVenue("LIT1", self.clock)
        self.lit2 = ScriptedVenue("LIT2", self.clock)
        self.engine = Engine(clock=self.clock, journal=Journal(path), instruments=INSTRUMENTS,
                             venues=[self.lit1, self.lit2], risk_config=config,
                             algos={"IDLE": Idle, **_twap()}, router=router(self.clock) if router else None)
        if start:
            self.start()

    def start(self) -> None:
        self.engine.start()
        for venue in (self.lit1, self.lit2):
            venue.book("AAPL", "100.00", "100.02")
            venue.book("MSFT", "50.00", "50.02")

    def ticket(self, quantity: int = 1000, *, symbol: str = "AAPL", side: Side = Side.BUY,
               limit: str | None = None, account: str = "PM1", source: str = "gui", algo: str = "IDLE",
               confirmed: bool = False, client_order_id: str = "", allow_cross: bool = True) -> SubmitResult:
        return self.engine.submit_ticket(symbol=symbol, side=side, quantity=quantity,
                                         limit_price=None if limit is None else Decimal(limit), algo=algo,
                                         end_ns=self.clock.now_ns() + HOUR, account=account, source=source,
                                         confirmed=confirmed, client_order_id=client_order_id,
                                         allow_cross=allow_cross)

    def parent(self, quantity: int = 1000, **kw: Any) -> ParentId:
        result = self.ticket(quantity, **kw)
        assert result.accepted and result.parent_id is not None, result.reason
        return result.parent_id

    def send(self, parent_id: ParentId, quantity: int, price: str | None, *, sweep: bool = False) -> list[ChildId]:
        """What the parent's algo asks for: a passive child (one venue) or a sweep (IOC across venues)."""
        algo = self.engine.algo(parent_id)
        assert algo is not None
        if sweep:
            return algo.ctx.send_aggressive(parent_id, quantity, None if price is None else Decimal(price))
        assert price is not None
        sent = algo.ctx.send_passive(parent_id, quantity, Decimal(price))
        return [] if sent is None else [sent]

    def venue_of(self, child_id: ChildId) -> ScriptedVenue:
        return self.lit1 if child_id in self.lit1.submitted else self.lit2

    def fill(self, child_id: ChildId, quantity: int, price: str) -> None:
        self.venue_of(child_id).fill(child_id, quantity, price)

    def sent(self) -> list[ev.ChildSubmitted]:
        """Every order that reached a venue."""
        return [*self.lit1.submitted.values(), *self.lit2.submitted.values()]

    def journaled(self, kind: type[ev.Event]) -> list[Any]:
        return [r for r in self.engine.journal.replay() if isinstance(r, kind)]

    def blocks(self) -> list[ev.RiskBlocked]:
        return self.journaled(ev.RiskBlocked)

    def close(self) -> None:
        self.engine.close()


def _twap() -> Mapping[str, type[Algo]]:
    from engine.algos.registry import ALGOS

    return {"TWAP": ALGOS["TWAP"]}


ROOT = Path(__file__).resolve().parents[3]


def restarted(path: Path, config: RiskConfig, after_ns: int) -> tuple[Desk, RecoveryReport]:
    """The desk again on the journal at `path`: its clock a second past `after_ns` (a restarted clock starts
    after the journal's last record), recovered and started; with the recovery's report."""
    d = Desk(path, config, start=False)
    d.clock.run_until(after_ns + NS_PER_S)
    report = d.engine.recover()
    d.start()
    return d, report


def killed_after(function: str, path: Path) -> int:
    """Run `function` ("module:name", called with `path`) in a child process that SIGKILLs itself with the
    engine open (no clean close); returns the journal's last stamp, for a restart after it."""
    module, name = function.split(":")
    script = f"import sys\nfrom pathlib import Path\nfrom {module} import {name}\n{name}(Path(sys.argv[1]))\n"
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    end = Journal(path).last_ts_ns()
    assert end is not None
    return end
