"""The hidden 'true' price of a symbol that background traders on every venue lean on.

A geometric random walk stepped on a fixed grid of clock time, generated lazily: the path depends
only on the seed and the grid, never on who reads it when, so two venues reading the same
`FairValue` see the same price and adding a reader changes nothing. It is a statistic (float ticks);
order prices are made from it by rounding to whole ticks at the edge.
"""

from __future__ import annotations

import math
import random

NS_PER_S = 1_000_000_000
TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600


class FairValue:
    """Random-walk fair price in (fractional) ticks, shared by the venues trading one symbol."""

    __slots__ = ("_drift", "_log_move", "_origin_ns", "_rng", "_sd", "_start_ticks", "_step", "_step_ns", "_ticks")

    def __init__(
        self,
        start_ticks: float,
        *,
        annual_volatility: float,
        rng: random.Random,
        origin_ns: int,
        step_ns: int = 100_000_000,
    ) -> None:
        if start_ticks <= 0:
            raise ValueError(f"start price must be positive, got {start_ticks} ticks")
        if annual_volatility < 0:
            raise ValueError(f"volatility must not be negative, got {annual_volatility}")
        if step_ns <= 0:
            raise ValueError(f"step must be positive, got {step_ns} ns")
        sd = annual_volatility * math.sqrt(step_ns / NS_PER_S / TRADING_SECONDS_PER_YEAR)
        self._sd = sd
        self._drift = -0.5 * sd * sd  # keeps the expected price flat (martingale)
        self._rng = rng
        self._origin_ns = origin_ns
        self._step_ns = step_ns
        self._step = 0
        self._start_ticks = float(start_ticks)
        self._log_move = 0.0
        self._ticks = float(start_ticks)

    def ticks_at(self, now_ns: int) -> float:
        """Fair price at `now_ns` in ticks. Time only moves forward: an earlier time reads the latest."""
        target = (now_ns - self._origin_ns) // self._step_ns
        if target > self._step:
            gauss, sd, drift = self._rng.gauss, self._sd, self._drift
            log_move = self._log_move
            # One addition per step, whatever the reading pattern, so the floats come out bit-identical.
            for _ in range(target - self._step):
                log_move += drift + sd * gauss(0.0, 1.0)
            self._log_move = log_move
            self._ticks = self._start_ticks * math.exp(log_move)
            self._step = target
        return self._ticks
