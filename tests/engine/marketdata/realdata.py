"""Where the shared recorded data lives: $EMS_DATA_DIR, else ../shared/data next to the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def real_data_dir() -> Path | None:
    configured = os.environ.get("EMS_DATA_DIR")
    candidate = Path(configured) if configured else (REPO_ROOT / ".." / "shared" / "data").resolve()
    return candidate if candidate.is_dir() else None


def require_real_data() -> Path:
    directory = real_data_dir()
    if directory is None:
        pytest.skip("recorded LOBSTER data not found (set EMS_DATA_DIR or provide ../shared/data)")
    return directory


def require_symbol_day(ticker: str, day: str):  # type: ignore[no-untyped-def]
    """The recorded symbol-day, or skip when the data folder does not hold it."""
    from engine.marketdata.lobster import discover_symbol_days

    for symbol_day in discover_symbol_days(require_real_data()):
        if symbol_day.key == f"{ticker}_{day}":
            return symbol_day
    pytest.skip(f"{ticker} {day} is not in the recorded data folder")
