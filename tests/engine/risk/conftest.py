"""Fixtures: `desk(config)` builds a risk test desk in the test's temp dir and closes it afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.risk.config import RiskConfig
from tests.engine.risk.harness import Desk

MakeDesk = Callable[..., Desk]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[MakeDesk]:
    made: list[Desk] = []

    def make(config: RiskConfig, **kw: object) -> Desk:
        made.append(Desk(tmp_path / f"journal{len(made)}.db", config, **kw))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for d in made:
        with contextlib.suppress(Exception):  # already closed by the test
            d.close()
