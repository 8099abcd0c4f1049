"""Engine fixtures: a virtual clock at 09:30, a scripted venue, a journal in a temp dir."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine.clock import NS_PER_S, VirtualClock
from engine.engine import Engine
from engine.journal import Journal
from engine.model import Instrument, Symbol
from tests.engine.risk.harness import Desk, limits
from tests.engine.scripted_venue import ScriptedVenue

OPEN_NS = (9 * 3600 + 30 * 60) * NS_PER_S
INSTRUMENTS = {
    Symbol("AAPL"): Instrument(Symbol("AAPL"), Decimal("0.01"), 1),
    Symbol("LOTS"): Instrument(Symbol("LOTS"), Decimal("0.05"), 100),
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(OPEN_NS)


@pytest.fixture
def venue(clock: VirtualClock) -> ScriptedVenue:
    return ScriptedVenue("LIT1", clock)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


@pytest.fixture
def engine(clock: VirtualClock, venue: ScriptedVenue, journal_path: Path) -> Iterator[Engine]:
    eng = Engine(clock=clock, journal=Journal(journal_path), instruments=INSTRUMENTS, venues=[venue])
    eng.start()
    venue.book("AAPL", "100.00", "100.02")
    yield eng
    eng.close()


@pytest.fixture
def idle_desk(tmp_path: Path) -> Iterator[Desk]:
    """The engine on two scripted venues with every risk control off and an algo that sends only what the test
    asks (tests/engine/risk/harness.py): for the guards that hold whatever the algos do."""
    desk = Desk(tmp_path / "desk.db", limits())
    yield desk
    with contextlib.suppress(Exception):  # closed by the test already
        desk.close()
