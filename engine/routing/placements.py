"""Cont–Kukanov placements remembered by problem.

Between two updates of a symbol's book and outflow history, many parents ask for the same placement:
the same slice against the same queues, spread, fees and outflow scenarios. At 2,000 TWAP parents 83% of
the splits repeated a problem already solved when every parent started at the same instant
(`bench.engine_throughput`), 22% with starts 1 ms apart. A problem is a
frozen value, so the placement found for it the first time serves the same problem again: the same
inputs get the same split, and the stochastic solver runs once per distinct problem.
"""

from __future__ import annotations

import random
from collections import OrderedDict

from engine.routing.cont_kukanov import Placement, PlacementProblem, single_venue, solve

DEFAULT_CAPACITY = 512
"""Problems remembered (least recently used first out); each holds at most 30 windows of scenarios."""


class PlacementMemo:
    """A `Solver` for `split`: the explicit split for one venue, the stochastic solve for several, each
    solved once per distinct problem while it is among the `capacity` most recently used."""

    def __init__(self, rng: random.Random, iterations: int, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self._rng = rng
        self._iterations = iterations
        self._capacity = capacity
        self._known: OrderedDict[PlacementProblem, Placement] = OrderedDict()
        self.solved = 0
        self.reused = 0

    def __call__(self, problem: PlacementProblem) -> Placement:
        known = self._known.get(problem)
        if known is not None:
            self._known.move_to_end(problem)
            self.reused += 1
            return known
        placement = single_venue(problem) if problem.venues == 1 else solve(problem, self._rng, self._iterations)
        self.solved += 1
        self._known[problem] = placement
        if len(self._known) > self._capacity:
            self._known.popitem(last=False)
        return placement
