"""bench.tickets on a small flow: the BENCH.md keys, and `seconds` is aggregate + net + allocate only."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from app.gc_policy import THRESHOLDS
from bench.tickets import main


@pytest.fixture(autouse=True)
def _restore_collector() -> object:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_the_bench_writes_the_required_keys_and_times_phases_one_to_three(tmp_path: Path) -> None:
    out = tmp_path / "tickets.json"
    assert main(["--tickets", "3000", "--instruments", "20", "--repeats", "1", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["tickets"] == 3000 and figures["instruments"] == 20
    phases = figures["aggregate_s"] + figures["net_s"] + figures["allocate_s"]
    assert figures["seconds"] == pytest.approx(phases)
    assert figures["with_reconcile_s"] == pytest.approx(phases + figures["reconcile_s"])
    assert figures["tickets_per_s"] == pytest.approx(3000 / figures["seconds"])
    assert figures["ticket_allocations"] >= figures["fills"] > 0
    assert figures["gc_thresholds"] == list(THRESHOLDS)


def test_default_collector_thresholds_on_request(tmp_path: Path) -> None:
    out = tmp_path / "tickets.json"
    gc.set_threshold(700, 10, 10)
    args = ["--tickets", "500", "--instruments", "5", "--repeats", "1", "--gc", "default", "--json", str(out)]
    assert main(args) == 0
    assert json.loads(out.read_text())["gc_thresholds"] == [700, 10, 10]
