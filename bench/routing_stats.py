"""Paired comparisons of routing runs: the same seed is the same market (the simulated fair value is an
exogenous random walk, so the policy does not change it), and the difference between two policies on one
seed is what the routing changed. Compared level by level, the medians of ten seeds differed by less than
the drift they shared (a large illiquid parent's all-in cost was 11 bps over seeds 1-10 and 5.6 over 1-40
for the same policy); paired, the drift cancels.

For one metric where lower is better, `paired` gives the median over the seeds of ours minus the rival's and
how many seeds ours was lower on (ties count half); a sign test says whether that share is more than chance.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NEVER = float("inf")
"""A run that did not complete took forever, for the time to complete."""

DECISIVE_Z = 2.0
"""A sign test's z at or above this (about 5%, two-sided) is more than chance."""


def value(run: dict[str, Any], key: str) -> float:
    raw = run[key]
    return NEVER if raw is None else float(raw)


@dataclass(frozen=True, slots=True)
class Paired:
    """Ours against one rival over the same seeds, lower being better."""

    rival: str
    median_difference: float
    """Median over the seeds of ours minus the rival's (negative: ours lower; infinite when we did not
    complete on most seeds where the rival did)."""
    lower_on: float
    """Seeds on which ours was lower (ties count half)."""
    seeds: int

    @property
    def z(self) -> float:
        """The sign test: how far `lower_on` is above half the seeds, in its standard deviations."""
        return (self.lower_on - self.seeds / 2) / math.sqrt(self.seeds / 4) if self.seeds else 0.0

    @property
    def better(self) -> bool:
        """Ours is lower by the paired median (by the share of seeds when that median is 0)."""
        return self.median_difference < 0 or (self.median_difference == 0 and self.lower_on > self.seeds / 2)

    @property
    def decisive(self) -> bool:
        """Better, and on more seeds than chance would give."""
        return self.better and self.z >= DECISIVE_Z

    @property
    def shown_worse(self) -> bool:
        """The rival is lower on more seeds than chance would give."""
        return -self.z >= DECISIVE_Z

    def as_dict(self) -> dict[str, Any]:
        median = None if math.isinf(self.median_difference) else self.median_difference
        return {"rival": self.rival, "median_difference": median, "lower_on_seeds": self.lower_on,
                "seeds": self.seeds, "sign_z": self.z, "better": self.better, "decisive": self.decisive}


def paired(ours: Sequence[dict[str, Any]], theirs: Sequence[dict[str, Any]], key: str, rival: str) -> Paired:
    """Ours against theirs, seed by seed (the runs in the same seed order)."""
    differences: list[float] = []
    lower = 0.0
    for mine, other in zip(ours, theirs, strict=True):
        a, b = value(mine, key), value(other, key)
        differences.append(0.0 if a == b else a - b)
        lower += 1.0 if a < b else 0.5 if a == b else 0.0
    return Paired(rival, statistics.median(differences) if differences else 0.0, lower, len(differences))


def against_all(runs: dict[str, Sequence[dict[str, Any]]], ours: str, key: str) -> list[Paired]:
    """`ours` against every other policy of the same bucket."""
    return [paired(runs[ours], theirs, key, name) for name, theirs in runs.items() if name != ours]


def describe(comparisons: Sequence[Paired], unit: str) -> str:
    """'vs parallel -0.31 bps, lower on 27/40 seeds (z 2.2)' for each rival."""
    parts = []
    for c in comparisons:
        median = "never done" if math.isinf(c.median_difference) else f"{c.median_difference:+.2f} {unit}"
        parts.append(f"vs {c.rival} {median}, lower on {c.lower_on:g}/{c.seeds} seeds (z {c.z:+.1f})")
    return "; ".join(parts)
