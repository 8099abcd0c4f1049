"""Shared benchmark plumbing: repeats, medians, JSON output (see ../shared/BENCH.md)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--repeats", type=int, default=3, help="measurements per figure (median reported)")
    return p


def median_of(repeats: int, measure: Callable[[], dict[str, float]]) -> dict[str, Any]:
    """Run `measure` `repeats` times; each key's median, plus the raw runs."""
    runs = [measure() for _ in range(max(1, repeats))]
    keys = runs[0].keys()
    result: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in keys}
    result["runs"] = runs
    return result


def emit(figures: dict[str, Any], path: Path | None) -> None:
    """Write `figures` as JSON, with which build of the engine's compiled modules ran (`compiled`)."""
    if path is not None:
        from engine.native import implementations

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**figures, "compiled": implementations()}, indent=2, default=str) + "\n")
        print(f"wrote {path}", file=sys.stderr)


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v:>14}" for k, v in rows)
