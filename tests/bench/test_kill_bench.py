"""bench.kill runs end to end on a small desk and writes the keys ../shared/BENCH.md asks for."""

from __future__ import annotations

import json
from pathlib import Path

from bench import kill


def test_the_kill_benchmark_writes_its_keys(tmp_path: Path) -> None:
    out = tmp_path / "kill.json"
    assert kill.main(["--children", "40", "--repeats", "1", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["working_children"] == 40
    for key in ("kill_to_all_cancels_sent_ms_p50", "kill_to_all_cancels_sent_ms_max", "pretrade_check_us_p50",
                "pretrade_check_us_p99"):
        assert figures[key] > 0, key
