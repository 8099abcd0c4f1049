"""The router's placement memo: one solve per distinct problem, the same placement for the same problem,
bounded by its capacity."""

from __future__ import annotations

import dataclasses
import random

import pytest

from engine.routing.cont_kukanov import PlacementProblem, single_venue, solve
from engine.routing.placements import PlacementMemo

PROBLEM = PlacementProblem(target=500, half_spread=0.005, market_fee=0.003, rebates=(0.002, -0.001, 0.0015),
                           queues=(300, 3100, 0), scenarios=((2600, 1340, 550), (870, 510, 530), (1860, 660, 330)),
                           shortfall_penalty=0.03, overfill_penalty=0.02, market_cap=800, total_cap=600)


def test_the_first_solve_is_the_solvers_own_and_a_repeat_is_not_solved_again() -> None:
    memo = PlacementMemo(random.Random(7), 400)
    first = memo(PROBLEM)
    assert first == solve(PROBLEM, random.Random(7), 400)
    again = memo(dataclasses.replace(PROBLEM))  # an equal problem built anew
    assert again is first
    assert (memo.solved, memo.reused) == (1, 1)


def test_a_problem_that_differs_in_anything_is_solved() -> None:
    memo = PlacementMemo(random.Random(7), 400)
    memo(PROBLEM)
    changed = [dataclasses.replace(PROBLEM, queues=(300, 3100, 100)),
               dataclasses.replace(PROBLEM, scenarios=PROBLEM.scenarios[:2]),
               dataclasses.replace(PROBLEM, target=400),
               dataclasses.replace(PROBLEM, half_spread=0.01)]
    for problem in changed:
        memo(problem)
    assert (memo.solved, memo.reused) == (5, 0)


def test_one_venue_takes_the_closed_form() -> None:
    one = dataclasses.replace(PROBLEM, rebates=(0.002,), queues=(300,),
                              scenarios=tuple(s[:1] for s in PROBLEM.scenarios))
    assert PlacementMemo(random.Random(7), 400)(one) == single_venue(one)


def test_the_least_recently_used_problem_goes_first_when_full() -> None:
    memo = PlacementMemo(random.Random(7), 50, capacity=2)
    a, b, c = (dataclasses.replace(PROBLEM, target=t) for t in (300, 400, 500))
    memo(a)
    memo(b)
    memo(a)  # a is now the most recently used
    memo(c)  # b goes
    memo(a)
    assert (memo.solved, memo.reused) == (3, 2)
    memo(b)
    assert memo.solved == 4


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        PlacementMemo(random.Random(), 400, capacity=0)
