"""Optimal order placement across venues, after Cont & Kukanov.

R. Cont and A. Kukanov, "Optimal order placement in limit order markets", Quantitative Finance 17(1)
(2017) 21-39; arXiv:1210.1625.

Their model (section 2): to buy S shares within a horizon T, send M shares by market order now and
L_k shares as limit orders at the best quote of venue k, behind a queue of Q_k shares. ξ_k is the
outflow of that queue over T (trades and cancellations ahead of us), so the limit order fills
min(L_k, (ξ_k - Q_k)+). With h the half spread, f the taker fee, r_k venue k's rebate (net of what
adverse selection costs there), λ_u the cost of each share still missing at T and λ_o of each share
bought beyond S, the realised cost of X = (M, L_1..L_K) is

    v(X, ξ) = (h + f) M - Σ_k (h + r_k) min(L_k, (ξ_k - Q_k)+) + λ_u (S - A)+ + λ_o (A - S)+,
    A(X, ξ) = M + Σ_k min(L_k, (ξ_k - Q_k)+),

and the placement minimises V(X) = E[v(X, ξ)]. Money here is a statistic (float, per share).

- One venue (`single_venue`): on M + L = S the cost is a newsvendor problem, convex in L, whose
  increments change sign where P(ξ - Q > L) = (λ_u - h - f) / (λ_u + h + r): their explicit
  single-exchange split L* = F^{-1}((2h + f + r) / (λ_u + h + r)) - Q, M* = S - L*, taken here on the
  lot grid of the empirical distribution (and within the caps).
- Several venues (`solve`): their stochastic approximation, a projected stochastic subgradient
  (Robbins–Monro) step on scenarios ξ drawn from recent history, with the robust constant step
  D / (G √N) and iterate averaging (Nemirovski, Juditsky, Lan & Shapiro 2009), then rounded to whole
  lots by the sample-average cost.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

MAX_VENUES: Final = 16
MAX_SCENARIOS: Final = 10_000


@dataclass(frozen=True, slots=True)
class PlacementProblem:
    """One placement: S, the market's terms, each venue's queue and rebate, and outflow scenarios."""

    target: int  # S
    half_spread: float  # h
    market_fee: float  # f
    rebates: tuple[float, ...]  # r_k (positive = the venue pays us)
    queues: tuple[int, ...]  # Q_k
    scenarios: tuple[tuple[int, ...], ...]  # samples of (ξ_1 .. ξ_K), one per past window
    shortfall_penalty: float  # λ_u
    overfill_penalty: float  # λ_o
    market_cap: int  # M at most this (the displayed depth within the limit)
    total_cap: int  # M + Σ L_k at most this (what the parent may still send)
    lot: int = 1

    def __post_init__(self) -> None:
        venues = len(self.rebates)
        if not 1 <= venues <= MAX_VENUES or len(self.queues) != venues:
            raise ValueError(f"need 1 to {MAX_VENUES} venues with one queue and one rebate each")
        if not self.scenarios or len(self.scenarios) > MAX_SCENARIOS:
            raise ValueError(f"need 1 to {MAX_SCENARIOS:,} outflow scenarios, got {len(self.scenarios)}")
        if any(len(s) != venues or min(s) < 0 for s in self.scenarios):
            raise ValueError("each scenario gives one non-negative outflow per venue")
        if self.target <= 0 or self.lot <= 0 or self.market_cap < 0 or self.total_cap < 0 or min(self.queues) < 0:
            raise ValueError("target and lot must be positive; caps and queues must not be negative")
        if self.shortfall_penalty < 0 or self.overfill_penalty < 0:
            raise ValueError("penalties must not be negative")

    @property
    def venues(self) -> int:
        return len(self.rebates)

    @property
    def reachable(self) -> int:
        """What may be placed in all: S, unless the caps are tighter."""
        return min(self.target, self.total_cap)


@dataclass(frozen=True, slots=True)
class Placement:
    market: int
    limits: tuple[int, ...]
    expected_cost: float  # per the sample-average of v, in the problem's money units (not per share)

    @property
    def total(self) -> int:
        return self.market + sum(self.limits)


def executed(problem: PlacementProblem, market: float, limits: Sequence[float], scenario: Sequence[int]) -> float:
    """A(X, ξ): what the placement fills in one scenario."""
    total = market
    for limit, queue, outflow in zip(limits, problem.queues, scenario, strict=True):
        total += min(limit, max(outflow - queue, 0))
    return total


def realized_cost(problem: PlacementProblem, market: float, limits: Sequence[float], scenario: Sequence[int]) -> float:
    """v(X, ξ) in one scenario."""
    h = problem.half_spread
    cost = (h + problem.market_fee) * market
    filled = market
    for limit, queue, outflow, rebate in zip(limits, problem.queues, scenario, problem.rebates, strict=True):
        fill = min(limit, max(outflow - queue, 0))
        cost -= (h + rebate) * fill
        filled += fill
    short = problem.target - filled
    return cost + (problem.shortfall_penalty * short if short > 0 else -problem.overfill_penalty * short)


def expected_cost(problem: PlacementProblem, market: float, limits: Sequence[float]) -> float:
    """V(X) under the empirical distribution of the scenarios."""
    return _sample_average(problem)(market, limits)


def _sample_average(problem: PlacementProblem) -> Callable[[float, Sequence[float]], float]:
    """V(X) for any placement X of one problem: the sum of `realized_cost` over the scenarios, in the same
    order, with each scenario's (ξ - Q)+ worked out once (rounding to lots prices many placements)."""
    h, target = problem.half_spread, problem.target
    market_cost = h + problem.market_fee
    lam_u, lam_o = problem.shortfall_penalty, problem.overfill_penalty
    gains = [h + rebate for rebate in problem.rebates]
    venues = problem.venues
    # (ξ_k - Q_k)+ of every scenario in one flat list, scenario after scenario: the loops below index it
    # (compiled, an index loop builds no tuple per step, where a zip does)
    clears = [float(max(outflow - queue, 0)) for scenario in problem.scenarios
              for outflow, queue in zip(scenario, problem.queues, strict=True)]
    count = len(problem.scenarios)

    def cost(market: float, limits: Sequence[float]) -> float:
        if len(limits) != venues:
            raise ValueError(f"need one limit per venue ({venues}), got {len(limits)}")
        wanted = [float(limit) for limit in limits]
        total: float = 0.0
        for first in range(0, count * venues, venues):
            value = market_cost * market
            filled = market
            for k in range(venues):
                limit, clear = wanted[k], clears[first + k]
                fill = limit if limit < clear else clear
                value -= gains[k] * fill
                filled += fill
            short = target - filled
            total += value + (lam_u * short if short > 0 else -lam_o * short)
        return total / count

    return cost


def single_venue(problem: PlacementProblem) -> Placement:
    """The explicit one-venue split on the lot grid: the smallest L whose next lot no longer pays."""
    if problem.venues != 1:
        raise ValueError(f"the closed form is for one venue, got {problem.venues}")
    lot, h, f = problem.lot, problem.half_spread, problem.market_fee
    rebate, queue = problem.rebates[0], problem.queues[0]
    total = problem.reachable - problem.reachable % lot
    lowest = max(0, total - problem.market_cap)
    lowest = min(lowest + -lowest % lot, total)
    count = len(problem.scenarios)
    surplus = sorted(max(s[0] - queue, 0) for s in problem.scenarios)  # (ξ - Q)+

    def tail(level: int) -> float:  # P((ξ - Q)+ >= level)
        below = _count_below(surplus, level)
        return (count - below) / count

    limit = lowest
    while limit + lot <= total:
        # V(L + lot) - V(L) = lot (λ_u - h - f) - (h + r + λ_u) Σ_{j=1..lot} P((ξ - Q)+ >= L + j)
        gain = sum(tail(limit + j) for j in range(1, lot + 1))
        if lot * (problem.shortfall_penalty - h - f) - (h + rebate + problem.shortfall_penalty) * gain >= 0:
            break
        limit += lot
    market = total - limit
    return Placement(market, (limit,), expected_cost(problem, market, (limit,)))


def solve(problem: PlacementProblem, rng: random.Random, iterations: int = 400) -> Placement:
    """The multi-venue placement by projected stochastic subgradient with averaging, rounded to lots."""
    if iterations <= 0:
        raise ValueError(f"iterations must be positive, got {iterations}")
    k, reach = problem.venues, problem.reachable
    upper = [float(min(problem.market_cap, reach))] + [float(reach)] * k
    h, f = problem.half_spread, problem.market_fee
    lam_u, lam_o = problem.shortfall_penalty, problem.overfill_penalty
    diameter = math.sqrt(sum(u * u for u in upper)) or 1.0
    bound = math.sqrt((abs(h + f) + lam_u + lam_o) ** 2
                      + sum((abs(h + r) + lam_u + lam_o) ** 2 for r in problem.rebates))
    step = diameter / ((bound or 1.0) * math.sqrt(iterations))
    # start from nothing: a venue whose queue never clears has a zero subgradient and must not keep a start
    x = [0.0] * (k + 1)
    summed = [0.0] * (k + 1)  # of the iterates kept for the average
    scenarios, queues, target, cap = problem.scenarios, problem.queues, problem.target, float(problem.total_cap)
    count, first_kept = len(scenarios), iterations // 2
    market_step = step * (h + f)
    under_step, over_step = -step * lam_u, step * lam_o
    rest_steps = [-step * (h + r) for r in problem.rebates]  # a limit order's step while its queue clears past it
    surpluses: dict[int, list[float]] = {}  # (ξ - Q)+ per drawn scenario, computed once
    size = k + 1
    point = [0.0] * size  # the step's point before the projection, and its clipped coordinates: reused
    clip = [0.0] * size
    bits, getrandbits = count.bit_length(), rng.getrandbits
    for n in range(iterations):
        drawn = getrandbits(bits)  # rng.randrange(count), drawn as it draws (the same stream)
        while drawn >= count:
            drawn = getrandbits(bits)
        surplus = surpluses.get(drawn)
        if surplus is None:
            surplus = surpluses[drawn] = [0.0] + [float(max(o - q, 0)) for o, q in zip(scenarios[drawn], queues,
                                                                                         strict=True)]
        filled = x[0]
        for i in range(1, size):
            lim, s = x[i], surplus[i]
            filled += lim if lim < s else s  # min(lim, s)
        penalty = under_step if filled < target else (over_step if filled > target else 0.0)
        # the subgradient step, then the projection onto the box (the sum cap below, rarely binding)
        moved = x[0] - market_step - penalty
        total = clipped = 0.0 if moved < 0.0 else (upper[0] if moved > upper[0] else moved)
        point[0] = moved
        clip[0] = clipped
        for i in range(1, size):
            here = x[i]
            moved = here - (rest_steps[i - 1] + penalty if surplus[i] > here else 0.0)
            clipped = 0.0 if moved < 0.0 else (upper[i] if moved > upper[i] else moved)
            point[i] = moved
            clip[i] = clipped
            total += clipped
        if total <= cap:
            x, clip = clip, x  # the clipped point is the iterate; the old iterate's list is the next buffer
        else:
            x = _project(point, upper, cap)
        if n >= first_kept:
            for i in range(size):
                summed[i] += x[i]
    kept = iterations - first_kept
    averaged = [v / kept for v in summed]
    return _round_to_lots(problem, averaged, upper)


def fixed_placement(problem: PlacementProblem, market_share: float, weights: Sequence[float]) -> Placement:
    """A fixed split (for comparison): `market_share` of S by market order, the rest by `weights`."""
    if len(weights) != problem.venues or min(weights) < 0 or sum(weights) <= 0 or not 0 <= market_share <= 1:
        raise ValueError("a fixed split needs a market share in [0, 1] and one non-negative weight per venue")
    lot, reach = problem.lot, problem.reachable
    market = min(int(reach * market_share) // lot * lot, problem.market_cap - problem.market_cap % lot)
    rest = reach - market
    total = sum(weights)
    limits = [int(rest * w / total) // lot * lot for w in weights]
    limits[max(range(len(weights)), key=lambda i: weights[i])] += (rest - sum(limits)) // lot * lot
    return Placement(market, tuple(limits), expected_cost(problem, market, limits))


def _count_below(ordered: list[int], level: int) -> int:
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < level:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _project(point: list[float], upper: list[float], cap: float) -> list[float]:
    """Euclidean projection onto {0 <= x_i <= upper_i, Σ x_i <= cap}: clip, else shift all down by the τ at
    which the clipped sum meets the cap (found exactly: the sum is piecewise linear in τ)."""
    clipped = [0.0 if p < 0.0 else (u if p > u else p) for p, u in zip(point, upper, strict=True)]
    if sum(clipped) <= cap:
        return clipped
    tau = _shift(point, upper, cap)
    return [min(max(p - tau, 0.0), u) for p, u in zip(point, upper, strict=True)]


def _shift(point: list[float], upper: list[float], cap: float) -> float:
    """The τ >= 0 with Σ clip(p_i - τ, 0, u_i) = cap, when the sum at τ = 0 is above the cap. Between two
    breakpoints (each p_i - u_i, where a coordinate leaves its upper bound, and p_i, where it reaches 0) the
    sum falls by one per free coordinate."""
    def total(tau: float) -> float:
        return sum(min(max(p - tau, 0.0), u) for p, u in zip(point, upper, strict=True))

    low, at_low = 0.0, total(0.0)
    for breakpoint in sorted({b for p, u in zip(point, upper, strict=True) for b in (p - u, p) if b > 0.0}):
        at_break = total(breakpoint)
        if at_break <= cap:
            return low + (at_low - cap) / (at_low - at_break) * (breakpoint - low)
        low, at_low = breakpoint, at_break
    return low  # past every breakpoint the sum is 0 <= cap (not reached while cap >= 0)


def _round_to_lots(problem: PlacementProblem, point: list[float], upper: list[float]) -> Placement:
    """The best whole-lot neighbour of `point` (each coordinate rounded down or up) within the caps."""
    lot = problem.lot
    choices = []
    for value, top in zip(point, upper, strict=True):
        top_lots = int(top) // lot * lot
        down = min(int(value) // lot * lot, top_lots)
        choices.append(sorted({down, min(down + lot, top_lots)}))
    best: Placement | None = None
    sample_cost = _sample_average(problem)
    for combo in itertools.product(*choices):
        if sum(combo) > problem.total_cap:
            continue
        cost = sample_cost(combo[0], combo[1:])
        if best is None or cost < best.expected_cost - 1e-9 or (
                cost <= best.expected_cost + 1e-9 and sum(combo) < best.total):  # equal cost: send less
            best = Placement(combo[0], tuple(combo[1:]), cost)
    if best is None:  # every neighbour is over the cap: all zero is always feasible
        zero = [0] * problem.venues
        best = Placement(0, tuple(zero), sample_cost(0, zero))
    return best

