"""A restart of `ems headless` (kill -9 or clean) never loses, duplicates or over-trades anything.

Runs the crash-recovery benchmark on the real wiring (a subprocess per engine lifetime, OMS clients over
FIX) with four kills at a fixed seed: one each while trading, just after a burst of orders, while the
engine starts (replaying its journal), and right after the OMS's Logon.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COUNTS = ("lost_tickets", "lost_orders", "lost_fills", "duplicated_fills", "duplicated_tickets",
          "shares_reported_twice", "allocation_mismatches", "state_mismatches")


def test_kill_9_restarts_lose_duplicate_and_over_trade_nothing(tmp_path: Path) -> None:
    out = tmp_path / "crash_recovery.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.crash_recovery", "--kills", "4", "--seed", "34", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=240,
    )
    assert out.exists(), run.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert set(figures["kill_modes"]) == {"trading", "mid_burst", "startup", "after_logon"}
    assert figures["restarts_ok"] == figures["kills"] == 4, run.stdout
    assert {key: figures[key] for key in COUNTS if figures[key]} == {}, run.stdout
    assert figures["orders_sent"] > 0 and figures["fills"] > 0 and figures["journal_records"] > 0
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
