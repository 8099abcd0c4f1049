"""The venue scorecard across a restart on the real wiring (`app.wiring.build_engine`: the router's feed, its
own file, the journal): after a kill -9 between two scorecard snapshots, and after a clean stop, today's sums
equal what the whole day's journal teaches (the markouts aside: they need mids, which are not journaled).
In this flow no child sent before the last snapshot fills after it (the simulated venues fill at once or
not at all); tests/engine/routing/test_scorecard.py covers that case."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from app.config import load_config, session_epoch_ns
from app.wiring import build_engine, open_journal
from engine import events as ev
from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Side
from engine.routing.scorecard import Scorecard, ScoreKey, VenueStats
from engine.routing.scorecard_feed import ScorecardFeed
from engine.views import FillView

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 1, 5)
FIRST_SPAN_S = 100  # snapshots every 30 s (the default) while the scorecard changed: 10 s in the journal only
LEARNED = tuple(f.name for f in fields(VenueStats) if not f.name.startswith("markout_"))


def engine_on(journal_path: Path, start_ns: int | None = None) -> tuple[Engine, VirtualClock]:
    config = load_config(journal_override=str(journal_path))
    clock = VirtualClock(start_ns or session_epoch_ns(DAY, config.market.open_s))
    return build_engine(config, clock, open_journal(config)), clock


def trade(journal_path: Path) -> tuple[Engine, VirtualClock]:
    """A fresh day: four parents worked for FIRST_SPAN_S market seconds, routed over every venue."""
    engine, clock = engine_on(journal_path)
    engine.recover()
    engine.start()
    clock.advance(5 * NS_PER_S)
    end = clock.now_ns() + 600 * NS_PER_S
    for n, (symbol, side) in enumerate([("AAPL", Side.BUY), ("MSFT", Side.SELL), ("AMZN", Side.BUY),
                                        ("AAPL", Side.SELL)]):
        result = engine.submit_ticket(symbol=symbol, side=side, quantity=20_000, limit_price=None, algo="TWAP",
                                      end_ns=end + n * NS_PER_S, account=f"ACC{n}", params={"slice_seconds": "20"})
        assert result.accepted, result.reason
    clock.advance(FIRST_SPAN_S * NS_PER_S)
    return engine, clock


def trade_then_die(journal_path: Path, bust: bool = False) -> None:
    """In a child process: trade (and with `bust`, have a venue bust the day's last execution), then
    SIGKILL with the engine open (no last snapshot)."""
    engine, clock = trade(journal_path)
    if bust:
        last = engine.store.fills()[-1]
        engine.on_order_event(ev.ChildFillBusted(clock.now_ns(), "BUST-1", last.fill_id, last.child_id, last.venue,
                                                 "erroneous"))
        assert engine.store.fills()[-1].busted
    os.kill(os.getpid(), signal.SIGKILL)


def from_the_journal(journal_path: Path) -> dict[ScoreKey, tuple[float | object, ...]]:
    """What the day's journal teaches, folded from its first record by a fresh feed (no file, no markouts;
    busted executions looked up among the journal's own)."""
    journal = Journal(journal_path)
    records = list(journal.replay())
    journal.close()
    sent = {r.child_id: r for r in records if isinstance(r, ev.ChildSubmitted)}
    fills = {(r.venue, r.fill_id): r for r in records if isinstance(r, ev.ChildFilled)}

    def booked(venue: str, fill_id: str) -> tuple[FillView, ev.ChildSubmitted] | None:
        fill = fills.get((venue, fill_id))
        if fill is None:
            return None
        return FillView(fill.fill_id, fill.child_id, fill.parent_id, fill.venue, fill.symbol, fill.side, fill.quantity,
                        fill.price, fill.fee, fill.liquidity, fill.ts_ns), sent[fill.child_id]

    feed = ScorecardFeed(Scorecard(), VirtualClock(0))
    feed.fills = booked
    for record in records:
        feed.on_event(record)
    return learned(feed.scorecard)


def learned(card: Scorecard) -> dict[ScoreKey, tuple[float | object, ...]]:
    return {key: tuple(getattr(stats, name) for name in LEARNED) for key, stats in card.today.items()}


def restarted(journal_path: Path) -> tuple[Engine, dict[ScoreKey, tuple[float | object, ...]]]:
    end = Journal(journal_path).last_ts_ns()
    assert end is not None
    engine, _ = engine_on(journal_path, end + NS_PER_S)
    engine.recover()
    assert engine.router is not None
    return engine, learned(engine.router.scorecard)


@pytest.mark.parametrize("bust", [False, True])
def test_a_kill_9_between_two_snapshots_loses_nothing_the_day_taught(tmp_path: Path, bust: bool) -> None:
    """With `bust`, the last execution before the kill was busted: the restarted scorecard unlearns it too."""
    journal_path = tmp_path / "day.db"
    script = ("import sys\nfrom pathlib import Path\n"
              "from tests.app.test_scorecard_restart import trade_then_die\n"
              f"trade_then_die(Path(sys.argv[1]), bust={bust})\n")
    done = subprocess.run([sys.executable, "-c", script, str(journal_path)], cwd=ROOT, capture_output=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    expected = from_the_journal(journal_path)
    assert sum(float(str(row[LEARNED.index("orders")])) for row in expected.values()) >= 10  # worth learning from
    engine, after = restarted(journal_path)
    assert after == expected
    shares = LEARNED.index("shares_filled")
    assert sum(row[shares] for row in after.values()) == sum(  # type: ignore[misc]
        f.quantity for f in engine.store.fills() if not f.busted)  # a busted execution taught nothing
    assert any(f.busted for f in engine.store.fills()) is bust
    engine.close()
    # and the snapshot the restart writes at its clean stop reaches the journal's end: nothing more to fold
    engine, again = restarted(journal_path)
    assert again == expected
    engine.close()


def test_a_clean_stop_and_restart_keeps_the_day_once(tmp_path: Path) -> None:
    journal_path = tmp_path / "day.db"
    engine, _ = trade(journal_path)
    assert engine.router is not None
    before = learned(engine.router.scorecard)
    engine.close()
    assert before == from_the_journal(journal_path)
    engine, after = restarted(journal_path)
    assert after == before
    engine.close()
