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


def test_headless_starts_the_fix_acceptor_when_configured(tmp_path: Path) -> None:
    config = tmp_path / "ems.toml"
    config.write_text(
        f'[journal]\npath = "{tmp_path / "h.db"}"\n[fix]\nenabled = true\nport = 0\n'
        '[[fix.sessions]]\nsender_comp_id = "EMS"\ntarget_comp_id = "OMS1"\n'
    )
    log = tmp_path / "stderr.log"
    with log.open("w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "app.main", "headless", "--config", str(config)],
                                stdout=subprocess.DEVNULL, stderr=err_file, text=True)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "FIX acceptor listening on port" not in log.read_text():
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    err = log.read_text()
    assert proc.returncode == 0, err
    assert "FIX acceptor listening on port" in err
    # the FIX stores live in the journal's db; the venue scorecard keeps a file of its own (it spans days)
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["h.db", "venue_scorecard.db"]


def test_a_bad_fix_section_is_refused_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "ems.toml"
    config.write_text(f'[journal]\npath = "{tmp_path / "h.db"}"\n[fix]\nenabled = "yes"\n')
    out = subprocess.run([sys.executable, "-m", "app.main", "headless", "--config", str(config)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "fix.enabled" in out.stderr
