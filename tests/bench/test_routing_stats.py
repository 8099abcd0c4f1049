"""The routing benchmark's paired comparisons: seed by seed, lower is better, a run never done is the slowest."""

from __future__ import annotations

from typing import Any

from bench.routing_stats import against_all, describe, paired


def runs(key: str, *values: float | None) -> list[dict[str, Any]]:
    return [{key: v} for v in values]


def test_the_paired_median_and_the_seeds_won_decide_not_the_medians_of_each_side() -> None:
    # the shared drift dwarfs the policies' difference: ours is lower by 1 on every seed
    drift = [0.0, 50.0, 3.0, -20.0, 7.0, 11.0, -4.0, 2.0, 30.0, 9.0, 1.0, -8.0]
    ours = runs("all_in_bps", *(d - 1.0 for d in drift))
    theirs = runs("all_in_bps", *drift)
    versus = paired(ours, theirs, "all_in_bps", "parallel")
    assert versus.median_difference == -1.0 and versus.lower_on == 12 and versus.seeds == 12
    assert versus.better and versus.decisive and not versus.shown_worse
    assert paired(theirs, ours, "all_in_bps", "liquidity").shown_worse


def test_a_share_of_seeds_near_half_is_not_decisive_and_ties_count_half() -> None:
    ours = runs("fees_bps", 1.0, 1.0, 0.0, 2.0, 0.5, 0.5)
    theirs = runs("fees_bps", 1.0, 2.0, 1.0, 1.0, 0.5, 0.4)
    versus = paired(ours, theirs, "fees_bps", "sequential")
    assert versus.lower_on == 3.0  # two wins, two ties, two losses
    assert versus.median_difference == 0.0 and not versus.better and not versus.decisive
    assert not versus.shown_worse


def test_a_run_that_never_completed_is_slower_than_any_that_did() -> None:
    ours = runs("seconds_to_complete", 10.0, 20.0, None, 30.0, 5.0)
    theirs = runs("seconds_to_complete", None, 25.0, None, None, 6.0)
    versus = paired(ours, theirs, "seconds_to_complete", "liquidity")
    assert versus.lower_on == 4.5  # both never done on one seed: a tie
    assert versus.better and versus.median_difference == -5.0  # -inf, -inf, -5, -1, 0
    assert "vs liquidity -5.00 s, lower on 4.5/5 seeds" in describe([versus], "s")
    mostly_never = paired(runs("seconds_to_complete", None, None, None, 1.0, 1.0),
                          runs("seconds_to_complete", 1.0, 1.0, 1.0, 2.0, 2.0), "seconds_to_complete", "parallel")
    assert mostly_never.median_difference == float("inf") and not mostly_never.better
    assert "vs parallel never done" in describe([mostly_never], "s")
    assert mostly_never.as_dict()["median_difference"] is None


def test_against_all_compares_one_policy_with_every_other() -> None:
    by_policy = {"sequential": runs("fees_bps", 1.0, 2.0), "parallel": runs("fees_bps", 2.0, 3.0),
                 "liquidity": runs("fees_bps", 0.0, 1.0)}
    versus = against_all(by_policy, "sequential", "fees_bps")
    assert [(c.rival, c.median_difference, c.better) for c in versus] == [("parallel", -1.0, True),
                                                                          ("liquidity", 1.0, False)]
