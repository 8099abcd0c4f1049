"""bench.vwap_schedule: the schedule-only tracking error is measured, not assumed."""

from __future__ import annotations

import numpy as np
import pytest

from bench.vwap_schedule import Tape, tracking

S = 1_000_000_000


def rising_tape(steps: int) -> Tape:
    """One trade of 100 shares per second for `steps` x 10 s, the price up a cent a second from 100.00."""
    tape = Tape.__new__(Tape)
    seconds = np.arange(steps * 10, dtype=np.int64)
    tape.time_ns = seconds * S
    tape.volume = np.cumsum(np.full(seconds.shape, 100, dtype=np.int64))
    tape.notional = np.cumsum(100 * (100.0 + 0.01 * seconds))
    return tape


def test_a_schedule_that_follows_the_tape_lands_on_interval_vwap() -> None:
    tape = rising_tape(6)
    grid = [k * 10 * S for k in range(7)]
    slip, gap = tracking(tape, grid, [k / 6 for k in range(7)])
    assert slip == pytest.approx(0.0, abs=1e-6) and gap == pytest.approx(0.0, abs=1e-9)


def test_a_front_loaded_schedule_buys_below_vwap_when_the_price_rises() -> None:
    tape = rising_tape(6)
    grid = [k * 10 * S for k in range(7)]
    slip, gap = tracking(tape, grid, [0.0] + [1.0] * 6)  # everything in the first 10 s
    # first step's VWAP 100.045 vs the minute's 100.295: about -24.9 bps; 5/6 done ahead of the tape
    assert slip == pytest.approx((100.045 - 100.295) / 100.295 * 10_000, rel=1e-6)
    assert gap == pytest.approx(5 / 6)
