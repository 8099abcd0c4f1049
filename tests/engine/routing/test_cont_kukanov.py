"""The Cont–Kukanov placement on constructed cases: the one-venue closed form and the multi-venue
stochastic approximation against an exhaustive search of the same sample-average cost."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.routing.cont_kukanov import (
    Placement,
    PlacementProblem,
    executed,
    expected_cost,
    fixed_placement,
    realized_cost,
    single_venue,
    solve,
)


def exhaustive(problem: PlacementProblem) -> Placement:
    """Every whole-lot (M, L_1..L_K) within the caps: the true optimum of the sample-average cost."""
    lot, reach = problem.lot, problem.reachable
    grid = range(0, reach + 1, lot)
    best: Placement | None = None
    for combo in itertools.product(*([grid] * (problem.venues + 1))):
        if combo[0] > problem.market_cap or sum(combo) > problem.total_cap:
            continue
        cost = expected_cost(problem, combo[0], combo[1:])
        if best is None or cost < best.expected_cost - 1e-12:
            best = Placement(combo[0], tuple(combo[1:]), cost)
    assert best is not None
    return best


def one_venue(outflows: list[int], *, target: int = 10, queue: int = 4, rebate: float = 0.2, half: float = 0.5,
              fee: float = 0.3, under: float = 2.0, over: float = 1.5) -> PlacementProblem:
    return PlacementProblem(target, half, fee, (rebate,), (queue,), tuple((o,) for o in outflows), under, over,
                            market_cap=target, total_cap=target)


def test_realized_cost_is_the_papers_cost_function() -> None:
    problem = PlacementProblem(10, 0.5, 0.3, (0.2, 0.1), (4, 0), ((9, 3),), 2.0, 1.5, 10, 10)
    # M = 2; venue 1 fills min(5, 9-4) = 5, venue 2 fills min(4, 3) = 3: A = 10, nothing missing or extra
    assert executed(problem, 2, (5, 4), (9, 3)) == 10
    assert realized_cost(problem, 2, (5, 4), (9, 3)) == pytest.approx(0.8 * 2 - 0.7 * 5 - 0.6 * 3)
    # one share short costs λ_u, one share over λ_o
    assert realized_cost(problem, 1, (5, 4), (9, 3)) == pytest.approx(0.8 - 3.5 - 1.8 + 2.0)
    assert realized_cost(problem, 3, (5, 4), (9, 3)) == pytest.approx(2.4 - 3.5 - 1.8 + 1.5)


def test_single_venue_closed_form_is_the_newsvendor_quantile() -> None:
    # (ξ - Q)+ is 0, 2, 4, 6, 8 with equal chance; θ = (λ_u - h - f)/(λ_u + h + r) = 1.2/2.7 = 0.444:
    # the smallest L with P((ξ-Q)+ > L) <= θ is 4 (P(>3) = 0.6, P(>4) = 0.4)
    problem = one_venue([4, 6, 8, 10, 12])
    placement = single_venue(problem)
    assert (placement.market, placement.limits) == (6, (4,))
    assert placement.expected_cost == pytest.approx(exhaustive(problem).expected_cost)


def test_single_venue_posts_everything_when_the_queue_always_clears_and_nothing_when_it_never_moves() -> None:
    assert single_venue(one_venue([100, 120])).limits == (10,)
    assert single_venue(one_venue([0, 1, 2])).limits == (0,)


@settings(max_examples=60, deadline=None)
@given(outflows=st.lists(st.integers(0, 30), min_size=1, max_size=8), queue=st.integers(0, 12),
       rebate=st.floats(-0.2, 0.4), half=st.floats(0.05, 1.0), fee=st.floats(0.0, 0.5),
       extra=st.floats(0.1, 3.0), over=st.floats(0.0, 3.0), target=st.integers(1, 12))
def test_single_venue_closed_form_equals_the_exhaustive_optimum(outflows: list[int], queue: int, rebate: float,
                                                                half: float, fee: float, extra: float, over: float,
                                                                target: int) -> None:
    # the paper's assumptions: λ_u > h + f (missing shares cost more than crossing now), λ_o > h + r
    problem = one_venue(outflows, target=target, queue=queue, rebate=rebate, half=half, fee=fee,
                        under=half + fee + extra, over=max(over, half + rebate + 0.01))
    assert single_venue(problem).expected_cost == pytest.approx(exhaustive(problem).expected_cost, abs=1e-9)


def three_venues(seed: int) -> PlacementProblem:
    rng = random.Random(seed)
    scenarios = tuple((rng.randint(0, 14), rng.randint(0, 8), rng.randint(0, 20)) for _ in range(40))
    return PlacementProblem(12, 0.5, 0.3, (0.25, -0.05, 0.1), (3, 0, 8), scenarios, 1.6, 0.9,
                            market_cap=12, total_cap=20)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stochastic_approximation_lands_within_two_percent_of_the_exhaustive_optimum(seed: int) -> None:
    problem = three_venues(seed)
    best = exhaustive(problem)
    found = solve(problem, random.Random(seed), iterations=4_000)
    spread = max(expected_cost(problem, problem.target, (0, 0, 0)), 1.0)  # the all-market cost as the scale
    assert found.expected_cost <= best.expected_cost + 0.02 * abs(spread)
    assert found.total <= problem.total_cap and found.market <= problem.market_cap


def test_stochastic_approximation_overbooks_across_venues_when_fills_are_uncertain() -> None:
    # each venue fills the whole slice half the time, never both: posting S on both beats S on one
    scenarios = tuple((20, 0) if i % 2 else (0, 20) for i in range(20))
    problem = PlacementProblem(10, 0.5, 0.3, (0.2, 0.2), (0, 0), scenarios, 3.0, 0.1, 10, 20)
    found = solve(problem, random.Random(1), iterations=3_000)
    assert found.limits[0] >= 8 and found.limits[1] >= 8
    assert found.expected_cost == pytest.approx(exhaustive(problem).expected_cost, abs=0.3)


def test_solution_respects_the_parents_room_and_the_displayed_depth() -> None:
    scenarios = ((0, 0),) * 5  # nothing ever fills passively: everything wants to go by market order
    problem = PlacementProblem(10, 0.5, 0.3, (0.2, 0.2), (0, 0), scenarios, 3.0, 1.0, market_cap=4, total_cap=7)
    found = solve(problem, random.Random(1))
    assert found.market == 4 and found.total <= 7


def test_fixed_split_puts_the_market_share_first_and_the_rest_by_weight() -> None:
    problem = three_venues(1)
    fixed = fixed_placement(problem, 0.25, (1, 1, 2))
    assert fixed.market == 3 and fixed.limits == (2, 2, 5)


def test_malformed_problems_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="scenario"):
        PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1, 2),), 2.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="venues"):
        PlacementProblem(10, 0.5, 0.3, (), (), ((),), 2.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="penalties"):
        PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1,),), -2.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="outflow scenarios, got 0"):
        PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), (), 2.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="outflow scenarios, got 10001"):
        PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1,),) * 10_001, 2.0, 1.0, 10, 10)
    for target, lot, market_cap, total_cap, queue in ((0, 1, 10, 10, 0), (10, 0, 10, 10, 0), (10, 1, -1, 10, 0),
                                                      (10, 1, 10, -1, 0), (10, 1, 10, 10, -1)):
        with pytest.raises(ValueError, match="target and lot must be positive"):
            PlacementProblem(target, 0.5, 0.3, (0.2,), (queue,), ((1,),), 2.0, 1.0, market_cap, total_cap, lot)


def test_problems_at_the_bounds_are_accepted() -> None:
    sixteen = PlacementProblem(10, 0.5, 0.3, (0.2,) * 16, (0,) * 16, ((1,) * 16,), 2.0, 1.0, 10, 10)
    assert sixteen.venues == 16
    PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1,),) * 10_000, 2.0, 1.0, 10, 10)
    no_room = PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1,),), 2.0, 1.0, market_cap=0, total_cap=0)
    assert single_venue(no_room).total == 0  # a parent with nothing left to send places nothing
    PlacementProblem(10, 0.5, 0.3, (0.2,), (0,), ((1,),), 0.0, 0.0, 10, 10)  # no penalty for missing the target
    three = three_venues(1)
    for share, weights in ((0.0, (1, 0, 0)), (1.0, (0, 0, 1)), (0.5, (1, 0, 1))):  # a venue may get nothing
        fixed = fixed_placement(three, share, weights)
        assert all(limit == 0 for limit, weight in zip(fixed.limits, weights, strict=True) if weight == 0)


def test_the_solvers_refuse_what_they_cannot_answer() -> None:
    one, three = one_venue([0, 5, 10]), three_venues(1)
    with pytest.raises(ValueError, match="one limit per venue \\(1\\), got 2"):
        expected_cost(one, 0, (1, 2))
    with pytest.raises(ValueError, match="for one venue, got 3"):
        single_venue(three)
    with pytest.raises(ValueError, match="iterations must be positive"):
        solve(three, random.Random(1), iterations=0)
    for share, weights in ((0.5, (1, 1)), (0.5, (1, -1, 1)), (0.5, (0, 0, 0)), (1.5, (1, 1, 1)), (-0.1, (1, 1, 1))):
        with pytest.raises(ValueError, match="a fixed split needs"):
            fixed_placement(three, share, weights)


def test_the_solver_sends_nothing_when_every_share_costs_more_than_the_shortfall_penalty() -> None:
    # a market order costs 0.8 a share, a fill at either venue 0.5 (fees of 1.0 against a half spread of 0.5),
    # and a share short only 0.1: the cheapest placement sends nothing at all
    scenarios = ((20, 20), (5, 0), (0, 5)) * 4
    problem = PlacementProblem(10, 0.5, 0.3, (-1.0, -1.0), (0, 0), scenarios, 0.1, 2.0, market_cap=10, total_cap=10)
    best = exhaustive(problem)
    found = solve(problem, random.Random(1), iterations=2_000)
    assert best.total == 0 and found.total == 0 and found.expected_cost == pytest.approx(best.expected_cost)
