"""`ems headless --config FILE` runs the engine until SIGTERM and leaves a journal behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.journal import Journal


def test_headless_runs_until_sigterm_and_journals_venue_connections(tmp_path: Path) -> None:
    db = tmp_path / "headless.db"
    config = tmp_path / "ems.toml"
    config.write_text(f'[journal]\npath = "{db}"\n[market]\nspeed = 20.0\n')
    proc = subprocess.Popen([sys.executable, "-m", "app.main", "headless", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not db.exists():
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    records = [type(r).__name__ for r in Journal(db).replay()]
    assert records.count("VenueStatusChanged") >= 2
